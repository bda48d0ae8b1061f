import { describe, expect, it } from 'vitest';
import { randomFloats, runGraph } from '../testing/run-graph.js';
import { dropout } from './dropout.js';

// Dropout is linear given its mask: the backward must apply exactly the forward's mask and scale.
describe('dropout rule', () => {
  const x = randomFloats(4000, 21).map((v) => v + 2); // nonzero, so y/x recovers the mask
  const dy = randomFloats(4000, 22);
  const run = (rate: number) =>
    runGraph(
      [
        { name: 'x', data: x, dims: [40, 100] },
        { name: 'dy', data: dy, dims: [40, 100] },
        { name: 'rate', data: Float32Array.of(rate), dims: [] },
      ],
      (g) => {
        const r = dropout(g, 'x', 'rate', 7);
        return { y: { tensor: r.y, rank: 2 }, dx: { tensor: r.back('dy'), rank: 2 } };
      },
    );

  it('rate 0 is the identity, forward and backward', async () => {
    const out = await run(0);
    expect(out.y).toEqual(x);
    expect(out.dx).toEqual(dy);
  });

  it('rate 0.25: about 25% dropped, the rest scaled by 4/3, the same mask backward', async () => {
    const out = await run(0.25);
    let dropped = 0;
    for (let i = 0; i < x.length; i++) {
      const m = out.y![i]! / x[i]!;
      if (m === 0) dropped++;
      else expect(m).toBeCloseTo(4 / 3, 5);
      expect(out.dx![i]).toBeCloseTo(dy[i]! * m, 6);
    }
    expect(dropped / x.length).toBeGreaterThan(0.22);
    expect(dropped / x.length).toBeLessThan(0.28);
  });
});
