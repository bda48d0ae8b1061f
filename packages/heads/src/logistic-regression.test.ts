// LogisticRegression against scikit-learn 1.2.1 (fixtures written by scripts/sklearn-reference.py) and
// against optima known in closed form; plus the bad inputs users actually send.
import { describe, expect, it } from 'vitest';
import fixture from './fixtures/sklearn-logreg.json' with { type: 'json' };
import { HeadsError, LogisticRegression } from './index.js';

type Problem = { name: string; X: number[][]; y: (number | string)[] };
const problems = new Map((fixture.problems as Problem[]).map((p) => [p.name, p]));
const holdout = (X: number[][]) => X.filter((_, i) => i % 7 === 0).map((row) => row.map((v) => v * 1.1));

describe('parity with scikit-learn LogisticRegression(solver="lbfgs") on small problems', () => {
  it('the scikit-learn fixture holds every problem x C x class_weight case', () => {
    expect(problems.size).toBe(4);
    expect(fixture.cases).toHaveLength(4 * 3 * 2);
    for (const c of fixture.cases) expect(c.exact.intercept.length).toBeGreaterThan(0);
  });

  it.each(fixture.cases.map((c) => [`${c.problem} C=${c.C} class_weight=${c.class_weight}`, c] as const))('scikit-learn parity: %s', (_, c) => {
    const p = problems.get(c.problem)!;
    const classWeight = (c.class_weight ?? null) as 'balanced' | null;
    // Solved to the optimum on both sides: the same coefficients, probabilities and predictions.
    const exact = new LogisticRegression({ C: c.C, classWeight, tol: 1e-7, ftol: 0, maxIter: 100000 }).fit(p.X, p.y);
    expect(exact.classes).toEqual(c.classes);
    // Float64 cannot resolve the objective much further than this on sums of ~100 losses.
    expect(exact.convergence!.gradientMax).toBeLessThan(1e-5);
    // scikit-learn's own run (tol 1e-10) still stops on scipy's ftol rule, short of the optimum on flat
    // objectives: we must reach an objective at least as low, and nearly the same point.
    expect(exact.convergence!.objective).toBeLessThanOrEqual(c.exact.objective * (1 + 1e-12) + 1e-12);
    const coef = c.exact.coef.flat();
    const scale = Math.max(1, ...coef.map(Math.abs));
    const tolerance = (c.C >= 100 ? 3e-3 : 1e-3) * scale;
    expect(Math.max(...coef.map((v, i) => Math.abs(v - exact.coef[i]!)))).toBeLessThan(tolerance);
    c.exact.intercept.forEach((v, i) => expect(Math.abs(v - exact.intercept[i]!)).toBeLessThan(tolerance));
    const proba = exact.predictProba(holdout(p.X));
    expect(Math.max(...c.exact.proba_holdout.flat().map((v, i) => Math.abs(v - proba.data[i]!)))).toBeLessThan(c.C >= 100 ? 1e-3 : 1e-4);
    expect(exact.predict(holdout(p.X))).toEqual(c.exact.predict_holdout);
    expect(exact.score(p.X, p.y)).toBeCloseTo(c.exact.score_train, 12);
    // With the defaults (tol 1e-4, 100 iterations) both stop near the optimum: the same predictions.
    const fitted = new LogisticRegression({ C: c.C, classWeight }).fit(p.X, p.y);
    expect(fitted.predict(p.X)).toEqual(c.default.predict_train);
    expect(fitted.predict(holdout(p.X))).toEqual(c.default.predict_holdout);
  });
});

