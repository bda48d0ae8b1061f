import type { AdamW } from '../optim/adamw.js';

/** The first and second moments of every parameter the optimizer updates, by parameter name. */
export function optimizerMoments(optimizer: AdamW): Array<{ name: string; m: Float32Array; v: Float32Array }> {
  return optimizer.moments();
}

/** Restores moments (copied in place) and the step count; returns the parameters whose moments are missing or misfit. */
export function restoreOptimizer(optimizer: AdamW, moments: ReadonlyMap<string, { m: Float32Array; v: Float32Array }>, steps: number): string[] {
  const missing: string[] = [];
  for (const slot of optimizer.moments()) {
    const saved = moments.get(slot.name);
    if (!saved || saved.m.length !== slot.m.length || saved.v.length !== slot.v.length) {
      missing.push(slot.name);
      continue;
    }
    slot.m.set(saved.m);
    slot.v.set(saved.v);
  }
  optimizer.steps = steps;
  return missing;
}
