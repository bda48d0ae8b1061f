/** Float64 forward passes, written independently of the graph rules, for finite-difference tests. */

export function linearRef(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number>, n: number, din: number, dout: number): Float64Array {
  const y = new Float64Array(n * dout);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < dout; o++) {
      let s = bias[o]!;
      for (let i = 0; i < din; i++) s += x[r * din + i]! * w[o * din + i]!;
      y[r * dout + o] = s;
    }
  return y;
}

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for differences; use the series / continued fraction split.
  const t = Math.abs(x);
  if (t < 3) {
    let sum = t;
    let term = t;
    for (let k = 1; k < 200; k++) {
      term *= (-t * t) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let k = 60; k >= 1; k--) f = (k / 2) / (t + f);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f));
}

export const geluRef = (x: ArrayLike<number>) => Float64Array.from(x, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
/** transformers' gelu_new (tanh approximation), in float64. */
export function geluTanhRef(x: ArrayLike<number>): Float64Array {
  const c = Math.sqrt(2 / Math.PI);
  return Float64Array.from(x, (v) => 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v ** 3))));
}

export const tanhRef = (x: ArrayLike<number>) => Float64Array.from(x, Math.tanh);
export const reluRef = (x: ArrayLike<number>) => Float64Array.from(x, (v) => Math.max(v, 0));

/** Softmax over rows of length `width`, entries where keep[col] is 0 excluded (mask per row group). */
export function maskedSoftmaxRef(s: ArrayLike<number>, width: number, keep: (row: number, col: number) => boolean): Float64Array {
  const y = new Float64Array(s.length);
  for (let r = 0; r < s.length / width; r++) {
    let max = -Infinity;
    for (let c = 0; c < width; c++) if (keep(r, c)) max = Math.max(max, s[r * width + c]!);
    let sum = 0;
    for (let c = 0; c < width; c++) if (keep(r, c)) sum += Math.exp(s[r * width + c]! - max);
    for (let c = 0; c < width; c++) y[r * width + c] = keep(r, c) ? Math.exp(s[r * width + c]! - max) / sum : 0;
  }
  return y;
}

export function layerNormRef(x: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>, width: number, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / width; r++) {
    let mean = 0;
    for (let c = 0; c < width; c++) mean += x[r * width + c]!;
    mean /= width;
    let v = 0;
    for (let c = 0; c < width; c++) v += (x[r * width + c]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / width + eps);
    for (let c = 0; c < width; c++) y[r * width + c] = (x[r * width + c]! - mean) * inv * g[c]! + b[c]!;
  }
  return y;
}

/** Multi-head attention on rows [B·T, H]; mask [B, T] of 0/1. */
export function attentionRef(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, mask: ArrayLike<number>, batch: number, seq: number, hidden: number, heads: number): Float64Array {
  const d = hidden / heads;
  const out = new Float64Array(batch * seq * hidden);
  for (let bi = 0; bi < batch; bi++)
    for (let h = 0; h < heads; h++) {
      const scores = new Float64Array(seq * seq);
      for (let i = 0; i < seq; i++)
        for (let j = 0; j < seq; j++) {
          let s = 0;
          for (let e = 0; e < d; e++) s += q[(bi * seq + i) * hidden + h * d + e]! * k[(bi * seq + j) * hidden + h * d + e]!;
          scores[i * seq + j] = s / Math.sqrt(d);
        }
      const p = maskedSoftmaxRef(scores, seq, (_r, c) => mask[bi * seq + c]! !== 0);
      for (let i = 0; i < seq; i++)
        for (let e = 0; e < d; e++) {
          let s = 0;
          for (let j = 0; j < seq; j++) s += p[i * seq + j]! * v[(bi * seq + j) * hidden + h * d + e]!;
          out[(bi * seq + i) * hidden + h * d + e] = s;
        }
    }
  return out;
}

export function crossEntropyRef(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number {
  let total = 0;
  let count = 0;
  for (let r = 0; r < labels.length; r++) {
    if (labels[r] === -100) continue;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[r * classes + c]! - max);
    total -= logits[r * classes + labels[r]!]! - max - Math.log(sum);
    count++;
  }
  return total / count;
}