describe('known optima', () => {
  it('without informative features the intercept is the log-odds (binary) or centred log-counts (softmax)', () => {
    const X = Array.from({ length: 40 }, () => [0, 0]);
    const y = Array.from({ length: 40 }, (_, i) => (i < 10 ? 1 : 0));
    const m = new LogisticRegression({ tol: 1e-10 }).fit(X, y);
    expect(m.intercept[0]).toBeCloseTo(Math.log(10 / 30), 8);
    expect(Array.from(m.coef)).toEqual([0, 0]);
    const y3 = Array.from({ length: 40 }, (_, i) => (i < 5 ? 'a' : i < 15 ? 'b' : 'c'));
    const m3 = new LogisticRegression({ tol: 1e-10 }).fit(X, y3);
    const logs = [5, 10, 25].map(Math.log);
    const mean = logs.reduce((a, b) => a + b) / 3;
    logs.forEach((l, k) => expect(m3.intercept[k]).toBeCloseTo(l - mean, 6));
  });

  it('the optimum is stationary: a finite-difference gradient of the objective vanishes there', () => {
    const p = problems.get('multinomial')!;
    const m = new LogisticRegression({ C: 0.5, tol: 1e-6, ftol: 0, maxIter: 10000 }).fit(p.X, p.y);
    expect(m.convergence!.converged).toBe(true);
    expect(m.convergence!.reason).toBe('gtol');
    expect(m.convergence!.gradientMax).toBeLessThan(1e-6);
    const classes = m.classes;
    const objective = (coef: Float64Array) => {
      let loss = 0;
      p.X.forEach((row, i) => {
        const z = classes.map((_, k) => m.intercept[k]! + row.reduce((s, v, j) => s + v * coef[k * row.length + j]!, 0));
        const max = Math.max(...z);
        const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
        loss += lse - z[classes.indexOf(p.y[i]!)]!;
      });
      return loss + coef.reduce((s, w) => s + w * w, 0) / (2 * 0.5);
    };
    for (const j of [0, 3, 7, 14]) {
      const h = 1e-5;
      const plus = Float64Array.from(m.coef);
      const minus = Float64Array.from(m.coef);
      plus[j] = plus[j]! + h;
      minus[j] = minus[j]! - h;
      expect(Math.abs((objective(plus) - objective(minus)) / (2 * h))).toBeLessThan(1e-4);
    }
  });

  it('softmax coefficients of each feature sum to zero over the classes (the penalised optimum)', () => {
    const p = problems.get('multinomial-imbalanced')!;
    const m = new LogisticRegression({ tol: 1e-9, maxIter: 10000 }).fit(p.X, p.y);
    const K = m.classes.length;
    for (let j = 0; j < m.cols; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += m.coef[k * m.cols + j]!;
      expect(Math.abs(s)).toBeLessThan(1e-6);
    }
  });

  it('C behaves like scikit-learn on separable data: weights grow with C, shrink toward zero as C -> 0', () => {
    const X = Array.from({ length: 60 }, (_, i) => [i < 30 ? -1 - (i % 5) : 1 + (i % 5), (i * 7) % 3]);
    const y = X.map((r) => (r[0]! > 0 ? 1 : 0));
    const norms = [1e-3, 1e-1, 10, 1000].map((C) => {
      const m = new LogisticRegression({ C, tol: 1e-8, maxIter: 10000 }).fit(X, y);
      if (C >= 0.1) expect(m.score(X, y)).toBe(1);
      return Math.hypot(...m.coef);
    });
    for (let i = 1; i < norms.length; i++) expect(norms[i]!).toBeGreaterThan(norms[i - 1]!);
    // For small C the weights are about C * X^T (y - mean y): linear in C.
    const tiny = new LogisticRegression({ C: 1e-6, tol: 1e-14, maxIter: 10000 }).fit(X, y);
    const tinier = new LogisticRegression({ C: 1e-7, tol: 1e-15, maxIter: 10000 }).fit(X, y);
    expect(tiny.coef[0]! / tinier.coef[0]!).toBeCloseTo(10, 2);
  });
});

describe('standardization, class weights, persistence', () => {
  it('standardize fits on scaled features and predicts raw ones', () => {
    const p = problems.get('binary')!;
    const m = new LogisticRegression({ standardize: true }).fit(p.X, p.y);
    const wide = p.X.map((r) => r.map((v, j) => v * 10 ** j));
    const w = new LogisticRegression({ standardize: true }).fit(wide, p.y);
    expect(w.predict(wide)).toEqual(m.predict(p.X));
  });

  it('takes an encoder embedding {data, rows, dim} and a Float32Array matrix exactly as an array of rows', () => {
    const p = problems.get('binary')!;
    const cols = p.X[0]!.length;
    const flat = Float32Array.from(p.X.flat());
    const asRows = new LogisticRegression().fit(p.X.map((r) => Array.from(Float32Array.from(r))), p.y);
    const asEmbedding = new LogisticRegression().fit({ data: flat, rows: p.X.length, dim: cols }, p.y);
    expect(asEmbedding.predictProba({ data: flat, rows: p.X.length, cols }).data).toEqual(asRows.predictProba(p.X.map((r) => Array.from(Float32Array.from(r)))).data);
  });

  it('toJSON / fromJSON round-trips to identical probabilities; damaged or foreign saves are refused', () => {
    const p = problems.get('binary-strings')!;
    const m = new LogisticRegression({ C: 0.3, standardize: true }).fit(p.X, p.y);
    const saved = JSON.parse(JSON.stringify(m));
    const back = LogisticRegression.fromJSON(saved);
    expect(Array.from(back.predictProba(p.X).data)).toEqual(Array.from(m.predictProba(p.X).data));
    expect(back.predict(p.X)).toEqual(m.predict(p.X));
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as HeadsError).code;
      }
      return 'no error';
    };
    expect(code(() => LogisticRegression.fromJSON({ ...saved, coef: saved.coef.slice(1) }))).toBe('E_BAD_SAVED');
    expect(code(() => LogisticRegression.fromJSON({ ...saved, version: 99 }))).toBe('E_BAD_SAVED');
    expect(code(() => LogisticRegression.fromJSON({ ...saved, type: 'span-head' }))).toBe('E_BAD_SAVED');
    expect(code(() => LogisticRegression.fromJSON({ ...saved, coef: saved.coef.map(() => 'x') }))).toBe('E_BAD_SAVED');
    expect(code(() => LogisticRegression.fromJSON('{'))).toBe('E_BAD_SAVED');
  });
});

