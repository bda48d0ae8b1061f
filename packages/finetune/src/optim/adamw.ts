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

  /** One update with learning rate `lr` from `grads` (same names and sizes as the parameters). */
  step(grads: ReadonlyMap<string, Float32Array>, lr: number): void {
    this.steps++;
    const { beta1: b1, beta2: b2, eps } = this;
    const stepSize = lr / (1 - b1 ** this.steps);
    const correction2 = Math.sqrt(1 - b2 ** this.steps);
    for (const [name, slot] of this.slots) {
      const g = grads.get(name);
      if (!g || g.length !== slot.param.length) throw new FinetuneError('E_SHAPE', `AdamW: gradient for ${name} is ${g ? `${g.length} values, expected ${slot.param.length}` : 'missing'}`);
      const { param: p, m, v } = slot;
      const keep = 1 - lr * slot.decay;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]!;
        const mi = (m[i] = b1 * m[i]! + (1 - b1) * gi);
        const vi = (v[i] = b2 * v[i]! + (1 - b2) * gi * gi);
        p[i] = p[i]! * keep - (stepSize * mi) / (Math.sqrt(vi) / correction2 + eps);
      }
    }
  }
}
