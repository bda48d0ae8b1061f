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

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs((a[k] as number) - (b[k] as number)));
  return worst;
}

export function meanCosine(a: Float32Array, b: Float32Array, rows: number, dim: number): { mean: number; min: number } {
  let sum = 0;
  let min = 1;
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = r * dim; k < (r + 1) * dim; k++) {
      dot += (a[k] as number) * (b[k] as number);
      na += (a[k] as number) ** 2;
      nb += (b[k] as number) ** 2;
    }
    const c = dot / Math.sqrt(na * nb);
    sum += c;
    min = Math.min(min, c);
  }
  return { mean: sum / rows, min };
}
