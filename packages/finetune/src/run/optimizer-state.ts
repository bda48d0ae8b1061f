import type { AdamW } from '../optim/adamw.js';

interface Slot {
  param: Float32Array;
  m: Float32Array;
  v: Float32Array;
  decay: number;
}

/*
 * Why this reaches into AdamW's private slots: a checkpoint must hold the moments and the step count, and
 * optim/adamw.ts (owned elsewhere) has no state accessor yet. Replace with AdamW.state()/load() when it gets one.
 */
const slotsOf = (optimizer: AdamW): Map<string, Slot> => (optimizer as unknown as { slots: Map<string, Slot> }).slots;

/** The first and second moments of every parameter the optimizer updates, by parameter name. */
export function optimizerMoments(optimizer: AdamW): Array<{ name: string; m: Float32Array; v: Float32Array }> {
  return [...slotsOf(optimizer)].map(([name, s]) => ({ name, m: s.m, v: s.v }));
}

/** Restores moments (copied in place) and the step count; every slot must be present with its size. */
export function restoreOptimizer(optimizer: AdamW, moments: ReadonlyMap<string, { m: Float32Array; v: Float32Array }>, steps: number): string[] {
  const missing: string[] = [];
  for (const [name, slot] of slotsOf(optimizer)) {
    const saved = moments.get(name);
    if (!saved || saved.m.length !== slot.m.length || saved.v.length !== slot.v.length) {
      missing.push(name);
      continue;
    }
    slot.m.set(saved.m);
    slot.v.set(saved.v);
  }
  optimizer.steps = steps;
  return missing;
}
