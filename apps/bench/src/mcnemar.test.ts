import { describe, expect, it } from 'vitest';
import { mcnemar } from './mcnemar.js';

describe('mcnemar', () => {
  it('counts the discordant pairs and gives the exact two-sided binomial p-value', () => {
    const truth = [1, 1, 1, 1, 1, 1, 0, 0];
    const first = [1, 1, 1, 1, 1, 0, 0, 0]; // right on 0-4, 6, 7
    const second = [0, 0, 0, 1, 1, 1, 0, 0]; // right on 3-7
    const r = mcnemar(first, second, truth);
    expect([r.firstOnly, r.secondOnly]).toEqual([3, 1]);
    // n = 4, k = 1: 2 x (C(4,0) + C(4,1)) / 16 = 10 / 16 (scipy.stats.binomtest(1, 4).pvalue = 0.625).
    expect(r.p).toBeCloseTo(0.625, 12);
  });

  it('is 1 with no discordant pairs, and small for a one-sided landslide', () => {
    expect(mcnemar([1, 0], [1, 0], [1, 1]).p).toBe(1);
    const n = 20;
    const truth = new Array(n).fill(1);
    // 20 discordant pairs all one way: 2 / 2^20.
    expect(mcnemar(truth, new Array(n).fill(0), truth).p).toBeCloseTo(2 / 2 ** 20, 15);
  });

  it('stays finite and symmetric for large counts (872 SST-2 dev sentences)', () => {
    const truth = new Array(872).fill(1);
    const a = truth.map((_, i) => (i < 500 ? 1 : 0));
    const b = truth.map((_, i) => (i >= 400 ? 1 : 0));
    const ab = mcnemar(a, b, truth);
    const ba = mcnemar(b, a, truth);
    expect([ab.firstOnly, ab.secondOnly]).toEqual([400, 372]);
    // scipy.stats.binomtest(372, 772).pvalue
    expect(ab.p).toBeCloseTo(0.3311773040531623, 9);
    expect(ab.p).toBeCloseTo(ba.p, 12);
  });
});
