// The WebAssembly kernels against float32 arithmetic written out in JS (bit for bit) and the AdamW kernel
// path against the JS path on odd lengths; the committed module against a fresh compile of its .wat source.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { compileKernels } from '../../scripts/build-wasm.mjs';
import { AdamW } from './adamw.js';
import { clipCoefficient, clipGradNorm, globalNorm } from './clip.js';
import { OPTIM_WASM } from './optim-wasm.js';
import { TrainingMemory } from './training-memory.js';

const f = Math.fround;
const LENGTHS = [1, 2, 3, 4, 5, 7, 8, 9, 13, 1027];

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
}

/** A memory holding `count` arrays of `n` values each, filled by `fill`. */
function arrays(n: number, count: number, fill: (k: number) => number): { memory: TrainingMemory; views: Float32Array[] } {
  const memory = TrainingMemory.create(TrainingMemory.bytesFor(Array.from({ length: count }, () => n)));
  const views = Array.from({ length: count }, (_, k) => Float32Array.from({ length: n }, () => fill(k)));
  return { memory, views: views.map((v) => memory.copyOf(v)) };
}

describe('optimizer WebAssembly kernels', () => {
  it('the committed module is the compiled src/optim/wasm/optim.wat', async () => {
    const bytes = (await compileKernels()) as Buffer;
    expect(bytes.toString('base64')).toBe(OPTIM_WASM);
  });

  it('adamw is torch.optim.AdamW in float32, bit for bit, for every tail length', () => {
    const rand = random(3);
    for (const n of LENGTHS) {
      // p, g, m, v; v must stay >= 0.
      const { memory, views } = arrays(n, 4, (k) => (k === 3 ? Math.abs(rand()) * 1e-3 : rand()));
      const [p, g, m, v] = views as [Float32Array, Float32Array, Float32Array, Float32Array];
      const [ep, em, ev] = [p.slice(), m.slice(), v.slice()];
      const [b1, b2, eps, keep, stepSize, ic2, gs] = [0.9, 0.999, 1e-8, 1 - 1e-3 * 0.01, 1e-3 / (1 - 0.9 ** 3), 1 / Math.sqrt(1 - 0.999 ** 3), 0.37];
      for (let i = 0; i < n; i++) {
        const gi = f(g[i]! * f(gs));
        const mi = f(f(f(b1) * em[i]!) + f(f(1 - b1) * gi));
        const vi = f(f(f(b2) * ev[i]!) + f(f(f(1 - b2) * gi) * gi));
        em[i] = mi;
        ev[i] = vi;
        ep[i] = f(f(ep[i]! * f(keep)) - f(f(stepSize) * f(mi / f(f(f(Math.sqrt(vi)) * f(ic2)) + f(eps)))));
      }
      memory.kernels.adamw(p.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, n, b1, b2, eps, keep, stepSize, ic2, gs);
      expect([...m], `m, n=${n}`).toEqual([...em]);
      expect([...v], `v, n=${n}`).toEqual([...ev]);
      expect([...p], `p, n=${n}`).toEqual([...ep]);
    }
  });

  it('sumsq equals a plain float64 sum; axpy and scale are float32 arithmetic, bit for bit', () => {
    const rand = random(11);
    for (const n of [0, ...LENGTHS, 15, 16, 17, 4099]) {
      const { memory, views } = arrays(n, 2, () => rand() * 3);
      const [x, y] = views as [Float32Array, Float32Array];
      const reference = [...x].reduce((s, a) => s + a * a, 0);
      // Another summation order: equal to float64 rounding.
      expect(Math.abs(memory.kernels.sumsq(x.byteOffset, n) - reference), `n=${n}`).toBeLessThanOrEqual(1e-14 * reference);
      const w = 0.3;
      const expected = Float32Array.from(y, (d, i) => f(d + f(f(w) * x[i]!)));
      memory.kernels.axpy(y.byteOffset, x.byteOffset, n, w);
      expect([...y], `axpy n=${n}`).toEqual([...expected]);
      const scaled = Float32Array.from(x, (a) => f(a * f(0.7)));
      memory.kernels.scale(x.byteOffset, n, 0.7);
      expect([...x], `scale n=${n}`).toEqual([...scaled]);
    }
    // A large value in the scalar tail (8k + 7) counts.
    const { memory, views } = arrays(15, 1, () => 0);
    views[0]![14] = 1e3;
    expect(memory.kernels.sumsq(views[0]!.byteOffset, 15)).toBe(1e6);
  });
});

