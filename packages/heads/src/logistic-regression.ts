import { availableParallelism } from 'node:os';
import type { Classifier, Probabilities, SavedHead } from './classifier.js';
import { argmaxRows } from './classifier.js';
import { HeadsError } from './errors.js';
import { type FeatureMatrix, type FeaturesInput, toFeatures } from './features.js';
import { type Label, LabelIndex } from './labels.js';
import { type LbfgsResult, minimize, SCIPY_FTOL } from './lbfgs.js';
import { logLossObjective } from './logistic-loss.js';

export interface LogisticRegressionOptions {
  /** Inverse L2 strength, as in scikit-learn: the penalty is ||W||^2 / (2C), intercepts unpenalised. Default 1. */
  C?: number;
  /** L-BFGS iterations. Default 100 (scikit-learn's max_iter). */
  maxIter?: number;
  /** Gradient tolerance (scikit-learn's tol). Default 1e-4. */
  tol?: number;
  /**
   * Also stop when an iteration lowers the objective by less than this fraction: scipy's L-BFGS-B rule,
   * which scikit-learn inherits (default 2.2e-9). 0 insists on the gradient tolerance.
   */
  ftol?: number;
  /** 'balanced' weighs each class by n / (classes x its count); or a weight per label; default none. */
  classWeight?: 'balanced' | Record<string, number> | null;
  /** Centre and scale every feature (fitted on the training data) before the model sees it. Default false. */
  standardize?: boolean;
  /** Default true. */
  fitIntercept?: boolean;
  /**
   * Threads that share the rows of each loss evaluation on large problems (this thread plus worker
   * threads). 'auto' (default): the machine's cores, at most 8; 1 keeps the fit on this thread.
   */
  threads?: number | 'auto';
}

export interface Convergence {
  converged: boolean;
  iterations: number;
  /** Largest absolute gradient component at the solution (compare with tol). */
  gradientMax: number;
  reason: LbfgsResult['reason'];
  objective: number;
  /** Threads the loss evaluations ran on. */
  threads: number;
}

const VERSION = 1;
export const LOGISTIC_REGRESSION = 'logistic-regression';

/**
 * L2-penalised logistic regression: sigmoid for two classes, softmax (multinomial) for more, fitted with
 * L-BFGS on scikit-learn's objective, so the same C gives the same model as
 * `LogisticRegression(solver='lbfgs')`.
 */
export class LogisticRegression implements Classifier {
  readonly options: Required<Omit<LogisticRegressionOptions, 'classWeight'>> & { classWeight: LogisticRegressionOptions['classWeight'] };
  private labels: LabelIndex | null = null;
  /** K' x cols (K' = 1 for two classes), row-major. */
  coef: Float64Array = new Float64Array(0);
  intercept: Float64Array = new Float64Array(0);
  cols = 0;
  mean: Float64Array | null = null;
  scale: Float64Array | null = null;
  convergence: Convergence | null = null;

  constructor(options: LogisticRegressionOptions = {}) {
    const C = options.C ?? 1;
    if (typeof C !== 'number' || !(C > 0) || !Number.isFinite(C)) throw new HeadsError('E_INVALID_OPTION', `C must be a positive finite number, got ${JSON.stringify(C)}`);
    const maxIter = options.maxIter ?? 100;
    if (!Number.isInteger(maxIter) || maxIter < 1) throw new HeadsError('E_INVALID_OPTION', `maxIter must be a positive integer, got ${JSON.stringify(maxIter)}`);
    const tol = options.tol ?? 1e-4;
    if (!(tol > 0)) throw new HeadsError('E_INVALID_OPTION', `tol must be positive, got ${JSON.stringify(tol)}`);
    const cw = options.classWeight ?? null;
    if (cw !== null && cw !== 'balanced' && (typeof cw !== 'object' || Array.isArray(cw))) {
      throw new HeadsError('E_INVALID_OPTION', `classWeight must be 'balanced', an object of weights per label, or null; got ${JSON.stringify(cw)}`);
    }
    const ftol = options.ftol ?? SCIPY_FTOL;
    if (!(ftol >= 0)) throw new HeadsError('E_INVALID_OPTION', `ftol must be non-negative, got ${JSON.stringify(ftol)}`);
    const threads = options.threads ?? 'auto';
    if (threads !== 'auto' && (!Number.isInteger(threads) || threads < 1)) throw new HeadsError('E_INVALID_OPTION', `threads must be 'auto' or a positive integer, got ${JSON.stringify(threads)}`);
    this.options = { C, maxIter, tol, ftol, classWeight: cw, standardize: options.standardize ?? false, fitIntercept: options.fitIntercept ?? true, threads };
  }

  get classes(): readonly Label[] {
    return this.labels?.classes ?? [];
  }

