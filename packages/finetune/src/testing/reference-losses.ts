/** Float64 losses written independently of the graph rules (oracles for finite differences). */

/** BCEWithLogits, mean over every entry, computed directly as −[y log σ(z) + (1 − y) log(1 − σ(z))]. */
export function bceRef(z: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) {
    const p = 1 / (1 + Math.exp(-z[i]!));
    // Skip a zero-weight term: 0 · log 0 would give NaN where the limit is 0.
    if (y[i]! !== 0) s -= y[i]! * Math.log(p);
    if (y[i]! !== 1) s -= (1 - y[i]!) * Math.log(1 - p);
  }
  return s / z.length;
}

export function mseRef(z: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += (z[i]! - y[i]!) ** 2;
  return s / z.length;
}

/** Cross-entropy of rows [rows, classes] at `target`, mean over rows whose target is not `ignore`. */
function rowCrossEntropy(logits: ArrayLike<number>, targets: readonly number[], classes: number, ignore: number): number {
  let total = 0;
  let count = 0;
  targets.forEach((y, r) => {
    if (y === ignore) return;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[r * classes + c]!);
    total += Math.log(sum) - logits[r * classes + y]!;
    count++;
  });
  return count === 0 ? 0 : total / count;
}

/** transformers' QA loss on start/end logits [B, T]: positions clamped to [0, T], T ignored, (CE + CE) / 2. */
export function spanLossRef(start: ArrayLike<number>, end: ArrayLike<number>, starts: readonly number[], ends: readonly number[], t: number): number {
  const clamp = (p: number) => Math.min(Math.max(p, 0), t);
  return (rowCrossEntropy(start, starts.map(clamp), t, t) + rowCrossEntropy(end, ends.map(clamp), t, t)) / 2;
}
