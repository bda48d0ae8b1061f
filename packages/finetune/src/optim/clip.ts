/** Global L2 norm over every gradient (accumulated in float64). */
export function globalNorm(grads: Iterable<Float32Array>): number {
  let sum = 0;
  for (const g of grads) sum += sumOfSquares(g);
  return Math.sqrt(sum);
}

/**
 * Σ g² with four independent float64 accumulators: one accumulator is a chain of dependent adds (latency
 * bound, ~4x slower on 66M values); float64 keeps the result exact enough in any order.
 */
function sumOfSquares(g: Float32Array): number {
  const n = g.length;
  const n4 = n - (n % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n4; i += 4) {
    const a = g[i]!;
    const b = g[i + 1]!;
    const c = g[i + 2]!;
    const d = g[i + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (let i = n4; i < n; i++) s0 += g[i]! * g[i]!;
  return s0 + s1 + s2 + s3;
}

function scale(g: Float32Array, coef: number): void {
  const n = g.length;
  for (let i = 0; i < n; i++) g[i] = g[i]! * coef;
}

/**
 * torch.nn.utils.clip_grad_norm_: scales every gradient by maxNorm / (norm + 1e-6) when that is below 1.
 * Returns the norm before clipping (what the Trainer logs as grad_norm).
 */
export function clipGradNorm(grads: Iterable<Float32Array>, maxNorm: number): number {
  const list = [...grads];
  const norm = globalNorm(list);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (const g of list) scale(g, coef);
  return norm;
}