  fit(xInput: FeaturesInput, y: readonly Label[], options: { sampleWeight?: ArrayLike<number> } = {}): this {
    let x = toFeatures(xInput, 'X');
    if (!Array.isArray(y)) throw new HeadsError('E_INVALID_OPTION', 'y must be an array of labels');
    if (y.length !== x.rows) throw new HeadsError('E_SHAPE', `X has ${x.rows} rows but y has ${y.length} labels`);
    const labels = LabelIndex.fit(y);
    if (labels.classes.length < 2) {
      throw new HeadsError('E_SINGLE_CLASS', `y holds a single class (${JSON.stringify(labels.classes[0])}); a classifier needs at least two`);
    }
    const encoded = labels.encode(y);
    const K = labels.classes.length;
    const weights = sampleWeights(encoded, K, labels, this.options.classWeight, options.sampleWeight, x.rows);
    if (this.options.standardize) {
      [this.mean, this.scale] = columnStats(x);
      x = standardized(x, this.mean, this.scale);
    } else {
      this.mean = this.scale = null;
    }
    const rowsOfCoef = K === 2 ? 1 : K;
    const threads = this.options.threads === 'auto' ? Math.min(8, availableParallelism()) : this.options.threads;
    const objective = logLossObjective(x, encoded, weights, K, this.options.C, this.options.fitIntercept, threads);
    let result;
    try {
      result = minimize(objective.evaluate, new Float64Array(rowsOfCoef * (x.cols + 1)), { maxIter: this.options.maxIter, gtol: this.options.tol, ftol: this.options.ftol });
    } finally {
      objective.close();
    }
    this.labels = labels;
    this.cols = x.cols;
    this.coef = result.x.slice(0, rowsOfCoef * x.cols);
    this.intercept = result.x.slice(rowsOfCoef * x.cols);
    this.convergence = { converged: result.converged, iterations: result.iterations, gradientMax: result.gradientMax, reason: result.reason, objective: result.f, threads: objective.threads };
    return this;
  }

  /** Raw scores: rows x K' (one column for two classes, the positive class's logit). */
  decisionFunction(xInput: FeaturesInput): FeatureMatrix {
    const x = this.prepare(xInput);
    const K = this.coef.length / this.cols;
    const out = new Float64Array(x.rows * K);
    for (let i = 0; i < x.rows; i++) {
      for (let k = 0; k < K; k++) {
        let s = this.intercept[k] as number;
        for (let j = 0; j < x.cols; j++) s += (x.data[i * x.cols + j] as number) * (this.coef[k * x.cols + j] as number);
        out[i * K + k] = s;
      }
    }
    return { data: out, rows: x.rows, cols: K };
  }

