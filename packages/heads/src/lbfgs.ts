import { MoreThuente } from './line-search.js';

/** Writes the gradient at x into `gradient` and returns the objective. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Iterations (scipy's maxiter, scikit-learn's max_iter). Default 100. */
  maxIter?: number;
  /** Stop when every gradient component is at most this (scipy's gtol/pgtol, scikit-learn's tol). Default 1e-4. */
  gtol?: number;
  /** Stop when an iteration lowers f by at most this fraction of max(|f_k|, |f_k+1|, 1) (scipy's ftol = factr x eps). */
  ftol?: number;
  /** Correction pairs kept (scipy's maxcor). Default 10. */
  memory?: number;
  /** Function evaluations per line search before it counts as failed (scipy's maxls). Default 20. */
  maxLineSearch?: number;
  /** Stop once more than this many evaluations were spent (scipy's maxfun). Default 15000. */
  maxEvaluations?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  gradient: Float64Array;
  /** Largest absolute gradient component at the solution (scipy's projected-gradient norm). */
  gradientMax: number;
  /** Accepted iterations: scipy's nit, scikit-learn's n_iter_. */
  iterations: number;
  evaluations: number;
  /** scipy's status 0: stopped by `gtol` or `ftol`. */
  converged: boolean;
  reason: 'gtol' | 'ftol' | 'max_iter' | 'max_evaluations' | 'line_search';
}

/** scipy's default ftol: factr 1e7 times the machine epsilon. */
export const SCIPY_FTOL = 1e7 * Number.EPSILON;
/** L-BFGS-B's stpmx on an unbounded problem. */
const STEP_MAX = 1e10;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/**
 * L-BFGS-B (Byrd, Lu, Nocedal, Zhu; version 3.0 as scipy ships it) on an unbounded problem, iteration for
 * iteration as `scipy.optimize.minimize(method='L-BFGS-B')` runs it for scikit-learn's
 * `LogisticRegression(solver='lbfgs')`:
 * - the first direction (and the one after a failed line search) is the Cauchy point's, -g, tried at
 *   step min(1/||g||, 1e10) on the very first iteration and 1 afterwards; later directions are the
 *   limited-memory quasi-Newton step -H g with H0 = (s'y / y'y) I over the last `memory` pairs;
 * - the Moré–Thuente line search (dcsrch, ftol 1e-3, gtol 0.9, xtol 0.1), at most `maxLineSearch`
 *   evaluations, after which the memory is dropped and the iteration restarts from -g (or the fit ends
 *   if the memory was already empty);
 * - a pair is skipped when s'y <= eps * (-g'd * step), L-BFGS-B's curvature test;
 * - the iteration count is tested before the convergence tests, as scipy's driver does, then
 *   max|g| <= gtol, then (f_k - f_k+1) <= ftol * max(|f_k|, |f_k+1|, 1).
 */
