// minimize against scipy's L-BFGS-B itself (scripts/lbfgsb-reference.py): the same objective value at
// every evaluation, the same nit / nfev / status and the same point, on the extended Rosenbrock function
// and an ill-conditioned quadratic, stopped by maxiter, by ftol and by gtol.
import { describe, expect, it } from 'vitest';
import fixture from './fixtures/lbfgsb-reference.json' with { type: 'json' };
import { minimize } from './lbfgs.js';

function rosenbrock(x: Float64Array, g: Float64Array): number {
  let f = 0;
  g.fill(0);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i]!;
    const b = x[i + 1]!;
    f += 100 * (b - a * a) ** 2 + (1 - a) ** 2;
    g[i] = g[i]! - 400 * a * (b - a * a) - 2 * (1 - a);
    g[i + 1] = g[i + 1]! + 200 * (b - a * a);
  }
  return f;
}

const scales = Float64Array.from({ length: 50 }, (_, i) => 10 ** ((i / 49) * 4));
function quadratic(x: Float64Array, g: Float64Array): number {
  let f = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - i;
    f += 0.5 * scales[i]! * d * d;
    g[i] = scales[i]! * d;
  }
  return f;
}

const objectives = { 'rosenbrock-2': rosenbrock, 'rosenbrock-10': rosenbrock, 'quadratic-50': quadratic } as const;

describe('minimize against scipy.optimize.minimize(method="L-BFGS-B")', () => {
  it('the reference covers maxiter, ftol and gtol stops', () => {
    expect(fixture.cases).toHaveLength(18);
    expect(fixture.cases.filter((c) => c.status === 1).length).toBeGreaterThan(0);
    expect(fixture.cases.filter((c) => c.status === 0 && c.ftol > 0).length).toBeGreaterThan(0);
    expect(fixture.cases.filter((c) => c.status === 0 && c.ftol === 0).length).toBeGreaterThan(0);
  });

  it.each(fixture.cases.map((c) => [`${c.name} maxiter ${c.maxiter} gtol ${c.gtol} ftol ${c.ftol}`, c] as const))('scipy L-BFGS-B: %s', (_, c) => {
    const fn = objectives[c.name as keyof typeof objectives];
    const fs: number[] = [];
    const r = minimize(
      (x, g) => {
        const f = fn(x, g);
        fs.push(f);
        return f;
      },
      Float64Array.from(c.x0),
      { maxIter: c.maxiter, gtol: c.gtol, ftol: c.ftol },
    );
    expect(r.converged ? 0 : 1).toBe(c.status);
    if (c.nfev <= 50) {
      // Short runs: the same trial points, so the objective agrees at every evaluation (the only
      // difference is the order of dot-product sums) and the counts are equal.
      expect([r.iterations, r.evaluations]).toEqual([c.nit, c.nfev]);
      expect(fs).toHaveLength(c.fs.length);
      fs.forEach((f, i) => expect(Math.abs(f - c.fs[i]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(c.fs[i]!))));
      c.x.forEach((v, i) => expect(Math.abs(r.x[i]! - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
    } else {
      // Long runs: rounding differences (1e-16) grow about 10x every 10 iterations on these problems, as
      // between any two builds of scipy, so after ~100 iterations the paths part; both still converge.
      const early = fs.slice(0, 20).map((f, i) => Math.abs(f - c.fs[i]!) / Math.max(1, Math.abs(c.fs[i]!)));
      expect(early).toHaveLength(20);
      expect(Math.max(...early)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(r.iterations - c.nit)).toBeLessThanOrEqual(0.1 * c.nit);
      c.x.forEach((v, i) => expect(Math.abs(r.x[i]! - v)).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(v))));
    }
  });
});
