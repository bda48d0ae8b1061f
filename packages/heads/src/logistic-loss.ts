import type { FeatureMatrix } from './features.js';

/**
 * The L2-penalised log loss of a linear model and its gradient, scikit-learn's objective for
 * solver='lbfgs': sum_i sw_i * loss_i + ||W||^2 / (2C), intercepts unpenalised. Parameters are laid out
 * as K rows of `cols` weights followed by K intercepts (K = 1 for the binary, sigmoid case).
 */
export function logLossObjective(x: FeatureMatrix, y: Int32Array, sampleWeight: Float64Array, classes: number, C: number, fitIntercept: boolean) {
  const { rows, cols } = x;
  const data = x.data;
  const K = classes === 2 ? 1 : classes;
  const z = new Float64Array(K);
  return (params: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    const b0 = K * cols;
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      const sw = sampleWeight[i] as number;
      const label = y[i] as number;
      for (let k = 0; k < K; k++) z[k] = (fitIntercept ? (params[b0 + k] as number) : 0) + dotRow(data, row, params, k * cols, cols);
      if (K === 1) {
        const zi = z[0] as number;
        // log(1 + e^z) - y z, computed without overflow on either side.
        loss += sw * ((zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi))) - label * zi);
        const p = zi >= 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi));
        const r = sw * (p - label);
        axpyRow(gradient, 0, r, data, row, cols);
        if (fitIntercept) gradient[b0] = (gradient[b0] as number) + r;
      } else {
        let max = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < K; k++) max = Math.max(max, z[k] as number);
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp((z[k] as number) - max);
        const logSum = max + Math.log(sum);
        loss += sw * (logSum - (z[label] as number));
        for (let k = 0; k < K; k++) {
          const r = sw * (Math.exp((z[k] as number) - logSum) - (k === label ? 1 : 0));
          axpyRow(gradient, k * cols, r, data, row, cols);
          if (fitIntercept) gradient[b0 + k] = (gradient[b0 + k] as number) + r;
        }
      }
    }
    let penalty = 0;
    for (let j = 0; j < K * cols; j++) {
      const w = params[j] as number;
      penalty += w * w;
      gradient[j] = (gradient[j] as number) + w / C;
    }
    return loss + penalty / (2 * C);
  };
}

// The two kernels every evaluation spends its time in (2 x rows x cols multiply-adds), unrolled by four
// with independent accumulators: about 2.5x faster than the plain loops in V8.
function dotRow(x: Float32Array | Float64Array, row: number, w: Float64Array, at: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    s0 += (x[row + j] as number) * (w[at + j] as number);
    s1 += (x[row + j + 1] as number) * (w[at + j + 1] as number);
    s2 += (x[row + j + 2] as number) * (w[at + j + 2] as number);
    s3 += (x[row + j + 3] as number) * (w[at + j + 3] as number);
  }
  for (; j < n; j++) s0 += (x[row + j] as number) * (w[at + j] as number);
  return s0 + s1 + s2 + s3;
}

function axpyRow(g: Float64Array, at: number, r: number, x: Float32Array | Float64Array, row: number, n: number): void {
  let j = 0;
  for (; j + 3 < n; j += 4) {
    g[at + j] = (g[at + j] as number) + r * (x[row + j] as number);
    g[at + j + 1] = (g[at + j + 1] as number) + r * (x[row + j + 1] as number);
    g[at + j + 2] = (g[at + j + 2] as number) + r * (x[row + j + 2] as number);
    g[at + j + 3] = (g[at + j + 3] as number) + r * (x[row + j + 3] as number);
  }
  for (; j < n; j++) g[at + j] = (g[at + j] as number) + r * (x[row + j] as number);
}