/** Two optimizers over the same initial values and gradient stream: one in a TrainingMemory, one on plain arrays. */
function twins(seed: number) {
  const rand = random(seed);
  // Odd lengths, decaying (weight) and non-decaying (bias, LayerNorm) tensors.
  const names = LENGTHS.map((n, i) => [i % 3 === 0 ? `layer${i}.bias` : i % 3 === 1 ? `layer${i}.LayerNorm.weight` : `layer${i}.weight`, n] as const);
  const initial: ReadonlyMap<string, Float32Array> = new Map(names.map(([name, n]) => [name, Float32Array.from({ length: n }, rand)]));
  const placed = TrainingMemory.forTraining({ parameters: initial });
  const plain = new Map([...initial].map(([name, p]) => [name, p.slice()]));
  const fast = new AdamW(placed.parameters, { memory: placed.memory });
  const slow = new AdamW(plain);
  const nextGradients = () => {
    const gradients = new Map([...initial].map(([name, p]) => [name, Float32Array.from({ length: p.length }, () => rand() * 2)]));
    for (const [name, g] of gradients) placed.gradients.get(name)!.set(g);
    return gradients;
  };
  return { initial, placed, plain, fast, slow, nextGradients };
}

describe('AdamW in a TrainingMemory', () => {
  it('the kernel path equals the JS path within float32 rounding over several steps, with and without gradScale', () => {
    const { initial, placed, plain, fast, slow, nextGradients } = twins(5);
    for (let step = 0; step < 6; step++) {
      const g = nextGradients();
      const gradScale = step % 2 ? 0.37 : 1;
      fast.step(placed.gradients, 1e-2, { gradScale });
      slow.step(g, 1e-2, { gradScale });
      expect(fast.lastStep).toEqual({ kernel: LENGTHS.length, js: 0 });
      expect(slow.lastStep).toEqual({ kernel: 0, js: LENGTHS.length });
    }
    const moments = new Map(slow.moments().map((s) => [s.name, s]));
    for (const { name, m, v } of fast.moments()) {
      expect(placed.memory!.owns(m) && placed.memory!.owns(v), name).toBe(true);
      for (let i = 0; i < m.length; i++) {
        expect(Math.abs(m[i]! - moments.get(name)!.m[i]!), `${name} m[${i}]`).toBeLessThan(1e-6);
        expect(Math.abs(v[i]! - moments.get(name)!.v[i]!), `${name} v[${i}]`).toBeLessThan(1e-6);
      }
    }
    for (const [name, p] of placed.parameters) {
      const q = plain.get(name)!;
      // Each of 6 steps moves a weight (|w| <= 1.1) by ~lr = 1e-2; float32 and float64 arithmetic differ by a
      // few float32 ulps (2.4e-7 at 1): a wrong term in the update would differ by ~1e-3.
      for (let i = 0; i < p.length; i++) expect(Math.abs(p[i]! - q[i]!), `${name}[${i}]`).toBeLessThan(1e-6);
      expect(p.every((x, i) => x !== initial.get(name)![i]), `${name} moved`).toBe(true);
    }
  });

  it('folding the clip coefficient into the step equals clipping the gradients first, bit for bit, on both paths', () => {
    const a = twins(9);
    const b = twins(9);
    for (let step = 0; step < 3; step++) {
      const ga = a.nextGradients();
      const gb = b.nextGradients();
      // a: clip_grad_norm_ in place, then the step; b: the norm, then the step with gradScale.
      const normA = clipGradNorm(a.placed.gradients.values(), 0.5);
      clipGradNorm(ga.values(), 0.5);
      a.fast.step(a.placed.gradients, 1e-2);
      a.slow.step(ga, 1e-2);
      const normB = globalNorm(b.placed.gradients.values());
      expect(normB).toBe(normA);
      expect(clipCoefficient(normB, 0.5)).toBeLessThan(1); // the clipping is exercised
      b.fast.step(b.placed.gradients, 1e-2, { gradScale: clipCoefficient(normB, 0.5) });
      b.slow.step(gb, 1e-2, { gradScale: clipCoefficient(globalNorm(gb.values()), 0.5) });
    }
    for (const [name, p] of a.placed.parameters) expect([...b.placed.parameters.get(name)!], name).toEqual([...p]);
    for (const [name, p] of a.plain) expect([...b.plain.get(name)!], name).toEqual([...p]);
  });

  it('the norm of arrays in a memory (SIMD) equals the norm of the same values in plain arrays', () => {
    const { placed, nextGradients } = twins(13);
    const g = nextGradients();
    expect(globalNorm(placed.gradients.values())).toBeCloseTo(globalNorm(g.values()), 12);
  });
});
