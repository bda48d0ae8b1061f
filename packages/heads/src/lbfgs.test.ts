// The L-BFGS minimiser on textbook functions with known minima.
import { describe, expect, it } from 'vitest';
import { minimize } from './index.js';

describe('minimize', () => {
  it('finds the Rosenbrock minimum (1, 1) from the classic start', () => {
    const r = minimize(
      (x, g) => {
        const [a, b] = [x[0]!, x[1]!];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      Float64Array.from([-1.2, 1]),
      { gtol: 1e-8, maxIter: 500, ftol: 0 },
    );
    expect(r.converged).toBe(true);
    expect(r.reason).toBe('gtol');
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
  });

  it('solves an ill-conditioned quadratic exactly and reports max_iter when cut short', () => {
    const scales = Float64Array.from({ length: 50 }, (_, i) => 10 ** ((i / 49) * 4));
    const f = (x: Float64Array, g: Float64Array) => {
      let v = 0;
      for (let i = 0; i < x.length; i++) {
        const d = x[i]! - i;
        v += 0.5 * scales[i]! * d * d;
        g[i] = scales[i]! * d;
      }
      return v;
    };
    const r = minimize(f, new Float64Array(50), { gtol: 1e-6, maxIter: 2000, ftol: 0 });
    expect(r.converged).toBe(true);
    r.x.forEach((v, i) => expect(v).toBeCloseTo(i, 5));
    const short = minimize(f, new Float64Array(50), { gtol: 1e-12, maxIter: 3, ftol: 0 });
    expect(short.converged).toBe(false);
    expect(short.reason).toBe('max_iter');
    expect(short.iterations).toBe(3);
  });
});
