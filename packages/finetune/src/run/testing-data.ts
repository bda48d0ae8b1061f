import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainExample } from './types.js';

/** A learnable toy task for the tiny stand-ins: the label says which of two words follows [CLS]; lengths vary. */
export function toyExamples(n: number, offset = 0): TrainExample[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const filler = Array.from({ length: i % 5 }, (_, j) => 1000 + ((i * 7 + j) % 500));
    return { ids: [101, i % 2 ? 2204 : 2919, ...filler, 1012, 102], label: i % 2 };
  });
}

export const tempOut = (name: string): string => join(mkdtempSync(join(tmpdir(), `bertkit-${name}-`)), 'out');
