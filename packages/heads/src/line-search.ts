/**
 * The Moré–Thuente line search as MINPACK-2's dcsrch/dcstep run it inside L-BFGS-B (scipy's
 * `minimize(method='L-BFGS-B')`, hence scikit-learn's lbfgs solver): a reverse-communication state
 * machine, so the caller evaluates f and f' at `stp` and feeds them back. Every branch and constant is
 * the Fortran's, so the sequence of trial steps, and the step accepted, are the same given the same f and
 * f' values; that is what makes iterates track scipy's even when a fit stops at max_iter.
 */

export type SearchTask = 'fg' | 'convergence' | 'warning';

const XTRAPL = 1.1;
const XTRAPU = 4.0;
const P5 = 0.5;
const P66 = 0.66;

export class MoreThuente {
  /** The step to evaluate next ('fg'), or the step accepted. */
  stp: number;
  private brackt = false;
  private stage = 1;
  private readonly finit: number;
  private readonly ginit: number;
  private readonly gtest: number;
  private width: number;
  private width1: number;
  private stx = 0;
  private fx: number;
  private gx: number;
  private sty = 0;
  private fy: number;
  private gy: number;
  private stmin = 0;
  private stmax: number;

  /**
   * dcsrch's 'START': f and g (the directional derivative, < 0) at step 0, the first trial step.
   * L-BFGS-B passes ftol 1e-3, gtol 0.9, xtol 0.1, stpmin 0 and stpmax 1e10 on unbounded problems.
   */
  constructor(
    f: number,
    g: number,
    stp: number,
    private readonly ftol = 1e-3,
    private readonly gtol = 0.9,
    private readonly xtol = 0.1,
    private readonly stpmin = 0,
    private readonly stpmax = 1e10,
  ) {
    this.stp = stp;
    this.finit = f;
    this.ginit = g;
    this.gtest = ftol * g;
    this.width = stpmax - stpmin;
    this.width1 = this.width / P5;
    this.fx = this.fy = f;
    this.gx = this.gy = g;
    this.stmax = stp + XTRAPU * stp;
  }

  /** Feeds f and f' at `stp`; returns 'fg' with a new `stp` to evaluate, or the outcome. */
  next(f: number, g: number): SearchTask {
    const ftest = this.finit + this.stp * this.gtest;
    if (this.stage === 1 && f <= ftest && g >= 0) this.stage = 2;
    let task: SearchTask = 'fg';
    const stp = this.stp;
    if (this.brackt && (stp <= this.stmin || stp >= this.stmax)) task = 'warning'; // rounding errors prevent progress
    if (this.brackt && this.stmax - this.stmin <= this.xtol * this.stmax) task = 'warning'; // xtol test satisfied
    if (stp === this.stpmax && f <= ftest && g <= this.gtest) task = 'warning';
    if (stp === this.stpmin && (f > ftest || g >= this.gtest)) task = 'warning';
    if (f <= ftest && Math.abs(g) <= this.gtol * -this.ginit) task = 'convergence';
    if (task !== 'fg') return task;

    if (this.stage === 1 && f <= this.fx && f > ftest) {
      // A modified function predicts the step while the decrease is not yet sufficient.
      const s = dcstep(this.stx, this.fx - this.stx * this.gtest, this.gx - this.gtest, this.sty, this.fy - this.sty * this.gtest, this.gy - this.gtest, stp, f - stp * this.gtest, g - this.gtest, this.brackt, this.stmin, this.stmax);
      this.take(s);
      this.fx = s.fx + this.stx * this.gtest;
      this.fy = s.fy + this.sty * this.gtest;
      this.gx = s.dx + this.gtest;
      this.gy = s.dy + this.gtest;
    } else {
      const s = dcstep(this.stx, this.fx, this.gx, this.sty, this.fy, this.gy, stp, f, g, this.brackt, this.stmin, this.stmax);
      this.take(s);
      this.fx = s.fx;
      this.fy = s.fy;
      this.gx = s.dx;
      this.gy = s.dy;
    }
    if (this.brackt) {
      if (Math.abs(this.sty - this.stx) >= P66 * this.width1) this.stp = this.stx + P5 * (this.sty - this.stx);
      this.width1 = this.width;
      this.width = Math.abs(this.sty - this.stx);
    }
    if (this.brackt) {
      this.stmin = Math.min(this.stx, this.sty);
      this.stmax = Math.max(this.stx, this.sty);
    } else {
      this.stmin = this.stp + XTRAPL * (this.stp - this.stx);
      this.stmax = this.stp + XTRAPU * (this.stp - this.stx);
    }
    this.stp = Math.min(Math.max(this.stp, this.stpmin), this.stpmax);
    if ((this.brackt && (this.stp <= this.stmin || this.stp >= this.stmax)) || (this.brackt && this.stmax - this.stmin <= this.xtol * this.stmax)) this.stp = this.stx;
    return 'fg';
  }