describe('bad input', () => {
  const error = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as HeadsError;
    }
    throw new Error('expected an error');
  };
  const X = [[0, 1], [1, 0], [1, 1], [0, 0]];
  it('NaN / Infinity features, a single class, mismatched lengths, empty data, unknown labels, unfitted', () => {
    expect(error(() => new LogisticRegression().fit([[0, Number.NaN], [1, 0]], [0, 1])).message).toContain('X[0][1] is NaN');
    expect(error(() => new LogisticRegression().fit([[0, 1], [Number.POSITIVE_INFINITY, 0]], [0, 1])).code).toBe('E_NOT_FINITE');
    expect(error(() => new LogisticRegression().fit(X, [1, 1, 1, 1])).code).toBe('E_SINGLE_CLASS');
    expect(error(() => new LogisticRegression().fit(X, [0, 1, 0])).message).toContain('X has 4 rows but y has 3 labels');
    expect(error(() => new LogisticRegression().fit([], [])).code).toBe('E_EMPTY');
    expect(error(() => new LogisticRegression().fit([[0], [1, 2]], [0, 1])).message).toContain('X[1] has 2 values');
    expect(error(() => new LogisticRegression().fit(X, [0, 'a', 1, 0])).message).toContain('y[1]');
    const m = new LogisticRegression().fit(X, [0, 1, 1, 0]);
    const unknown = error(() => m.score(X, [0, 1, 2, 0]));
    expect(unknown.code).toBe('E_UNKNOWN_LABEL');
    expect(unknown.message).toContain('y[2] is 2');
    expect(error(() => m.predict([[1, 2, 3]])).message).toContain('3 features per row, the model was fitted on 2');
    expect(error(() => new LogisticRegression().predict(X)).code).toBe('E_NOT_FITTED');
    expect(error(() => new LogisticRegression({ C: 0 })).message).toContain('C must be');
    expect(error(() => new LogisticRegression({ C: -1 })).code).toBe('E_INVALID_OPTION');
  });
});

describe('threads', () => {
  // Large enough (rows x cols x classes >= 2M multiply-adds) that the loss runs on worker threads.
  function synthetic(rows: number, cols: number, classes: number, seed: number) {
    let s = seed >>> 0;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
    const centres = Array.from({ length: classes }, () => Array.from({ length: cols }, () => rand() * 0.4));
    const data = new Float32Array(rows * cols);
    const y: number[] = [];
    for (let r = 0; r < rows; r++) {
      const k = r % classes;
      y.push(k);
      for (let c = 0; c < cols; c++) data[r * cols + c] = (centres[k]![c] as number) + rand();
    }
    return { x: { data, rows, cols }, y };
  }

  it.each([2, 3])('%s classes: worker threads reach the single-thread optimum and predictions', (classes) => {
    const { x, y } = synthetic(3000, 700, classes, classes);
    const options = { C: 0.05, tol: 1e-6, ftol: 0, maxIter: 2000 };
    const one = new LogisticRegression({ ...options, threads: 1 }).fit(x, y);
    const three = new LogisticRegression({ ...options, threads: 3 }).fit(x, y);
    expect([one.convergence!.threads, three.convergence!.threads]).toEqual([1, 3]);
    expect(three.convergence!.converged).toBe(true);
    expect(Math.abs(three.convergence!.objective - one.convergence!.objective) / one.convergence!.objective).toBeLessThan(1e-9);
    const maxDiff = one.coef.reduce((m, v, i) => Math.max(m, Math.abs(v - three.coef[i]!)), 0);
    expect(maxDiff).toBeLessThan(1e-4);
    expect(three.predict(x)).toEqual(one.predict(x));
    // The same thread count gives the same model, bit for bit.
    expect(new LogisticRegression({ ...options, threads: 3 }).fit(x, y).coef).toEqual(three.coef);
  });

  it('refuses a thread count that is not a positive integer', () => {
    expect(() => new LogisticRegression({ threads: 0 })).toThrow(/threads must be 'auto' or a positive integer, got 0/);
    expect(() => new LogisticRegression({ threads: 1.5 })).toThrow(HeadsError);
  });
});
