import { FinetuneError } from '../errors.js';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay for parameters that decay (default 0.01, as the Trainer's optimizer). */
  weightDecay?: number;
  /** Which parameters decay; default: all but biases and LayerNorm weights (the Trainer's rule). */
  decays?: (name: string) => boolean;
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
 * tensor, state in float32 as PyTorch keeps it.
 */
export class AdamW {
  private readonly slots = new Map<string, Slot>();
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  /** Optimizer steps taken (PyTorch's `step` state). */
  steps = 0;

  constructor(parameters: ReadonlyMap<string, Float32Array>, options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    const wd = options.weightDecay ?? 0.01;
    const decays = options.decays ?? decaysByDefault;
    for (const [name, param] of parameters) {
      this.slots.set(name, { param, m: new Float32Array(param.length), v: new Float32Array(param.length), decay: decays(name) ? wd : 0 });
    }
  }

  /**
   * The first and second moments of every parameter this optimizer updates, by name: live views (a
   * checkpoint writes them; a resume copies saved moments into them, then sets `steps`).
   */
  moments(): Array<{ name: string; m: Float32Array; v: Float32Array }> {
    return [...this.slots].map(([name, s]) => ({ name, m: s.m, v: s.v }));
  }

  /** One update with learning rate `lr` from `grads` (same names and sizes as the parameters). */
  step(grads: ReadonlyMap<string, Float32Array>, lr: number): void {
    // Every gradient is checked before any parameter moves, so a bad map leaves the model untouched.
    for (const [name, slot] of this.slots) {
      const g = grads.get(name);
      if (!g || g.length !== slot.param.length) throw new FinetuneError('E_SHAPE', `AdamW: gradient for ${name} is ${g ? `${g.length} values, expected ${slot.param.length}` : 'missing'}`);
    }
    this.steps++;
    const stepSize = lr / (1 - this.beta1 ** this.steps);
    const invCorrection2 = 1 / Math.sqrt(1 - this.beta2 ** this.steps);
    for (const [name, slot] of this.slots) {
      adamwUpdate(slot.param, grads.get(name)!, slot.m, slot.v, this.beta1, this.beta2, this.eps, 1 - lr * slot.decay, stepSize, invCorrection2);
    }
  }
}

/**
 * One fused pass per tensor (the update is memory-bound: 4 arrays read, 3 written). A separate small
 * function so V8 compiles one monomorphic loop for every tensor.
 */
function adamwUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, b1: number, b2: number, eps: number, keep: number, stepSize: number, invCorrection2: number): void {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = b1 * m[i]! + c1 * gi;
    const vi = b2 * v[i]! + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! * keep - (stepSize * mi) / (Math.sqrt(vi) * invCorrection2 + eps);
  }
}
