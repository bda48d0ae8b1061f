/** Largest |a[k] - b[k]|; Infinity when the lengths differ (never a silent partial comparison). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs((a[k] as number) - (b[k] as number)));
  return worst;
}

/**
 * Cosine similarity of each `dim`-wide row of a with the same row of b (e.g. int8 vs fp32 features):
 * the mean and the smallest. With dim = a.length, the cosine of the two whole arrays.
 */
export function rowCosines(a: ArrayLike<number>, b: ArrayLike<number>, dim: number): { mean: number; min: number } {
  const rows = a.length / dim;
  let sum = 0;
  let min = 1;
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = r * dim; k < (r + 1) * dim; k++) {
      dot += (a[k] as number) * (b[k] as number);
      na += (a[k] as number) ** 2;
      nb += (b[k] as number) ** 2;
    }
    const c = dot / Math.sqrt(na * nb);
    sum += c;
    min = Math.min(min, c);
  }
  return { mean: sum / rows, min };
}
