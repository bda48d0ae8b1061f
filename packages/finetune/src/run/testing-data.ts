import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile } from '@bertkit/onnx-builder';
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

const WORDS = [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007];

/** NER toy: an entity is 2204 (B-X) optionally followed by 2205 (I-X); other words O; -100 on [CLS]/[SEP]. Tags O, B-X, I-X. */
export function toyNer(n: number, offset = 0): TrainExample[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const words: number[] = [];
    for (let w = 0; w < 3 + (i % 4); w++) words.push((i + w) % 3 === 0 ? 2204 : (i + w) % 5 === 1 ? 2205 : WORDS[(i * 3 + w) % WORDS.length]!);
    const labels = words.map((w, j) => (w === 2204 ? 1 : w === 2205 && words[j - 1] === 2204 ? 2 : 0));
    return { ids: [101, ...words, 102], labels: [-100, ...labels, -100] };
  });
}

/** QA toy: the answer is the token after the marker 2054 in the context. */
export function toyQa(n: number, offset = 0): TrainExample[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const context = Array.from({ length: 4 + (i % 3) }, (_, j) => WORDS[(i + j) % WORDS.length]!);
    const at = 1 + (i % (context.length - 1));
    context[at - 1] = 2054;
    const ids = [101, 2029, 102, ...context, 102];
    const start = 3 + at;
    return { ids, typeIds: ids.map((_, t) => (t < 3 ? 0 : 1)), start, end: start };
  });
}

/** Multi-label toy over 3 classes: class c is on when word 2204 + c occurs. */
export function toyMultiLabel(n: number, offset = 0): TrainExample[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const on = [i % 2, (i >> 1) % 2, (i >> 2) % 2];
    const words = on.flatMap((v, c) => (v ? [2204 + c] : [])).concat([WORDS[i % WORDS.length]!]);
    return { ids: [101, ...words, 102], labels: on };
  });
}

/** Regression toy: the target is the count of 2204 tokens. */
export function toyRegression(n: number, offset = 0): TrainExample[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const count = i % 4;
    return { ids: [101, ...Array.from({ length: count }, () => 2204), WORDS[i % WORDS.length]!, 102], label: count };
  });
}

/** The tensor names of a safetensors file, sorted (to compare with transformers' key lists). */
export function keysOf(path: string): string[] {
  const f = SafetensorsFile.open(path);
  try {
    return f.names().sort();
  } finally {
    f.close();
  }
}

/** Every tensor of a safetensors file by name (to compare two runs' weights). */
export function readAll(path: string): Map<string, Float32Array> {
  const f = SafetensorsFile.open(path);
  try {
    return new Map(f.names().map((n) => [n, f.read(n)]));
  } finally {
    f.close();
  }
}
