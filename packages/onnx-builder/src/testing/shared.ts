import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireShared } from '@bertkit/shared-data';

export const SHARED = requireShared();
export const BERT_UNCASED = join(SHARED, 'tokenizers', 'bert-base-uncased');

export interface ReferenceBatch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  hidden_states: number[][][][];
}

export function referenceBatches(model: string): ReferenceBatch[] {
  return JSON.parse(readFileSync(join(SHARED, 'models', model, 'reference.json'), 'utf8'));
}

export function sst2(split: 'train' | 'dev' | 'test'): { texts: string[]; labels: number[] } {
  const rows = readFileSync(join(SHARED, 'data', 'sst2', `${split}.tsv`), 'utf8').split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
  return { texts: rows.map((r) => r[0] as string), labels: rows.map((r) => Number(r[1])) };
}

