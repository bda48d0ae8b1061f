// Test-only: the shared stand-in models and their PyTorch reference outputs.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ReferenceBatch {
  texts?: string[];
  pairs?: Array<[string, string]>;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  /** [layer][row][position][hidden] */
  hidden_states: number[][][][];
}

function findShared(): string {
  if (process.env.BERTKIT_SHARED) return resolve(process.env.BERTKIT_SHARED);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'shared');
    if (existsSync(join(candidate, 'models'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find ../shared beside the repository (set BERTKIT_SHARED)');
}

export const SHARED = findShared();
export const STAND_INS = ['tiny-random-distilbert', 'tiny-random-bert'] as const;
export const modelDir = (name: string): string => join(SHARED, 'models', name);

export function reference(name: string): ReferenceBatch[] {
  return JSON.parse(readFileSync(join(modelDir(name), 'reference.json'), 'utf8')) as ReferenceBatch[];
}

export const flat = (rows: number[][]): Int32Array => Int32Array.from(rows.flat());
