import { FinetuneError } from '../errors.js';
import { TrainingMemory } from './training-memory.js';

/*
 * The element-wise passes around the optimizer step, each with two paths: the WebAssembly kernel when the
 * arrays are views of one TrainingMemory, a JS loop otherwise (arrays of any origin keep working).
 */

/** The memory holding every one of `arrays`, or null (then the JS loops run). */
function sharedMemory(first: Float32Array, ...rest: Float32Array[]): TrainingMemory | null {
  const memory = TrainingMemory.of(first);
  return memory && rest.every((a) => memory.owns(a)) ? memory : null;
}

/** Σ g², in float64. */
export function sumOfSquares(g: Float32Array): number {
  const memory = sharedMemory(g);
  return memory ? memory.kernels.sumsq(g.byteOffset, g.length) : sumOfSquaresJs(g);
}

/** g ← g·c with c rounded to float32 first, as torch multiplies a float32 gradient by a float32 coefficient. */
export function scaleInPlace(g: Float32Array, c: number): void {
  const memory = sharedMemory(g);
  if (memory) {
    memory.kernels.scale(g.byteOffset, g.length, c);
    return;
  }
  const c32 = Math.fround(c);
  // A float32 times a float32 is exact in float64, so storing the product rounds it exactly as float32 math.
  for (let i = 0; i < g.length; i++) g[i] = g[i]! * c32;
}

/** dst ← dst + w·src (gradient accumulation: dst the sums, src one micro-batch's gradients). */
export function addScaled(dst: Float32Array, src: Float32Array, w: number): void {
  if (dst.length !== src.length) throw new FinetuneError('E_SHAPE', `addScaled: ${src.length} values added into ${dst.length}`);
  const memory = sharedMemory(dst, src);
  if (memory) {
    memory.kernels.axpy(dst.byteOffset, src.byteOffset, src.length, w);
    return;
  }
  for (let i = 0; i < src.length; i++) dst[i]! += src[i]! * w;
}

/**
 * Four independent float64 accumulators: one accumulator is a chain of dependent adds (latency bound, ~4x
 * slower on 66M values); float64 keeps the result exact enough in any order.
 */
function sumOfSquaresJs(g: Float32Array): number {
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
