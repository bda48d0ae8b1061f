import { relativePositionBucket } from '@bertkit/onnx-builder';
import type { GraphBuilder } from '../graph-builder.js';

/** transformers' MPNet buckets with these whatever relative_attention_num_buckets says. */
const BUCKETS = 32;
const MAX_DISTANCE = 128;

export interface RelativeBias {
  /** [1, heads, Tq, T], added to the attention scores. */
  y: string;
  /** Adds d(loss)/d(table) for d(loss)/d(scores) [B, heads, Tq, T]. */
  back(dScores: string): void;
}

/**
 * int64 [T, T]: the bucket of every (query, key) distance, from a constant table over the distances the
 * position table allows (the buckets' float32 logarithm done once in JS as torch does it, so boundary
 * distances land in the same bucket), gathered by key - query.
 */
export function relativeBuckets(b: GraphBuilder, seqLen: string, maxPositions: number): string {
  const m = maxPositions;
  const table = b.ints(Array.from({ length: 2 * m - 1 }, (_, i) => relativePositionBucket(i - (m - 1), BUCKETS, MAX_DISTANCE)));
  const range = b.op('Range', [b.int(0), seqLen, b.int(1)]);
  const relative = b.sub(b.op('Unsqueeze', [range, b.ints([0])]), b.op('Unsqueeze', [range, b.ints([1])]));
  return b.op('Gather', [table, b.add(relative, b.int(m - 1))], [{ name: 'axis', i: 0 }]);
}

/**
 * MPNet's relative position bias: rows of `table` [rows, heads] (rows ≥ the 32 buckets used) picked by `buckets` ([Tq, T]: every query
 * row, or the first only), as [1, heads, Tq, T]. Backward: the scores' gradient summed over the batch, then
 * summed per bucket as a product with the one-hot bucket matrix ([rows, Tq·T] · [Tq·T, heads]: a few
 * MFLOP, and no ScatterND, whose reduction attribute is a string the graph writer does not emit). Every
 * layer adds its share: one table serves them all.
 */
export function relativeBias(b: GraphBuilder, table: string, buckets: string, shape: { rows: number; heads: number }): RelativeBias {
  const values = b.op('Gather', [table, buckets], [{ name: 'axis', i: 0 }]);
  const y = b.op('Unsqueeze', [b.transpose(values, [2, 0, 1]), b.ints([0])]);
  return {
    y,
    back(dScores) {
      const perPair = b.reshape(b.transpose(b.reduceSum(dScores, [0]), [1, 2, 0]), b.ints([-1, shape.heads]));
      const ids = b.ints(Array.from({ length: shape.rows }, (_, i) => i));
      const oneHot = b.op('Cast', [b.op('Equal', [b.op('Unsqueeze', [buckets, b.ints([2])]), ids])], [{ name: 'to', i: 1 }]);
      const byBucket = b.transpose(b.reshape(oneHot, b.ints([-1, shape.rows])), [1, 0]);
      b.addGrad(table, b.op('MatMul', [byBucket, perPair]));
    },
  };
}