export function minimize(objective: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIter = options.maxIter ?? 100;
  const gtol = options.gtol ?? 1e-4;
  const ftol = options.ftol ?? SCIPY_FTOL;
  const m = options.memory ?? 10;
  const maxLs = options.maxLineSearch ?? 20;
  const maxFun = options.maxEvaluations ?? 15000;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let f = objective(x, g);
  let evaluations = 1;
  // Correction pairs, oldest first; s'y as the line search measured it (L-BFGS-B's dr).
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const SY: number[] = [];
  let theta = 1;
  const alpha = new Float64Array(m);
  const z = new Float64Array(n);
  const d = new Float64Array(n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  const yNew = new Float64Array(n);
  let gradientMax = maxAbs(g);
  let iterations = 0;
  const done = (converged: boolean, reason: LbfgsResult['reason']): LbfgsResult => ({ x, f, gradient: g, gradientMax, iterations, evaluations, converged, reason });
  if (gradientMax <= gtol) return done(true, 'gtol');

  for (;;) {
    if (S.length === 0) {
      // The generalized Cauchy point with B = theta I and no bounds: x - g / theta.
      let f1 = 0;
      for (let i = 0; i < n; i++) f1 -= (g[i] as number) * (g[i] as number);
      const dtm = -f1 / (-theta * f1);
      for (let i = 0; i < n; i++) z[i] = (x[i] as number) + dtm * -(g[i] as number);
    } else {
      quasiNewton(S, Y, SY, theta, alpha, g, d);
      for (let i = 0; i < n; i++) z[i] = (x[i] as number) + (d[i] as number);
    }
    for (let i = 0; i < n; i++) d[i] = (z[i] as number) - (x[i] as number);

    // lnsrlb: the line search along d from x.
    const dtd = dot(d, d);
    let stp = iterations === 0 ? Math.min(1 / Math.sqrt(dtd), STEP_MAX) : 1;
    const gdOld = dot(g, d);
    let gd = gdOld;
    let fNew = f;
    let failed = !(gdOld < 0);
    if (!failed) {
      const search = new MoreThuente(f, gdOld, stp);
      for (let tries = 0; ; tries++) {
        if (tries >= maxLs) {
          failed = true;
          break;
        }
        if (stp === 1) xNew.set(z);
        else for (let i = 0; i < n; i++) xNew[i] = stp * (d[i] as number) + (x[i] as number);
        fNew = objective(xNew, gNew);
        evaluations++;
        gd = dot(gNew, d);
        const task = search.next(fNew, gd);
        if (task !== 'fg') break;
        stp = search.stp;
      }
    }
    if (failed) {
      // x, g and f still hold the previous iterate.
      if (S.length === 0) return done(false, 'line_search');
      S.length = Y.length = SY.length = 0;
      theta = 1;
      continue;
    }
    const fOld = f;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    f = fNew;
    iterations++;
    gradientMax = maxAbs(g);
    if (iterations >= maxIter) return done(false, 'max_iter');
    if (evaluations > maxFun) return done(false, 'max_evaluations');
    if (gradientMax <= gtol) return done(true, 'gtol');
    if (fOld - f <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1)) return done(true, 'ftol');

    // The new pair: s = stp d, y = g_k+1 - g_k, s'y from the line search's directional derivatives.
    for (let i = 0; i < n; i++) yNew[i] = (g[i] as number) - (gNew[i] as number);
    const rr = dot(yNew, yNew);
    const dr = stp === 1 ? gd - gdOld : (gd - gdOld) * stp;
    const ddum = stp === 1 ? -gdOld : -gdOld * stp;
    if (dr <= Number.EPSILON * ddum) continue;
    const full = S.length === m;
    const s = full ? (S.shift() as Float64Array) : new Float64Array(n);
    const y = full ? (Y.shift() as Float64Array) : new Float64Array(n);
    if (full) SY.shift();
    for (let i = 0; i < n; i++) s[i] = stp === 1 ? (d[i] as number) : stp * (d[i] as number);
    y.set(yNew);
    S.push(s);
    Y.push(y);
    SY.push(dr);
    theta = rr / dr;
  }
}

/**
 * d = -H g for the L-BFGS inverse Hessian with H0 = I / theta (the two-loop recursion; L-BFGS-B's
 * compact-form subspace step is the same direction on an unbounded problem).
 */
function quasiNewton(S: Float64Array[], Y: Float64Array[], SY: number[], theta: number, alpha: Float64Array, g: Float64Array, d: Float64Array): void {
  const n = g.length;
  for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
  for (let j = S.length - 1; j >= 0; j--) {
    const a = dot(S[j] as Float64Array, d) / (SY[j] as number);
    alpha[j] = a;
    const yj = Y[j] as Float64Array;
    for (let i = 0; i < n; i++) d[i] = (d[i] as number) - a * (yj[i] as number);
  }
  for (let i = 0; i < n; i++) d[i] = (d[i] as number) / theta;
  for (let j = 0; j < S.length; j++) {
    const b = dot(Y[j] as Float64Array, d) / (SY[j] as number);
    const sj = S[j] as Float64Array;
    const c = (alpha[j] as number) - b;
    for (let i = 0; i < n; i++) d[i] = (d[i] as number) + c * (sj[i] as number);
  }
}
