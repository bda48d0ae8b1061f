// LogisticRegression against scikit-learn 1.2.1 on realistic [CLS]-like features: 768 correlated
// dimensions with a large offset, thousands of rows, fits stopped at max_iter as well as converged ones.
// scripts/sklearn-realistic.py wrote the expected results; both sides regenerate the same features from
// a seed (src/synthetic-features.ts is bit-identical to scripts/synthetic_features.py, checked by hash).
import { describe, expect, it } from 'vitest';
import fixture from './fixtures/sklearn-realistic.json' with { type: 'json' };
import { compareWithSklearn, type SklearnCase } from './sklearn-compare.js';

const cases = fixture.cases as unknown as (SklearnCase & { self_noise: number; self_disagreements: number })[];

/** Largest share of rows scikit-learn gives one class: what a constant predictor would agree on. */
const constantShare = (c: SklearnCase) => {
  const counts = new Map<string, number>();
  for (const p of c.predictions) counts.set(p, (counts.get(p) ?? 0) + 1);
  return Math.max(...counts.values()) / c.predictions.length;
};

describe('scikit-learn LogisticRegression(solver="lbfgs") on realistic 768-d features', () => {
  it('the fixture set covers what it claims (scikit-learn 1.2.1 cases)', () => {
    expect(fixture.sklearn).toBe('1.2.1');
    expect(cases.length).toBeGreaterThanOrEqual(9);
    const stopped = cases.filter((c) => c.n_iter === (c.fit.max_iter ?? 100));
    const converged = cases.filter((c) => c.n_iter < (c.fit.max_iter ?? 100));
    expect(stopped.length).toBeGreaterThanOrEqual(5);
    expect(converged.length).toBeGreaterThanOrEqual(2);
    expect(cases.some((c) => c.data.sample_weight)).toBe(true);
    expect(cases.some((c) => c.fit.class_weight === 'balanced')).toBe(true);
    expect(cases.some((c) => typeof c.fit.class_weight === 'object' && c.fit.class_weight !== null)).toBe(true);
    expect(cases.some((c) => (c.data.classes ?? 2) >= 4)).toBe(true);
    expect(cases.some((c) => c.data.duplicates)).toBe(true);
    expect(cases.every((c) => c.data.cols === 768 && c.data.rows >= 2000)).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('scikit-learn parity: %s', (_, c) => {
    const r = compareWithSklearn(c);
    console.log(`${c.name}: ${r.disagreements}/${r.rows} predictions differ, coef rel ${r.coefRelative.toExponential(2)} (scikit-learn vs itself ${c.self_noise.toExponential(2)}), n_iter ${r.iterations}/${r.sklearnIterations}, ${r.seconds.toFixed(2)} s`);
    expect(r.featuresMatch).toBe(true);
    expect(r.iterations).toBe(c.n_iter);
    // A constant predictor would agree on constantShare rows; scikit-learn's predictions are far from constant.
    expect(constantShare(c)).toBeLessThan(0.9);
    expect(r.agreement).toBeGreaterThanOrEqual(0.995);
    if (c.n_iter < (c.fit.max_iter ?? 100)) {
      // Converged: the same point up to the float32 the fixture stores the coefficients in.
      expect(r.coefRelative).toBeLessThan(1e-6);
      expect(Math.abs(r.objectiveRelative)).toBeLessThan(1e-12);
      expect(r.disagreements).toBe(0);
    } else {
      // Stopped at max_iter: the same iterate, up to rounding noise that L-BFGS amplifies on these
      // ill-conditioned problems; scikit-learn on row-permuted data (self_noise) shows how much.
      expect(r.coefRelative).toBeLessThan(Math.max(1e-3, 5 * c.self_noise));
      expect(Math.abs(r.objectiveRelative)).toBeLessThan(Math.max(1e-5, 5 * c.self_noise));
      expect(r.disagreements).toBeLessThanOrEqual(Math.max(2, 3 * c.self_disagreements));
    }
  });
});
