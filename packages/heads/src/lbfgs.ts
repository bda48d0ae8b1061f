/** Writes the gradient at x into `gradient` and returns the objective. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Iterations (scikit-learn's max_iter). Default 100. */
  maxIter?: number;
  /** Stop when every gradient component is at most this (scipy's gtol, scikit-learn's tol). Default 1e-4. */
  gtol?: number;
  /** Stop when the relative decrease of the objective falls to this (scipy's default ftol). */
  ftol?: number;
  /** Correction pairs kept (scipy's maxcor). Default 10. */
  memory?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  gradient: Float64Array;
  /** Largest absolute gradient component at the solution. */
  gradientMax: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: 'gtol' | 'ftol' | 'max_iter' | 'line_search';
}

const C1 = 1e-4;
const C2 = 0.9;

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
 * Limited-memory BFGS with a strong-Wolfe line search (Nocedal & Wright, algorithms 7.4, 3.5, 3.6), with
 * scipy's L-BFGS-B stopping rules for an unconstrained problem, so `maxIter` and `gtol` mean what they
 * mean in scikit-learn's `LogisticRegression(solver='lbfgs')`.
 */
export function minimize(objective: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIter = options.maxIter ?? 100;
  const gtol = options.gtol ?? 1e-4;
  const ftol = options.ftol ?? 2.220446049250313e-9;
  const m = options.memory ?? 10;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let f = objective(x, g);
  let evaluations = 1;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  const done = (iterations: number, converged: boolean, reason: LbfgsResult['reason']): LbfgsResult => ({
    x,
    f,
    gradient: g,
    gradientMax: maxAbs(g),
    iterations,
    evaluations,
    converged,
    reason,
  });
  if (maxAbs(g) <= gtol) return done(0, true, 'gtol');

  for (let iter = 1; iter <= maxIter; iter++) {
    // Two-loop recursion: d = -H g.
    for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
    for (let j = s.length - 1; j >= 0; j--) {
      const a = (rho[j] as number) * dot(s[j] as Float64Array, d);
      alpha[j] = a;
      const yj = y[j] as Float64Array;
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) - a * (yj[i] as number);
    }
    if (s.length > 0) {
      const last = s.length - 1;
      const gamma = dot(s[last] as Float64Array, y[last] as Float64Array) / dot(y[last] as Float64Array, y[last] as Float64Array);
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) * gamma;
    }
    for (let j = 0; j < s.length; j++) {
      const b = (rho[j] as number) * dot(y[j] as Float64Array, d);
      const sj = s[j] as Float64Array;
      const a = alpha[j] as number;
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) + (a - b) * (sj[i] as number);
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
      slope = dot(g, d);
    }
    const first = s.length === 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    const step = lineSearch(objective, x, f, g, d, slope, first, xNew, gNew);
    evaluations += step.evaluations;
    if (step.f === null) return done(iter - 1, false, 'line_search');
    const fOld = f;
    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sk[i] = (xNew[i] as number) - (x[i] as number);
      yk[i] = (gNew[i] as number) - (g[i] as number);
    }
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    f = step.f;
    const sy = dot(sk, yk);
    if (sy > 1e-10 * dot(yk, yk)) {
      if (s.length === m) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    if (maxAbs(g) <= gtol) return done(iter, true, 'gtol');
    if ((fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) return done(iter, true, 'ftol');
  }
  return done(maxIter, false, 'max_iter');
}

/** Strong-Wolfe step along d; writes the accepted point and gradient into xOut/gOut. */
function lineSearch(
  objective: Objective,
  x: Float64Array,
  f0: number,
  g0: Float64Array,
  d: Float64Array,
  slope0: number,
  first: number,
  xOut: Float64Array,
  gOut: Float64Array,
): { f: number | null; evaluations: number } {
  let evaluations = 0;
  const phi = (a: number): { f: number; slope: number } => {
    for (let i = 0; i < x.length; i++) xOut[i] = (x[i] as number) + a * (d[i] as number);
    const f = objective(xOut, gOut);
    evaluations++;
    return { f, slope: dot(gOut, d) };
  };
  let aPrev = 0;
  let fPrev = f0;
  let slopePrev = slope0;
  let a = first;
  for (let k = 0; k < 20; k++) {
    const cur = phi(a);
    if (!Number.isFinite(cur.f) || cur.f > f0 + C1 * a * slope0 || (k > 0 && cur.f >= fPrev)) {
      return zoom(aPrev, fPrev, slopePrev, a, cur.f, cur.slope);
    }
    if (Math.abs(cur.slope) <= -C2 * slope0) return { f: cur.f, evaluations };
    if (cur.slope >= 0) return zoom(a, cur.f, cur.slope, aPrev, fPrev, slopePrev);
    aPrev = a;
    fPrev = cur.f;
    slopePrev = cur.slope;
    a *= 2;
  }
  return { f: null, evaluations };

  function zoom(lo: number, fLo: number, sLo: number, hi: number, fHi: number, sHi: number): { f: number | null; evaluations: number } {
    for (let k = 0; k < 30; k++) {
      let a = cubicMin(lo, fLo, sLo, hi, fHi, sHi);
      const [left, right] = lo < hi ? [lo, hi] : [hi, lo];
      const margin = 0.1 * (right - left);
      if (!Number.isFinite(a) || a < left + margin || a > right - margin) a = (lo + hi) / 2;
      const cur = phi(a);
      if (!Number.isFinite(cur.f) || cur.f > f0 + C1 * a * slope0 || cur.f >= fLo) {
        hi = a;
        fHi = cur.f;
        sHi = cur.slope;
      } else {
        if (Math.abs(cur.slope) <= -C2 * slope0) return { f: cur.f, evaluations };
        if (cur.slope * (hi - lo) >= 0) {
          hi = lo;
          fHi = fLo;
          sHi = sLo;
        }
        lo = a;
        fLo = cur.f;
        sLo = cur.slope;
      }
      if (Math.abs(hi - lo) < 1e-16) break;
    }
    // Accept the best sufficient-decrease point found, as scipy does when the bracket collapses.
    if (fLo < f0) {
      phi(lo);
      return { f: fLo, evaluations };
    }
    return { f: null, evaluations };
  }
}

/** Minimiser of the cubic through (a, fa, sa) and (b, fb, sb). */
function cubicMin(a: number, fa: number, sa: number, b: number, fb: number, sb: number): number {
  const d1 = sa + sb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - sa * sb;
  if (!(disc >= 0) || !Number.isFinite(fb)) return Number.NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (sb + d2 - d1)) / (sb - sa + 2 * d2);
}
