import { type Classifier, type FeaturesInput, type Label, takeRows, toFeatures } from '@bertkit/heads';
import { type CrossValOptions, type CrossValResult, summarize } from './cross-validation.js';
import { TrainerError } from './errors.js';
import { stratifiedKFold } from './split.js';

export type ParamGrid = Record<string, readonly unknown[]>;

export interface GridSearchResult<P> {
  results: Array<{ params: P } & CrossValResult>;
  best: { params: P } & CrossValResult;
  /** The best parameters refitted on all the data (scikit-learn's refit=True). */
  model: Classifier;
}

/** Every combination of the grid's values, in the grid's key order (scikit-learn's ParameterGrid). */
export function expandGrid<P extends Record<string, unknown>>(grid: ParamGrid): P[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0) throw new TrainerError('E_INVALID_OPTION', `grid.${key} must be a non-empty array of values`);
    out = out.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v })));
  }
  return out as P[];
}

/**
 * GridSearchCV: each combination scored by stratified k-fold cross-validation on the same folds, the best
 * mean (ties to the earlier combination, as scikit-learn's rank) refitted on all rows.
 */
export function gridSearch<P extends Record<string, unknown>>(
  make: (params: P) => Classifier,
  grid: ParamGrid,
  xInput: FeaturesInput,
  y: readonly Label[],
  options: Omit<CrossValOptions, 'onFold'> & { onResult?: (params: P, result: CrossValResult) => void } = {},
): GridSearchResult<P> {
  const x = toFeatures(xInput, 'X');
  if (y.length !== x.rows) throw new TrainerError('E_SHAPE', `X has ${x.rows} rows but y has ${y.length} labels`);
  const combos = expandGrid<P>(grid);
  const folds = stratifiedKFold(y, options.folds ?? 5, options.seed ?? 0).map((split) => ({
    xTrain: takeRows(x, split.train),
    yTrain: split.train.map((r) => y[r] as Label),
    xTest: takeRows(x, split.test),
    yTest: split.test.map((r) => y[r] as Label),
  }));
  const results = combos.map((params) => {
    const scores = folds.map((f) => {
      const model = make(params).fit(f.xTrain, f.yTrain);
      return options.scoring ? options.scoring(model, f.xTest, f.yTest) : model.score(f.xTest, f.yTest);
    });
    const result = { params, ...summarize(scores) };
    options.onResult?.(params, result);
    return result;
  });
  const best = results.reduce((a, b) => (b.mean > a.mean ? b : a));
  return { results, best, model: make(best.params).fit(x, [...y]) };
}

/** scikit-learn's usual C grid: `count` values spaced evenly on a log scale from `from` to `to`. */
export function logSpace(from: number, to: number, count: number): number[] {
  if (!(from > 0) || !(to > 0) || !Number.isInteger(count) || count < 1) throw new TrainerError('E_INVALID_OPTION', `logSpace needs positive bounds and a positive count, got ${from}, ${to}, ${count}`);
  if (count === 1) return [from];
  const [a, b] = [Math.log10(from), Math.log10(to)];
  return Array.from({ length: count }, (_, i) => 10 ** (a + ((b - a) * i) / (count - 1)));
}
