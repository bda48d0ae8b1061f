/** A batch of rows of similar length: which rows, and the length they are padded to. */
export interface PlannedBatch {
  rows: number[];
  length: number;
}

/**
 * What one extra batch costs, in padded-token equivalents: onnxruntime's per-run overhead and the
 * lower GEMM efficiency of a smaller batch. Measured on DistilBERT-base, small batches (256 tokens) run
 * nearly as efficiently as large ones, so this is small; it keeps the plan from splitting for one token.
 */
const BATCH_OVERHEAD_TOKENS = 48;

/**
 * Sorts rows by length (longest first) and cuts the sorted list into batches that minimise padded
 * tokens plus a per-batch overhead, with rows x padded length within `budget` (and at most `maxRows`
 * rows): an exact dynamic programme over the cut points, linear in rows x the largest batch. The longest
 * batch comes first, so peak memory shows up at once.
 */
export function planBatches(lengths: ArrayLike<number>, budget: number, maxRows = Number.POSITIVE_INFINITY): PlannedBatch[] {
  const n = lengths.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => (lengths[b] as number) - (lengths[a] as number) || a - b);
  const sorted = Float64Array.from(order, (r) => lengths[r] as number);
  // best[i]: the least cost of batching sorted[i..n); cut[i]: where the first batch of that plan ends.
  const best = new Float64Array(n + 1);
  const cut = new Int32Array(n + 1);
  for (let i = n - 1; i >= 0; i--) {
    const length = Math.max(sorted[i] as number, 1);
    const most = Math.min(n - i, Math.max(1, Math.floor(budget / length)), maxRows);
    let bestCost = Number.POSITIVE_INFINITY;
    let bestEnd = i + 1;
    for (let size = 1; size <= most; size++) {
      const cost = size * length + BATCH_OVERHEAD_TOKENS + (best[i + size] as number);
      if (cost < bestCost) {
        bestCost = cost;
        bestEnd = i + size;
      }
    }
    best[i] = bestCost;
    cut[i] = bestEnd;
  }
  const batches: PlannedBatch[] = [];
  for (let i = 0; i < n; i = cut[i] as number) {
    batches.push({ rows: order.slice(i, cut[i] as number), length: sorted[i] as number });
  }
  return batches;
}

/** Padded tokens over all tokens a plan runs: the compute spent on padding. */
export function paddingFraction(lengths: ArrayLike<number>, batches: readonly PlannedBatch[]): number {
  let real = 0;
  let padded = 0;
  for (const b of batches) {
    padded += b.rows.length * b.length;
    for (const r of b.rows) real += lengths[r] as number;
  }
  return padded === 0 ? 0 : (padded - real) / padded;
}
