import { type Classifier, type FeatureMatrix, type FeaturesInput, type Label, takeRows, toFeatures } from '@bertkit/heads';
import { TrainerError } from './errors.js';
import { stratifiedKFold } from './split.js';

export interface CrossValOptions {
  /** Default 5. */
  folds?: number;
  seed?: number;
  /** Score of a fitted model on a held-out fold. Default: accuracy (the model's score). */
  scoring?: (model: Classifier, x: FeatureMatrix, y: Label[]) => number;
  /** Called after each fold. */
  onFold?: (fold: number, score: number) => void;
}

export interface CrossValResult {
  scores: number[];
  mean: number;
  std: number;
}

/** scikit-learn's cross_val_score with StratifiedKFold(shuffle=True, random_state=seed). */
export function crossValScore(make: () => Classifier, xInput: FeaturesInput, y: readonly Label[], options: CrossValOptions = {}): CrossValResult {
  const x = toFeatures(xInput, 'X');
  if (y.length !== x.rows) throw new TrainerError('E_SHAPE', `X has ${x.rows} rows but y has ${y.length} labels`);
  const scores = stratifiedKFold(y, options.folds ?? 5, options.seed ?? 0).map((split, f) => {
    const model = make().fit(takeRows(x, split.train), split.train.map((r) => y[r] as Label));
    const xTest = takeRows(x, split.test);
    const yTest = split.test.map((r) => y[r] as Label);
    const score = options.scoring ? options.scoring(model, xTest, yTest) : model.score(xTest, yTest);
    options.onFold?.(f, score);
    return score;
  });
  return summarize(scores);
}

export function summarize(scores: number[]): CrossValResult {
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
  return { scores, mean, std };
}
