import { SeededRandom } from '@bertkit/onnx-builder';
import type { TrainBatch } from '../batch.js';
import { FinetuneError } from '../errors.js';
import type { TrainTask } from '../model/model-spec.js';
import type { ProblemType, TrainExample } from '../run/types.js';

/** The example type of the lower-level API: the run contract's TrainExample. */
export type Example = TrainExample;

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, rng: SeededRandom): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * transformers' LengthGroupedSampler: a random permutation cut into mega-batches of 50 batches, each
 * sorted by length (longest first) and cut into batches — similar lengths share a batch so little
 * padding is computed, while the order stays random between mega-batches.
 */
export function lengthGroupedBatches(lengths: readonly number[], batchSize: number, seed: number): number[][] {
  const order = permutation(lengths.length, new SeededRandom(seed));
  const mega = batchSize * 50;
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += mega) {
    const group = order.slice(start, start + mega).sort((a, b) => lengths[b]! - lengths[a]!);
    for (let i = 0; i < group.length; i += batchSize) batches.push(group.slice(i, i + batchSize));
  }
  return batches;
}

/**
 * Pads examples to the longest (with `padId`: 0 for BERT-style vocabularies, the config's pad_token_id,
 * 1, for RoBERTa, whose position ids depend on it; attention 0) and lays out the task's targets (see TrainBatch):
 * - sequence classification (the default): `labels` [B] int64 from `label`; also `floatLabels` [B] when
 *   every example has a `label` (regression), or `floatLabels` [B, C] from the examples' `labels`
 *   (multi-label). `problemType` only makes the check strict;
 * - token classification: `labels` [B·T], the examples' per-token `labels`, -100 on padding;
 * - question answering: `startPositions` / `endPositions` [B] from `start` / `end`;
 * - masked LM: `labels` [B·T] all -100 (the collator, e.g. maskTokens, chooses the targets), and the
 *   examples' `wordContinuations` as flags when any has them.
 */
export function padBatch(examples: readonly TrainExample[], task: TrainTask = 'sequence-classification', problemType?: ProblemType, padId = 0): TrainBatch {
  if (examples.length === 0) throw new FinetuneError('E_SHAPE', 'padBatch: no examples');
  const seqLength = Math.max(...examples.map((e) => e.ids.length));
  const n = examples.length * seqLength;
  const inputIds = new BigInt64Array(n).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(n);
  const tokenTypeIds = new BigInt64Array(n);
  examples.forEach((e, r) => {
    e.ids.forEach((id, t) => {
      inputIds[r * seqLength + t] = BigInt(id);
      attentionMask[r * seqLength + t] = 1n;
      tokenTypeIds[r * seqLength + t] = BigInt(e.typeIds?.[t] ?? 0);
    });
  });
  const base = { batchSize: examples.length, seqLength, inputIds, attentionMask, tokenTypeIds };
  const missing = (field: string, r: number) => new FinetuneError('E_SHAPE', `padBatch (${task}): example ${r} has no ${field}`);
  switch (task) {
    case 'token-classification': {
      const labels = new BigInt64Array(n).fill(-100n);
      examples.forEach((e, r) => {
        if (!e.labels) throw missing('labels', r);
        if (e.labels.length !== e.ids.length) throw new FinetuneError('E_SHAPE', `padBatch (token-classification): example ${r} has ${e.labels.length} labels for ${e.ids.length} tokens`);
        e.labels.forEach((l, t) => (labels[r * seqLength + t] = BigInt(l)));
      });
      return { ...base, labels };
    }
    case 'question-answering': {
      const position = (field: 'start' | 'end') =>
        BigInt64Array.from(examples, (e, r) => {
          const v = e[field];
          if (v === undefined) throw missing(field, r);
          return BigInt(v);
        });
      return { ...base, labels: new BigInt64Array(0), startPositions: position('start'), endPositions: position('end') };
    }
    case 'masked-lm': {
      const out: TrainBatch = { ...base, labels: new BigInt64Array(n).fill(-100n) };
      if (examples.some((e) => e.wordContinuations !== undefined)) {
        const flags = new Uint8Array(n);
        examples.forEach((e, r) => {
          for (const t of e.wordContinuations ?? []) if (t > 0 && t < e.ids.length) flags[r * seqLength + t] = 1;
        });
        out.wordContinuations = flags;
      }
      return out;
    }
    case 'sequence-classification':
      return { ...base, ...classificationTargets(examples, problemType) };
  }
}

function classificationTargets(examples: readonly TrainExample[], problemType: ProblemType | undefined): Pick<TrainBatch, 'labels' | 'floatLabels'> {
  const multi = problemType === 'multi_label_classification' || (problemType === undefined && examples[0]!.labels !== undefined && examples[0]!.label === undefined);
  if (multi) {
    const width = examples[0]!.labels?.length ?? 0;
    const floatLabels = new Float32Array(examples.length * width);
    examples.forEach((e, r) => {
      if (e.labels?.length !== width || width === 0) throw new FinetuneError('E_SHAPE', `padBatch (multi-label): example ${r} has ${e.labels?.length ?? 'no'} labels, expected ${width || 'some'}`);
      floatLabels.set(e.labels, r * width);
    });
    return { labels: new BigInt64Array(0), floatLabels };
  }
  const values = examples.map((e, r) => {
    if (e.label === undefined || !Number.isFinite(e.label)) throw new FinetuneError('E_SHAPE', `padBatch (sequence-classification): example ${r} has no label`);
    return e.label;
  });
  const integral = values.every(Number.isInteger);
  if (problemType === 'single_label_classification' && !integral) throw new FinetuneError('E_SHAPE', 'padBatch (single-label): labels must be class indexes');
  // Both layouts when the labels allow: a regression graph reads floatLabels, a classifier labels.
  return { labels: integral ? BigInt64Array.from(values, (v) => BigInt(v)) : new BigInt64Array(0), floatLabels: Float32Array.from(values) };
}
