import { type Classifier, type Probabilities, type SavedHead, argmaxRows } from './classifier.js';
import { HeadsError } from './errors.js';
import { type FeaturesInput, toFeatures } from './features.js';
import type { Label } from './labels.js';
import { LogisticRegression, type LogisticRegressionOptions } from './logistic-regression.js';

/** Soft voting: the average of fitted heads' probabilities (heads must share their classes). */
export class Ensemble {
  constructor(readonly members: readonly Classifier[]) {
    if (members.length === 0) throw new HeadsError('E_EMPTY', 'an ensemble needs at least one fitted head');
    const classes = JSON.stringify(members[0]?.classes);
    members.forEach((m, i) => {
      if (m.classes.length === 0) throw new HeadsError('E_NOT_FITTED', `ensemble member ${i} is not fitted`);
      if (JSON.stringify(m.classes) !== classes) throw new HeadsError('E_SHAPE', `ensemble member ${i} has classes ${JSON.stringify(m.classes)}, member 0 has ${classes}`);
    });
  }

  get classes(): readonly Label[] {
    return (this.members[0] as Classifier).classes;
  }

  predictProba(x: FeaturesInput): Probabilities {
    const parts = this.members.map((m) => m.predictProba(x));
    const first = parts[0] as Probabilities;
    const data = new Float64Array(first.data.length);
    for (const p of parts) for (let k = 0; k < data.length; k++) data[k] = (data[k] as number) + (p.data[k] as number) / parts.length;
    return { ...first, data };
  }

  predict(x: FeaturesInput): Label[] {
    return argmaxRows(this.predictProba(x));
  }

  score(x: FeaturesInput, y: readonly Label[]): number {
    const p = this.predict(x);
    return p.filter((v, i) => v === y[i]).length / p.length;
  }

  toJSON(): SavedHead {
    return { type: 'ensemble', version: 1, members: this.members.map((m) => m.toJSON()) };
  }
}

/**
 * Distils a teacher (an ensemble or any head) into one logistic regression trained on its soft labels:
 * cross-entropy against the teacher's probabilities, written as each row repeated once per class with
 * that class's probability as sample weight (the same objective, exactly).
 */
export function distill(teacher: { classes: readonly Label[]; predictProba(x: FeaturesInput): Probabilities }, xInput: FeaturesInput, options: LogisticRegressionOptions = {}): LogisticRegression {
  const x = toFeatures(xInput, 'X');
  const p = teacher.predictProba(x);
  const K = p.cols;
  const data = new Float64Array(x.rows * K * x.cols);
  const labels: Label[] = [];
  const weights = new Float64Array(x.rows * K);
  for (let r = 0; r < x.rows; r++) {
    for (let k = 0; k < K; k++) {
      data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), (r * K + k) * x.cols);
      labels.push(p.classes[k] as Label);
      weights[r * K + k] = p.data[r * K + k] as number;
    }
  }
  return new LogisticRegression(options).fit({ data, rows: x.rows * K, cols: x.cols }, labels, { sampleWeight: weights });
}
