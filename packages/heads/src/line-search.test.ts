// The Moré–Thuente line search against MINPACK-2's Fortran dcsrch as compiled into scipy
// (scripts/dcsrch-reference.py wrote the trial steps): the same steps, in the same number, with the same
// outcome, on the three test functions of Moré & Thuente (1994), from four starting steps each, with the
// paper's gtol 0.1 and with L-BFGS-B's 0.9.
import { describe, expect, it } from 'vitest';
import fixture from './fixtures/dcsrch-reference.json' with { type: 'json' };
import { MoreThuente } from './line-search.js';

type Fn = (a: number) => [number, number];
const functions: Record<string, Fn> = {
  f1: (a) => [-a / (a * a + 2), (a * a - 2) / (a * a + 2) ** 2],
  f2: (a) => {
    const b = a + 0.004;
    return [b ** 5 - 2 * b ** 4, 5 * b ** 4 - 8 * b ** 3];
  },
  f3: (a) => {
    const b = 0.01;
    const l = 39;
    const [p, d] = a <= 1 - b ? [1 - a, -1] : a >= 1 + b ? [a - 1, 1] : [(a - 1) ** 2 / (2 * b) + b / 2, (a - 1) / b];
    return [p + ((2 * (1 - b)) / (l * Math.PI)) * Math.sin(((l * Math.PI) / 2) * a), d + (1 - b) * Math.cos(((l * Math.PI) / 2) * a)];
  },
};

describe('MoreThuente (dcsrch)', () => {
  it('the reference holds 24 searches, some converging and some stopping on a warning', () => {
    expect(fixture.cases).toHaveLength(24);
    expect(fixture.cases.some((c) => c.task === 'CONVERGENCE')).toBe(true);
    expect(fixture.cases.some((c) => c.task === 'WARNING')).toBe(true);
    // The paper's Table 1: function (5.1) from step 1e-3 converges near 1.36 after 6 evaluations.
    const first = fixture.cases[0]!;
    expect([first.function, first.gtol, first.steps.length]).toEqual(['f1', 0.1, 6]);
  });

  it.each(fixture.cases.map((c) => [`${c.function} from ${c.steps[0]} gtol ${c.gtol}`, c] as const))('scipy dcsrch trial steps: %s', (_, c) => {
    const fn = functions[c.function]!;
    const [f0, g0] = fn(0);
    const search = new MoreThuente(f0, g0, c.steps[0]!, c.ftol, c.gtol, c.xtol, c.stpmin, c.stpmax);
    const steps: number[] = [];
    let task = 'fg';
    while (task === 'fg' && steps.length < 40) {
      steps.push(search.stp);
      const [f, g] = fn(search.stp);
      task = search.next(f, g);
    }
    expect(task).toBe(c.task.toLowerCase());
    expect(steps).toHaveLength(c.steps.length);
    steps.forEach((s, i) => expect(Math.abs(s - c.steps[i]!)).toBeLessThanOrEqual(1e-12 * Math.abs(c.steps[i]!)));
  });
});
