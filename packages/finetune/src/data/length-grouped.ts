import { SeededRandom } from '@bertkit/onnx-builder';
import type { TrainBatch } from '../batch.js';

export interface Example {
  ids: readonly number[];
  typeIds?: readonly number[];
  label: number;
}

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

/** Pads examples to the longest (pad id 0, attention 0). */
export function padBatch(examples: readonly Example[]): TrainBatch {
  const seqLength = Math.max(...examples.map((e) => e.ids.length));
  const n = examples.length * seqLength;
  const inputIds = new BigInt64Array(n);
  const attentionMask = new BigInt64Array(n);
  const tokenTypeIds = new BigInt64Array(n);
  examples.forEach((e, r) => {
    e.ids.forEach((id, t) => {
      inputIds[r * seqLength + t] = BigInt(id);
      attentionMask[r * seqLength + t] = 1n;
      tokenTypeIds[r * seqLength + t] = BigInt(e.typeIds?.[t] ?? 0);
    });
  });
  return { batchSize: examples.length, seqLength, inputIds, attentionMask, tokenTypeIds, labels: BigInt64Array.from(examples, (e) => BigInt(e.label)) };
}
