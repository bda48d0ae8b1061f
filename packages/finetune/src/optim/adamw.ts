import { FinetuneError } from '../errors.js';
import type { TrainingMemory } from './training-memory.js';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay for parameters that decay (default 0.01, as the Trainer's optimizer). */
  weightDecay?: number;
  /** Which parameters decay; default: all but biases and LayerNorm weights (the Trainer's rule). */
  decays?: (name: string) => boolean;
  /**
   * The moments of every parameter that lives in this memory are allocated there, and those tensors are
   * updated by its SIMD kernel when their gradient lives there too (see TrainingMemory.forTraining). Null or
   * absent: plain arrays.
   */
  memory?: TrainingMemory | null;
}

export interface AdamWStepOptions {
  /**
   * Every gradient is multiplied by this (in float32) before the update: clipping folded into the step
   * (clipCoefficient). Default 1.
   */
  gradScale?: number;
}

/** How many tensors the last step updated with the WebAssembly kernel and with the JS loop. */
export interface StepPaths {
  kernel: number;
  js: number;
}

/** The Trainer's split: no decay for biases and normalization weights. */
export function decaysByDefault(name: string): boolean {
  const lower = name.toLowerCase();
  return !(lower.includes('bias') || lower.includes('layernorm') || lower.includes('layer_norm') || lower.includes('rmsnorm'));
}

interface Slot {
  param: Float32Array;
  m: Float32Array;
  v: Float32Array;
  decay: number;
}

/**
 * torch.optim.AdamW (single-tensor path): p ← p(1 − lr·wd); m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²;
 * p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε). Dense over all rows (embeddings included), one pass per
 * tensor, state in float32 as PyTorch keeps it. Tensors whose parameter, gradient and moments all live
 * in the `memory` option's TrainingMemory are updated by its WebAssembly SIMD kernel (float32 arithmetic,
 * as torch), the others by a JS loop (float64 arithmetic on the float32 values).
 */
export class AdamW {
  private readonly slots = new Map<string, Slot>();
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly memory: TrainingMemory | null;
  /** Optimizer steps taken (PyTorch's `step` state). */
  steps = 0;
  /** Which path the last step took, tensor by tensor (a run can check the fast path is in use). */
  readonly lastStep: StepPaths = { kernel: 0, js: 0 };

  constructor(parameters: ReadonlyMap<string, Float32Array>, options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    const wd = options.weightDecay ?? 0.01;
    const decays = options.decays ?? decaysByDefault;
    this.memory = options.memory ?? null;
    const memory = this.memory;
    for (const [name, param] of parameters) {
      const moment = () => (memory?.owns(param) ? memory.alloc(param.length) : new Float32Array(param.length));
      this.slots.set(name, { param, m: moment(), v: moment(), decay: decays(name) ? wd : 0 });
    }
  }

  /**
   * The first and second moments of every parameter this optimizer updates, by name: live views (a
   * checkpoint writes them; a resume copies saved moments into them, then sets `steps`).
   */
  moments(): Array<{ name: string; m: Float32Array; v: Float32Array }> {
    return [...this.slots].map(([name, s]) => ({ name, m: s.m, v: s.v }));
  }

  /**
   * One update with learning rate `lr` from `grads` (same names and sizes as the parameters), each
   * gradient multiplied by `options.gradScale` first (the gradients themselves are left as they are).
   */
  step(grads: ReadonlyMap<string, Float32Array>, lr: number, options: AdamWStepOptions = {}): void {
    const gradScale = options.gradScale ?? 1;
    if (!Number.isFinite(gradScale)) throw new FinetuneError('E_INVALID_OPTION', `AdamW: gradScale must be a finite number, got ${gradScale}`);
    // Every gradient is checked before any parameter moves, so a bad map leaves the model untouched.
    for (const [name, slot] of this.slots) {
      const g = grads.get(name);
      if (!g || g.length !== slot.param.length) throw new FinetuneError('E_SHAPE', `AdamW: gradient for ${name} is ${g ? `${g.length} values, expected ${slot.param.length}` : 'missing'}`);
    }
    this.steps++;
    const stepSize = lr / (1 - this.beta1 ** this.steps);
    const invCorrection2 = 1 / Math.sqrt(1 - this.beta2 ** this.steps);
    const paths: StepPaths = { kernel: 0, js: 0 };
    const memory = this.memory;
    for (const [name, { param: p, m, v, decay }] of this.slots) {
      const g = grads.get(name)!;
      const keep = 1 - lr * decay;
      if (memory && memory.owns(p) && memory.owns(g) && memory.owns(m) && memory.owns(v)) {
        memory.kernels.adamw(p.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, p.length, this.beta1, this.beta2, this.eps, keep, stepSize, invCorrection2, gradScale);
        paths.kernel++;
      } else {
        adamwUpdate(p, g, m, v, this.beta1, this.beta2, this.eps, keep, stepSize, invCorrection2, Math.fround(gradScale));
        paths.js++;
      }
    }
    Object.assign(this.lastStep, paths);
  }
}

/**
 * One fused pass per tensor (the update is memory-bound: 4 arrays read, 3 written). A separate small
 * function so V8 compiles one monomorphic loop for every tensor. `gradScale` is a float32 value: the
 * product with a float32 gradient is exact in float64, fround rounds it as float32 math does (and
 * gradScale 1 leaves the gradient as it is).
 */
function adamwUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, b1: number, b2: number, eps: number, keep: number, stepSize: number, invCorrection2: number, gradScale: number): void {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = Math.fround(g[i]! * gradScale);
    const mi = b1 * m[i]! + c1 * gi;
    const vi = b2 * v[i]! + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! * keep - (stepSize * mi) / (Math.sqrt(vi) * invCorrection2 + eps);
  }
}
