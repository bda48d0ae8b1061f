/** Global L2 norm over every gradient (accumulated in float64). */
export function globalNorm(grads: Iterable<Float32Array>): number {
  let sum = 0;
  for (const g of grads) {
    for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  }
  return Math.sqrt(sum);
}

/**
 * torch.nn.utils.clip_grad_norm_: scales every gradient by maxNorm / (norm + 1e-6) when that is below 1.
 * Returns the norm before clipping (what the Trainer logs as grad_norm).
 */
export function clipGradNorm(grads: Iterable<Float32Array>, maxNorm: number): number {
  const list = [...grads];
  const norm = globalNorm(list);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const g of list) for (let i = 0; i < g.length; i++) g[i]! *= coef;
  }
  return norm;
}
