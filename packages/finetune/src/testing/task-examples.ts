import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandomModel } from '@bertkit/onnx-builder';
import { requireShared } from '@bertkit/shared-data';
import type { TrainableType } from '../model/model-spec.js';
import type { TrainExample } from '../run/types.js';

/**
 * A small random model of each trainable family: the shared tiny-random-{distilbert,bert}, roberta-tiny,
 * electra-tiny, albert-tiny; MPNet (no shared fixture) made with the converter's random-model preset.
 */
export function familyDir(family: TrainableType): string {
  if (family === 'mpnet') {
    // Per process: vitest's workers would otherwise write the same directory at once.
    const output = join(tmpdir(), `bertkit-finetune-mpnet-tiny-${process.pid}`);
    return createRandomModel({ output, preset: 'mpnet-tiny', tokenizer: join(requireShared(), 'tokenizers', 'bert-base-uncased'), seed: 5 }).dir;
  }
  return join(requireShared(), 'models', family === 'distilbert' || family === 'bert' ? `tiny-random-${family}` : `${family}-tiny`);
}

/** The id padBatch must pad with (RoBERTa's positions depend on it). */
export const familyPadId = (family: TrainableType): number => (family === 'roberta' || family === 'mpnet' ? 1 : 0);

/**
 * Three short rows for the task-graph oracles: padding, a second segment (BERT type ids), token labels
 * with -100, and one QA answer outside the window (ignored).
 */
export const TASK_ROWS: TrainExample[] = [
  { ids: [101, 2023, 2003, 1037, 3231, 102], typeIds: [0, 0, 0, 1, 1, 1], label: 1, labels: [-100, 1, 2, 0, 2, -100], start: 1, end: 3 },
  { ids: [101, 7592, 102], label: 0, labels: [-100, 2, -100], start: 1, end: 1 },
  { ids: [101, 2000, 2001, 2002, 102], typeIds: [0, 0, 1, 1, 1], label: 2, labels: [-100, 0, 1, 1, -100], start: 9, end: 12 },
];

/** Multi-label (BCE) and regression variants of TASK_ROWS. */
export const MULTI_LABEL_ROWS: TrainExample[] = TASK_ROWS.map((r, i) => ({ ids: r.ids, ...(r.typeIds ? { typeIds: r.typeIds } : {}), labels: [[1, 0, 1], [0, 0, 1], [1, 1, 0]][i]! }));
export const REGRESSION_ROWS: TrainExample[] = TASK_ROWS.map((r, i) => ({ ...r, label: [0.7, -1.2, 2.5][i]! }));

/** Deterministic non-zero head biases, so their effect on the loss is exercised too. */
export function perturbHeadBiases(parameters: Map<string, Float32Array>): void {
  for (const [name, values] of parameters) if (/^(classifier|classifier\.dense|classifier\.out_proj|qa_outputs|pre_classifier|bert\.pooler\.dense)\.bias$/.test(name)) values.forEach((_, i, a) => (a[i] = 0.05 * Math.sin(i + 1)));
}

/** The rows as a family can take them: RoBERTa has a single token type, MPNet none. */
export function rowsFor(family: TrainableType, rows: readonly TrainExample[]): TrainExample[] {
  return family === 'roberta' || family === 'mpnet' ? rows.map(({ typeIds: _drop, ...rest }) => rest) : [...rows];
}