  private take(s: StepState): void {
    this.stx = s.stx;
    this.sty = s.sty;
    this.stp = s.stp;
    this.brackt = s.brackt;
  }
}

interface StepState {
  stx: number;
  fx: number;
  dx: number;
  sty: number;
  fy: number;
  dy: number;
  stp: number;
  brackt: boolean;
}

/** dcstep: a safeguarded cubic/quadratic step, and the update of the interval holding a minimiser. */
function dcstep(stx: number, fx: number, dx: number, sty: number, fy: number, dy: number, stp: number, fp: number, dp: number, brackt: boolean, stpmin: number, stpmax: number): StepState {
  const sgnd = dp * (dx / Math.abs(dx));
  let stpf: number;
  if (fp > fx) {
    // A higher function value: the minimum is bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) * (theta / s) - (dx / s) * (dp / s));
    if (stp < stx) gamma = -gamma;
    const p = gamma - dx + theta;
    const q = gamma - dx + gamma + dp;
    const stpc = stx + (p / q) * (stp - stx);
    const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
    stpf = Math.abs(stpc - stx) < Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
    brackt = true;
  } else if (sgnd < 0) {
    // A lower value and derivatives of opposite sign: bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) * (theta / s) - (dx / s) * (dp / s));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dx;
    const stpc = stp + (p / q) * (stx - stp);
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
    brackt = true;
  } else if (Math.abs(dp) < Math.abs(dx)) {
    // A lower value, same-sign derivatives, and the derivative's magnitude decreases.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt(Math.max(0, (theta / s) * (theta / s) - (dx / s) * (dp / s)));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma + (dx - dp) + gamma;
    const r = p / q;
    let stpc: number;
    if (r < 0 && gamma !== 0) stpc = stp + r * (stx - stp);
    else if (stp > stx) stpc = stpmax;
    else stpc = stpmin;
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    if (brackt) {
      stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
      stpf = stp > stx ? Math.min(stp + P66 * (sty - stp), stpf) : Math.max(stp + P66 * (sty - stp), stpf);
    } else {
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      stpf = Math.max(stpmin, Math.min(stpmax, stpf));
    }
  } else if (brackt) {
    // A lower value, same-sign derivatives, the magnitude does not decrease: cubic step toward sty.
    const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) * (theta / s) - (dy / s) * (dp / s));
    if (stp > sty) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dy;
    stpf = stp + (p / q) * (sty - stp);
  } else {
    stpf = stp > stx ? stpmax : stpmin;
  }
  if (fp > fx) {
    sty = stp;
    fy = fp;
    dy = dp;
  } else {
    if (sgnd < 0) {
      sty = stx;
      fy = fx;
      dy = dx;
    }
    stx = stp;
    fx = fp;
    dx = dp;
  }
  return { stx, fx, dx, sty, fy, dy, stp: stpf, brackt };
}
