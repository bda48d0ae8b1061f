// scikit-learn as a live oracle: python3 + scikit-learn fit freshly generated features (from seeds that no
// stored fixture uses) and this package must land on the same model. Skipped with a message when no
// python3 imports scikit-learn; in CI (process.env.CI set) a missing oracle is a failure, not a skip.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareWithSklearn, findSklearnPython, runSklearn, type SklearnCase } from './sklearn-compare.js';

const python = findSklearnPython();
const script = fileURLToPath(new URL('../scripts/sklearn-realistic.py', import.meta.url));

const live: Pick<SklearnCase, 'name' | 'data' | 'fit'>[] = [
  { name: 'binary 2000 x 768 C=1 (stopped at max_iter)', data: { seed: 101, rows: 2000, cols: 768 }, fit: { C: 1 } },
  { name: '4 classes, balanced class weights, sample weights', data: { seed: 102, rows: 1500, cols: 768, classes: 4, proportions: [3, 2, 2, 1], sample_weight: true }, fit: { C: 0.5, class_weight: 'balanced' } },
  { name: 'binary with collinear columns, converged', data: { seed: 103, rows: 1500, cols: 768, duplicates: true }, fit: { C: 1e-4 } },
];

describe('scikit-learn live oracle (python3 + scikit-learn on freshly generated features)', () => {
  if (!python) {
    if (process.env.CI) {
      it('scikit-learn oracle is available (required in CI)', () => {
        throw new Error('no python3 with scikit-learn found (tried $BERTKIT_PYTHON, python3, /usr/bin/python3); install python3-sklearn');
      });
    } else {
      console.warn('skipping the live scikit-learn comparisons: no python3 imports scikit-learn (set BERTKIT_PYTHON or apt install python3-sklearn)');
      it.skip('scikit-learn live comparisons (no python3 with scikit-learn)', () => {});
    }
    return;
  }

  it.each(live.map((c) => [c.name, c] as const))('scikit-learn live: %s', (_, c) => {
    const expected = runSklearn(python, script, c) as SklearnCase & { self_noise: number; self_disagreements: number };
    expect(expected.predictions.length).toBe(c.data.rows);
    const r = compareWithSklearn(expected);
    console.log(`live ${c.name}: ${r.disagreements}/${r.rows} differ, coef rel ${r.coefRelative.toExponential(2)} (scikit-learn vs itself ${expected.self_noise.toExponential(2)}), n_iter ${r.iterations}/${r.sklearnIterations}`);
    expect(r.featuresMatch).toBe(true);
    expect(r.iterations).toBe(expected.n_iter);
    expect(r.agreement).toBeGreaterThanOrEqual(0.995);
    const converged = expected.n_iter < (c.fit.max_iter ?? 100);
    expect(r.coefRelative).toBeLessThan(converged ? 1e-6 : Math.max(1e-3, 10 * expected.self_noise));
  }, 120_000);
});
