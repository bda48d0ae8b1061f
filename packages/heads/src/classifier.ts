import type { FeaturesInput } from './features.js';
import type { Label } from './labels.js';

/** Class probabilities: rows x classes, row-major; column k is `classes[k]`. */
export interface Probabilities {
  data: Float64Array;
  rows: number;
  cols: number;
  classes: Label[];
}

/** What every head's toJSON() returns: a type tag and a format version before its own fields. */
export interface SavedHead {
  type: string;
  version: number;
  [key: string]: unknown;
}

/** The contract shared by the sentence-level heads, as scikit-learn's estimators share fit/predict/score. */
export interface Classifier {
  readonly classes: readonly Label[];
  fit(x: FeaturesInput, y: readonly Label[], options?: { sampleWeight?: ArrayLike<number> }): this;
  predict(x: FeaturesInput): Label[];
  predictProba(x: FeaturesInput): Probabilities;
  /** Mean accuracy, as scikit-learn's ClassifierMixin.score. */
  score(x: FeaturesInput, y: readonly Label[]): number;
  toJSON(): SavedHead;
}

/** The most probable class of each row. */
export function argmaxRows(p: Probabilities): Label[] {
  const out: Label[] = [];
  for (let r = 0; r < p.rows; r++) {
    let best = 0;
    for (let k = 1; k < p.cols; k++) if ((p.data[r * p.cols + k] as number) > (p.data[r * p.cols + best] as number)) best = k;
    out.push(p.classes[best] as Label);
  }
  return out;
}