  predictProba(xInput: FeaturesInput): Probabilities {
    const z = this.decisionFunction(xInput);
    const K = this.classes.length;
    const out = new Float64Array(z.rows * K);
    for (let i = 0; i < z.rows; i++) {
      if (K === 2) {
        const v = z.data[i] as number;
        const p = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
        out[i * 2] = 1 - p;
        out[i * 2 + 1] = p;
        continue;
      }
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) max = Math.max(max, z.data[i * K + k] as number);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += out[i * K + k] = Math.exp((z.data[i * K + k] as number) - max);
      for (let k = 0; k < K; k++) out[i * K + k] = (out[i * K + k] as number) / sum;
    }
    return { data: out, rows: z.rows, cols: K, classes: [...this.classes] };
  }

  predict(x: FeaturesInput): Label[] {
    return argmaxRows(this.predictProba(x));
  }

  score(x: FeaturesInput, y: readonly Label[]): number {
    const predicted = this.predict(x);
    if (!Array.isArray(y) || y.length !== predicted.length) throw new HeadsError('E_SHAPE', `X has ${predicted.length} rows but y has ${Array.isArray(y) ? y.length : 'no'} labels`);
    // A label the model never saw is a data error (a wrong column, a typo), not just a miss.
    this.labels?.encode(y, 'y');
    let right = 0;
    predicted.forEach((p, i) => {
      if (p === y[i]) right++;
    });
    return right / y.length;
  }

  toJSON(): SavedHead {
    this.fitted();
    return {
      type: LOGISTIC_REGRESSION,
      version: VERSION,
      options: this.options,
      classes: [...this.classes],
      cols: this.cols,
      coef: Array.from(this.coef),
      intercept: Array.from(this.intercept),
      mean: this.mean && Array.from(this.mean),
      scale: this.scale && Array.from(this.scale),
      convergence: this.convergence,
    };
  }

  static fromJSON(json: unknown): LogisticRegression {
    const bad = (why: string) => new HeadsError('E_BAD_SAVED', `not a saved ${LOGISTIC_REGRESSION} head: ${why}`);
    if (json === null || typeof json !== 'object') throw bad('expected an object');
    const j = json as Record<string, unknown>;
    if (j.type !== LOGISTIC_REGRESSION) throw bad(`type is ${JSON.stringify(j.type)}`);
    if (j.version !== VERSION) throw bad(`version ${JSON.stringify(j.version)}; this build reads version ${VERSION}`);
    const numbers = (v: unknown, name: string, length?: number): Float64Array => {
      if (!Array.isArray(v) || !v.every((n) => typeof n === 'number' && Number.isFinite(n))) throw bad(`${name} must be an array of finite numbers`);
      if (length !== undefined && v.length !== length) throw bad(`${name} has ${v.length} values, expected ${length}`);
      return Float64Array.from(v as number[]);
    };
    const classes = j.classes;
    if (!Array.isArray(classes) || classes.length < 2) throw bad('classes must list at least two labels');
    const cols = j.cols;
    if (!Number.isInteger(cols) || (cols as number) < 1) throw bad('cols must be a positive integer');
    const K = classes.length === 2 ? 1 : classes.length;
    const model = new LogisticRegression((j.options ?? {}) as LogisticRegressionOptions);
    model.labels = new LabelIndex(classes as Label[]);
    model.cols = cols as number;
    model.coef = numbers(j.coef, 'coef', K * model.cols);
    model.intercept = numbers(j.intercept, 'intercept', K);
    model.mean = j.mean == null ? null : numbers(j.mean, 'mean', model.cols);
    model.scale = j.scale == null ? null : numbers(j.scale, 'scale', model.cols);
    model.convergence = (j.convergence ?? null) as Convergence | null;
    return model;
  }

  private fitted(): void {
    if (this.labels === null) throw new HeadsError('E_NOT_FITTED', 'this LogisticRegression is not fitted yet; call fit(X, y) first');
  }

  private prepare(xInput: FeaturesInput): FeatureMatrix {
    this.fitted();
    const x = toFeatures(xInput, 'X');
    if (x.cols !== this.cols) throw new HeadsError('E_SHAPE', `X has ${x.cols} features per row, the model was fitted on ${this.cols}`);
    return this.mean && this.scale ? standardized(x, this.mean, this.scale) : x;
  }
}

function sampleWeights(
  y: Int32Array,
  K: number,
  labels: LabelIndex,
  classWeight: LogisticRegressionOptions['classWeight'],
  given: ArrayLike<number> | undefined,
  rows: number,
): Float64Array {
  const w = new Float64Array(rows).fill(1);
  if (given !== undefined) {
    if (given.length !== rows) throw new HeadsError('E_SHAPE', `sampleWeight has ${given.length} values for ${rows} rows`);
    for (let i = 0; i < rows; i++) {
      const v = given[i] as number;
      if (!(v >= 0) || !Number.isFinite(v)) throw new HeadsError('E_NOT_FINITE', `sampleWeight[${i}] is ${v}; weights must be finite and non-negative`);
      w[i] = v;
    }
  }
  if (classWeight === 'balanced') {
    const counts = new Float64Array(K);
    for (const k of y) counts[k] = (counts[k] as number) + 1;
    for (let i = 0; i < rows; i++) w[i] = (w[i] as number) * (rows / (K * (counts[y[i] as number] as number)));
  } else if (classWeight) {
    const per = labels.classes.map((c) => classWeight[String(c)] ?? 1);
    for (let i = 0; i < rows; i++) w[i] = (w[i] as number) * (per[y[i] as number] as number);
  }
  return w;
}

function columnStats(x: FeatureMatrix): [Float64Array, Float64Array] {
  const mean = new Float64Array(x.cols);
  const scale = new Float64Array(x.cols);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) mean[j] = (mean[j] as number) + (x.data[i * x.cols + j] as number);
  for (let j = 0; j < x.cols; j++) mean[j] = (mean[j] as number) / x.rows;
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < x.cols; j++) scale[j] = (scale[j] as number) + ((x.data[i * x.cols + j] as number) - (mean[j] as number)) ** 2;
  }
  // A constant column keeps scale 1, as scikit-learn's StandardScaler does.
  for (let j = 0; j < x.cols; j++) scale[j] = Math.sqrt((scale[j] as number) / x.rows) || 1;
  return [mean, scale];
}

function standardized(x: FeatureMatrix, mean: Float64Array, scale: Float64Array): FeatureMatrix {
  const data = new Float64Array(x.data.length);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) data[i * x.cols + j] = ((x.data[i * x.cols + j] as number) - (mean[j] as number)) / (scale[j] as number);
  return { data, rows: x.rows, cols: x.cols };
}
