import type { GraphContext } from './graph-context.js';

/**
 * The bucket of a relative position (key position - query position) as transformers' MPNet (and T5)
 * `relative_position_bucket`: half the buckets for keys before the query, half for keys after; within a
 * half, distances below num_buckets/4 exact, then logarithmic up to max_distance, the last bucket beyond.
 * The logarithm is done in float32 steps as torch does, so boundary distances land in the same bucket.
 */
export function relativePositionBucket(relative: number, numBuckets = 32, maxDistance = 128): number {
  const half = Math.floor(numBuckets / 2);
  let n = -relative;
  let bucket = n < 0 ? half : 0;
  n = Math.abs(n);
  const maxExact = Math.floor(half / 2);
  if (n < maxExact) return bucket + n;
  const f = Math.fround;
  const ratio = f(f(Math.log(f(n / maxExact))) / f(Math.log(maxDistance / maxExact)));
  const large = maxExact + Math.trunc(f(ratio * (half - maxExact)));
  bucket += Math.min(large, half - 1);
  return bucket;
}

/** transformers' MPNet computes buckets with its defaults, whatever relative_attention_num_buckets says. */
export const MPNET_BUCKETS = 32;
const MPNET_MAX_DISTANCE = 128;

/**
 * MPNet's position bias [1, heads, S, S]: relative_attention_bias rows picked by the bucket of each
 * (query, key) distance, computed once and added to every layer's scores. Buckets are a constant table
 * over the distances the position table allows, gathered by (key - query) at run time.
 */
export function relativePositionBias(ctx: GraphContext, key: string): string {
  const { g, shape } = ctx;
  const M = shape.maxPositions;
  const buckets = Array.from({ length: 2 * M - 1 }, (_, i) => relativePositionBucket(i - (M - 1), MPNET_BUCKETS, MPNET_MAX_DISTANCE));
  const table = g.int64Tensor([buckets.length], buckets);
  const seqLen = g.node('Gather', [g.node('Shape', ['input_ids'], '/encoder/relative/Shape'), g.int64Tensor([], [1])], '/encoder/relative/Gather_len', [{ name: 'axis', i: 0 }]);
  const range = g.node('Range', [g.int64Tensor([], [0]), seqLen, g.int64Tensor([], [1])], '/encoder/relative/Range');
  const keys = g.node('Unsqueeze', [range, g.int64Tensor([1], [0])], '/encoder/relative/Unsqueeze_keys');
  const queries = g.node('Unsqueeze', [range, g.int64Tensor([1], [1])], '/encoder/relative/Unsqueeze_queries');
  const relative = g.node('Sub', [keys, queries], '/encoder/relative/Sub');
  const index = g.node('Add', [relative, g.int64Tensor([], [M - 1])], '/encoder/relative/Add');
  const bucket = g.node('Gather', [table, index], '/encoder/relative/Gather_bucket');
  const weight = ctx.weight(key, [shape.relativeBuckets, shape.heads]);
  const values = g.node('Gather', [weight, bucket], '/encoder/relative_attention_bias/Gather');
  const perHead = g.node('Transpose', [values], '/encoder/relative/Transpose', [{ name: 'perm', ints: [2, 0, 1] }]);
  return g.node('Unsqueeze', [perHead, g.int64Tensor([1], [0])], '/encoder/relative/Unsqueeze');
}
