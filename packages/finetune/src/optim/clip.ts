import { scaleInPlace, sumOfSquares } from './vector-ops.js';

/** Global L2 norm over every gradient (accumulated in float64; SIMD for arrays in a TrainingMemory). */
export function globalNorm(grads: Iterable<Float32Array>): number {
  let sum = 0;
  for (const g of grads) sum += sumOfSquares(g);
  return Math.sqrt(sum);
}

/**
 * torch.nn.utils.clip_grad_norm_'s factor for a global `norm`: maxNorm / (norm + 1e-6) when that is below 1,
 * else 1 (no clipping; also for a NaN norm). Pass it to AdamW.step as `gradScale` to clip inside the update
 * instead of in a pass of its own: the gradient is multiplied by it in float32 as clip_grad_norm_ does, so
 * the step is the same. (The Trainer's max_grad_norm 0 means no clipping at all: the caller's test.)
 */
export function clipCoefficient(norm: number, maxNorm: number): number {
  const coef = maxNorm / (norm + 1e-6);
  return coef < 1 ? coef : 1;
}

/**
 * torch.nn.utils.clip_grad_norm_: scales every gradient by maxNorm / (norm + 1e-6) when that is below 1.
 * Returns the norm before clipping (what the Trainer logs as grad_norm).
 */
export function clipGradNorm(grads: Iterable<Float32Array>, maxNorm: number): number {
  const list = [...grads];
  const norm = globalNorm(list);
  const coef = clipCoefficient(norm, maxNorm);
  if (coef < 1) for (const g of list) scaleInPlace(g, coef);
  return norm;
}
