// Test support (not exported from the package): replays a scikit-learn case written by
// scripts/sklearn-realistic.py and measures how far this package's fit is from it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { LogisticRegression } from './logistic-regression.js';
import { type SyntheticParams, syntheticFeatures } from './synthetic-features.js';

export interface SklearnCase {
  name: string;
  data: SyntheticParams;
  fit: { C?: number; max_iter?: number; tol?: number; class_weight?: 'balanced' | Record<string, number> | null };
  classes: number[];
  n_iter: number;
  objective: number;
  coef_shape: [number, number];
  /** float32 little-endian, base64. */
  coef: string;
  intercept: number[];
  /** One class index per training row. */
  predictions: string;
  x_sha256: string;
}

export interface Comparison {
  name: string;
  rows: number;
  /** Rows whose predicted class differs from scikit-learn's. */
  disagreements: number;
  agreement: number;
  /** ||coef - coef_sklearn|| / ||coef_sklearn|| (Frobenius). */
  coefRelative: number;
  interceptMaxAbs: number;
  iterations: number;
  sklearnIterations: number;
  /** (objective - objective_sklearn) / |objective_sklearn| at the returned points. */
  objectiveRelative: number;
  featuresMatch: boolean;
  seconds: number;
}

export function decodeF32(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function compareWithSklearn(c: SklearnCase, threads: number | 'auto' = 'auto'): Comparison {
  const { x, y, sampleWeight } = syntheticFeatures(c.data);
  const featuresMatch = createHash('sha256').update(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength)).digest('hex') === c.x_sha256;
  const start = performance.now();
  const model = new LogisticRegression({ C: c.fit.C ?? 1, maxIter: c.fit.max_iter ?? 100, tol: c.fit.tol ?? 1e-4, classWeight: c.fit.class_weight ?? null, threads }).fit(x, y, sampleWeight ? { sampleWeight } : {});
  const seconds = (performance.now() - start) / 1000;
  const predicted = model.predict(x);
  let disagreements = 0;
  predicted.forEach((p, i) => {
    if (p !== c.classes[Number(c.predictions[i])]) disagreements++;
  });
  const expected = decodeF32(c.coef);
  let diff = 0;
  let norm = 0;
  expected.forEach((v, i) => {
    diff += (v - (model.coef[i] as number)) ** 2;
    norm += v * v;
  });
  const convergence = model.convergence!;
  return {
    name: c.name,
    rows: x.rows,
    disagreements,
    agreement: 1 - disagreements / x.rows,
    coefRelative: Math.sqrt(diff / norm),
    interceptMaxAbs: Math.max(...c.intercept.map((v, k) => Math.abs(v - (model.intercept[k] as number)))),
    iterations: convergence.iterations,
    sklearnIterations: c.n_iter,
    objectiveRelative: (convergence.objective - c.objective) / Math.abs(c.objective),
    featuresMatch,
    seconds,
  };
}

/** A python3 that imports scikit-learn: $BERTKIT_PYTHON, python3, then Debian's /usr/bin/python3. */
export function findSklearnPython(): string | null {
  const candidates = [process.env.BERTKIT_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import sklearn, numpy'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0) return python;
  }
  return null;
}

/** Runs scripts/sklearn-realistic.py --live on one case (features regenerated there from the seed). */
export function runSklearn(python: string, script: string, c: Pick<SklearnCase, 'name' | 'data' | 'fit'>): SklearnCase {
  const r = spawnSync(python, [script, '--live'], { input: JSON.stringify(c), encoding: 'utf8', timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`${script} --live failed (${r.status}): ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout) as SklearnCase;
}
