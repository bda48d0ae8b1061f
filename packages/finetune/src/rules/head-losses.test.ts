import { describe, expect, it } from 'vitest';
import { bceRef, mseRef, spanLossRef } from '../testing/reference-losses.js';
import { numericGradient, randomFloats, relativeError, runGraph } from '../testing/run-graph.js';
import { bceWithLogits } from './bce.js';
import { meanSquaredError } from './mse.js';
import { spanLoss } from './span-loss.js';

// The head losses against float64 references written from their definitions (testing/reference-losses)
// and central differences of those references.
const TOL = 1e-4;

describe('head loss rules vs finite differences', () => {
  it('BCE with logits: mean over every entry, large logits stay finite', async () => {
    const [rows, classes] = [4, 3];
    const z = randomFloats(rows * classes, 31, 4);
    z[0] = 40; // log σ(40) underflows in the naive form; the rule must not
    const y = Float32Array.from(randomFloats(rows * classes, 32), (v) => (v > 0 ? 1 : 0));
    y[0] = 1;
    const out = await runGraph(
      [
        { name: 'z', data: z, dims: [rows, classes] },
        { name: 'y', data: y, dims: [rows, classes] },
      ],
      (g) => {
        const r = bceWithLogits(g, 'z', 'y');
        return { loss: { tensor: r.loss, rank: 0 }, dz: { tensor: r.dlogits, rank: 2 } };
      },
    );
    expect(Math.abs(out.loss![0]! - bceRef(z, y)) / bceRef(z, y)).toBeLessThan(1e-6);
    expect(relativeError(out.dz!, numericGradient((v) => bceRef(v, y), z))).toBeLessThan(TOL);
  });

  it('BCE with soft (fractional) targets', async () => {
    const z = randomFloats(10, 33, 3);
    const y = Float32Array.from(randomFloats(10, 34), (v) => (v + 1) / 2);
    const out = await runGraph(
      [
        { name: 'z', data: z, dims: [5, 2] },
        { name: 'y', data: y, dims: [5, 2] },
      ],
      (g) => {
        const r = bceWithLogits(g, 'z', 'y');
        return { loss: { tensor: r.loss, rank: 0 }, dz: { tensor: r.dlogits, rank: 2 } };
      },
    );
    expect(out.loss![0]).toBeCloseTo(bceRef(z, y), 6);
    expect(relativeError(out.dz!, numericGradient((v) => bceRef(v, y), z))).toBeLessThan(TOL);
  });

  for (const [label, dims, targetDims] of [
    ['MSE, one target per row ([B, 1] predictions, [B] targets)', [6, 1], [6]],
    ['MSE, several targets per row (elementwise mean)', [4, 3], [4, 3]],
  ] as const) {
    it(label, async () => {
      const n = dims[0] * dims[1];
      const z = randomFloats(n, 35, 2);
      const y = randomFloats(n, 36, 2);
      const out = await runGraph(
        [
          { name: 'z', data: z, dims: [...dims] },
          { name: 'y', data: y, dims: [...targetDims] },
        ],
        (g) => {
          const r = meanSquaredError(g, 'z', 'y');
          return { loss: { tensor: r.loss, rank: 0 }, dz: { tensor: r.dlogits, rank: 2 } };
        },
      );
      expect(out.loss![0]).toBeCloseTo(mseRef(z, y), 6);
      expect(relativeError(out.dz!, numericGradient((v) => mseRef(v, y), z))).toBeLessThan(TOL);
    });
  }

  it('QA span loss: clamped positions, T ignored, (start + end) / 2', async () => {
    const [bs, t] = [5, 4];
    const start = randomFloats(bs * t, 37, 3);
    const end = randomFloats(bs * t, 38, 3);
    // Row 1: start beyond the window (clamped to T = ignored); row 3: negative (clamped to 0); row 4: end = T.
    const starts = [2, 9, 0, -3, 1];
    const ends = [3, 9, 1, 2, 4];
    const out = await runGraph(
      [
        { name: 's', data: start, dims: [bs, t] },
        { name: 'e', data: end, dims: [bs, t] },
        { name: 'sp', data: BigInt64Array.from(starts, BigInt), dims: [bs] },
        { name: 'ep', data: BigInt64Array.from(ends, BigInt), dims: [bs] },
      ],
      (g) => {
        const r = spanLoss(g, 's', 'e', 'sp', 'ep');
        return { loss: { tensor: r.loss, rank: 0 }, ds: { tensor: r.dStart, rank: 2 }, de: { tensor: r.dEnd, rank: 2 } };
      },
    );
    const ref = spanLossRef(start, end, starts, ends, t);
    expect(out.loss![0]).toBeCloseTo(ref, 6);
    expect(relativeError(out.ds!, numericGradient((v) => spanLossRef(v, end, starts, ends, t), start))).toBeLessThan(TOL);
    expect(relativeError(out.de!, numericGradient((v) => spanLossRef(start, v, starts, ends, t), end))).toBeLessThan(TOL);
    // The ignored rows get no gradient.
    expect([...out.ds!.slice(t, 2 * t)].every((v) => v === 0)).toBe(true);
    expect([...out.de!.slice(4 * t, 5 * t)].every((v) => v === 0)).toBe(true);
  });
});
