// Seeded stratified splits and folds, cross-validation and grid search, checked for their invariants and
// against a LogisticRegression on data whose best C is known.
import { LogisticRegression } from '@bertkit/heads';
import { describe, expect, it } from 'vitest';
import { crossValScore, expandGrid, gridSearch, logSpace, stratifiedKFold, trainTestSplit } from './index.js';

const labels = Array.from({ length: 103 }, (_, i) => (i % 10 < 7 ? 'a' : i % 10 < 9 ? 'b' : 'c'));

describe('trainTestSplit', () => {
  it('is a seeded partition that keeps label shares and the asked size', () => {
    const s = trainTestSplit(labels, { testSize: 0.2, seed: 1 });
    expect([...s.train, ...s.test].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
    expect(s.test.length).toBe(Math.ceil(0.2 * 103));
    const share = (rows: number[], l: string) => rows.filter((r) => labels[r] === l).length / rows.length;
    for (const l of ['a', 'b', 'c']) expect(Math.abs(share(s.test, l) - share(s.train, l))).toBeLessThan(0.05);
    expect(trainTestSplit(labels, { testSize: 0.2, seed: 1 })).toEqual(s);
    expect(trainTestSplit(labels, { testSize: 0.2, seed: 2 })).not.toEqual(s);
    expect(trainTestSplit(labels, { testSize: 10, stratify: false }).test).toHaveLength(10);
  });

  it('refuses impossible requests', () => {
    expect(() => trainTestSplit(labels, { testSize: 1.5 })).toThrow(/testSize/);
    expect(() => trainTestSplit(['x', 'y', 'y'], {})).toThrow(/"x" has a single row/);
  });
});

describe('stratifiedKFold', () => {
  it('every row is tested exactly once and each fold keeps the label shares', () => {
    const folds = stratifiedKFold(labels, 5, 3);
    const tested = folds.flatMap((f) => f.test).sort((a, b) => a - b);
    expect(tested).toEqual(labels.map((_, i) => i));
    for (const f of folds) {
      expect(f.train.length + f.test.length).toBe(103);
      const c = f.test.filter((r) => labels[r] === 'c').length;
      expect(c === 2 || c === 3).toBe(true);
    }
    expect(() => stratifiedKFold(['a', 'a', 'b', 'b', 'b'], 3)).toThrow(/"a" has 2 row\(s\), fewer than the 3 folds/);
  });
});

describe('cross-validation and grid search', () => {
  // Noisy 1-D data: heavy regularisation (tiny C) collapses to the majority class, so larger C must win.
  const x = Array.from({ length: 200 }, (_, i) => [((i * 37) % 200) / 100 - 1 + (i % 2 ? 0.3 : -0.3)]);
  const y = x.map((r, i) => (r[0]! + ((i * 13) % 7) / 20 > 0 ? 1 : 0));

  it('crossValScore: one score per fold, reproducible', () => {
    const a = crossValScore(() => new LogisticRegression(), x, y, { folds: 4, seed: 5 });
    expect(a.scores).toHaveLength(4);
    expect(a.mean).toBeGreaterThan(0.8);
    expect(crossValScore(() => new LogisticRegression(), x, y, { folds: 4, seed: 5 })).toEqual(a);
  });

  it('gridSearch scores every combination on the same folds and refits the best on all rows', () => {
    expect(expandGrid({ C: [1, 2], classWeight: [null, 'balanced'] })).toHaveLength(4);
    const grid = gridSearch((p: { C: number }) => new LogisticRegression({ C: p.C }), { C: [1e-6, 1, 100] }, x, y, { folds: 5 });
    expect(grid.results.map((r) => r.params.C)).toEqual([1e-6, 1, 100]);
    expect(grid.best.params.C).not.toBe(1e-6);
    expect(grid.best.mean).toBeGreaterThan(grid.results[0]!.mean);
    expect((grid.model as LogisticRegression).options.C).toBe(grid.best.params.C);
    // Same folds: each combination's fold scores are crossValScore's on the folds of the same seed.
    for (const r of grid.results) expect(r.scores).toEqual(crossValScore(() => new LogisticRegression({ C: r.params.C }), x, y, { folds: 5 }).scores);
    // Another seed gives other folds, so the equality above is not vacuous.
    expect(crossValScore(() => new LogisticRegression({ C: 1 }), x, y, { folds: 5, seed: 1 }).scores).not.toEqual(grid.results[1]!.scores);
    // Refit on all rows: the returned model is a fresh fit of the best parameters on every row.
    const all = new LogisticRegression({ C: grid.best.params.C }).fit(x, y);
    expect(Array.from((grid.model as LogisticRegression).predictProba(x).data)).toEqual(Array.from(all.predictProba(x).data));
    const fewer = new LogisticRegression({ C: grid.best.params.C }).fit(x.slice(0, 160), y.slice(0, 160));
    expect(Array.from(fewer.predictProba(x).data)).not.toEqual(Array.from(all.predictProba(x).data));
    expect(logSpace(1e-4, 1e2, 13).map((v) => Math.round(Math.log10(v) * 2) / 2)).toEqual([-4, -3.5, -3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2]);
  });
});
