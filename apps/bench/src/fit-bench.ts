import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogisticRegression } from '@bertkit/heads';
import { gridSearch, logSpace } from '@bertkit/trainer';
import { formatTable } from './measure.js';

export interface FitBenchResult {
  rows: number;
  cols: number;
  fit: { seconds: number; iterations: number; converged: boolean; trainAccuracy: number; threads: number };
  grid: { seconds: number; values: number; folds: number; bestC: number; bestScore: number };
  sklearn: { version: string; seconds: number; iterations: number; predictionAgreement: number; gridSeconds: number | null; gridBestC: number | null } | null;
}

const PYTHON = '/usr/bin/python3';

/**
 * L2 logistic regression on the SST-2 [CLS] features at C=1 (median of three fits), then a 5-fold grid
 * over 13 values of C; scikit-learn's lbfgs on the same features when a Python with scikit-learn is
 * present, predictions compared.
 */
export function fitBench(x: Float32Array, y: number[], cols: number, quick: boolean): FitBenchResult {
  const rows = y.length;
  const features = { data: x, rows, cols };
  const times: number[] = [];
  let model = new LogisticRegression({ C: 1 });
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    const t0 = performance.now();
    model = new LogisticRegression({ C: 1 }).fit(features, y);
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  const convergence = model.convergence as NonNullable<typeof model.convergence>;
  const values = quick ? logSpace(1e-2, 1e2, 3) : logSpace(1e-4, 1e2, 13);
  const t0 = performance.now();
  const grid = gridSearch((p: { C: number }) => new LogisticRegression({ C: p.C }), { C: values }, features, y, { folds: 5, seed: 0 });
  const gridSeconds = (performance.now() - t0) / 1000;
  return {
    rows,
    cols,
    fit: { seconds: times[Math.floor(times.length / 2)] as number, iterations: convergence.iterations, converged: convergence.converged, trainAccuracy: model.score(features, y), threads: convergence.threads },
    grid: { seconds: gridSeconds, values: values.length, folds: 5, bestC: grid.best.params.C, bestScore: grid.best.mean },
    sklearn: sklearnFit(x, y, cols, model.predict(features) as number[], quick ? null : values),
  };
}

function sklearnFit(x: Float32Array, y: number[], cols: number, ours: number[], grid: number[] | null): FitBenchResult['sklearn'] {
  if (!existsSync(PYTHON)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-fit-'));
  try {
    writeFileSync(join(dir, 'x.f32'), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    writeFileSync(join(dir, 'y.json'), JSON.stringify(y));
    writeFileSync(join(dir, 'grid.json'), JSON.stringify(grid));
    const script = `
import json, sys, time
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
d = sys.argv[1]
X = np.fromfile(d + '/x.f32', dtype=np.float32).reshape(-1, ${cols}).astype(np.float64)
y = np.array(json.load(open(d + '/y.json')))
t = time.perf_counter()
m = LogisticRegression(C=1.0, solver='lbfgs').fit(X, y)
s = time.perf_counter() - t
grid = json.load(open(d + '/grid.json'))
gs = best = None
if grid:
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    t = time.perf_counter()
    g = GridSearchCV(LogisticRegression(solver='lbfgs'), {'C': grid}, cv=StratifiedKFold(5, shuffle=True, random_state=0)).fit(X, y)
    gs = time.perf_counter() - t
    best = g.best_params_['C']
print(json.dumps({'version': sklearn.__version__, 'seconds': s, 'iterations': int(m.n_iter_[0]), 'predict': m.predict(X).tolist(), 'gridSeconds': gs, 'gridBestC': best}))
`;
    const out = execFileSync(PYTHON, ['-c', script, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, OMP_NUM_THREADS: '2' } });
    const r = JSON.parse(out) as { version: string; seconds: number; iterations: number; predict: number[]; gridSeconds: number | null; gridBestC: number | null };
    const agree = r.predict.filter((p, i) => p === ours[i]).length / ours.length;
    return { version: r.version, seconds: r.seconds, iterations: r.iterations, predictionAgreement: agree, gridSeconds: r.gridSeconds, gridBestC: r.gridBestC };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printFitBench(r: FitBenchResult): void {
  console.log(`\n## Fit: L2 logistic regression on ${r.rows} x ${r.cols} SST-2 [CLS] features\n`);
  const rows = [
    ['bertkit LogisticRegression C=1', r.fit.seconds.toFixed(2), `${r.fit.iterations}${r.fit.converged ? '' : ' (max_iter)'}, ${r.fit.threads} thread${r.fit.threads === 1 ? "" : "s"}`],
    [`bertkit 5-fold grid, ${r.grid.values} values of C`, r.grid.seconds.toFixed(1), `best C=${r.grid.bestC.toPrecision(2)}, cv accuracy ${(r.grid.bestScore * 100).toFixed(1)}%`],
  ];
  if (r.sklearn) {
    rows.push([`scikit-learn ${r.sklearn.version} lbfgs C=1`, r.sklearn.seconds.toFixed(2), `${r.sklearn.iterations}; same prediction on ${(r.sklearn.predictionAgreement * 100).toFixed(2)}% of rows`]);
    if (r.sklearn.gridSeconds !== null) rows.push([`scikit-learn GridSearchCV, 5 stratified folds, same C values`, r.sklearn.gridSeconds.toFixed(1), `best C=${r.sklearn.gridBestC?.toPrecision(2)}`]);
  } else {
    rows.push(['scikit-learn', '-', `not measured: no ${PYTHON} with scikit-learn`]);
  }
  console.log(formatTable(['fit', 'seconds', 'iterations / notes'], rows));
}
