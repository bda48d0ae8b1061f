// Test-only: the shared stand-in models and their PyTorch reference outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireShared } from '@bertkit/shared-data';

export interface ReferenceBatch {
  texts?: string[];
  pairs?: Array<[string, string]>;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  /** [layer][row][position][hidden] */
  hidden_states: number[][][][];
}

export const SHARED = requireShared();
export const STAND_INS = ['tiny-random-distilbert', 'tiny-random-bert'] as const;
export const modelDir = (name: string): string => join(SHARED, 'models', name);

export function reference(name: string): ReferenceBatch[] {
  return JSON.parse(readFileSync(join(modelDir(name), 'reference.json'), 'utf8')) as ReferenceBatch[];
}

export const flat = (rows: number[][]): Int32Array => Int32Array.from(rows.flat());
