/** A batch of rows of similar length: which rows, and the length they are padded to. */
export interface PlannedBatch {
  rows: number[];
  length: number;
}

/**
 * Sorts rows by length and cuts batches so that rows x padded length stays within `budget` tokens
 * (and at most `maxRows` rows): short sentences travel in large batches, long ones in small ones. A batch
 * of at least a quarter of the budget also ends where the next row is more than 10% shorter, so little
 * compute goes to padding. The longest batch comes first, so peak memory shows up at once.
 */
export function planBatches(lengths: ArrayLike<number>, budget: number, maxRows = Number.POSITIVE_INFINITY): PlannedBatch[] {
  const order = Array.from({ length: lengths.length }, (_, i) => i);
  order.sort((a, b) => (lengths[b] as number) - (lengths[a] as number) || a - b);
  const batches: PlannedBatch[] = [];
  let current: PlannedBatch | null = null;
  for (const row of order) {
    const length = lengths[row] as number;
    if (current !== null && (current.rows.length + 1) * current.length <= budget && current.rows.length < maxRows) {
      // A much shorter row starts a new batch once this one is big enough to keep the GEMMs efficient.
      const wasteful = current.length - length > current.length * 0.1;
      const bigEnough = current.rows.length * current.length >= budget / 4;
      if (!(wasteful && bigEnough)) {
        current.rows.push(row);
        continue;
      }
    }
    current = { rows: [row], length };
    batches.push(current);
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
