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
      for (let k = 0; k < K; k++) {
        let s = fitIntercept ? (params[b0 + k] as number) : 0;
        const w = k * cols;
        for (let j = 0; j < cols; j++) s += (data[row + j] as number) * (params[w + j] as number);
        z[k] = s;
      }
      if (K === 1) {
        const zi = z[0] as number;
        // log(1 + e^z) - y z, computed without overflow on either side.
        loss += sw * ((zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi))) - label * zi);
        const p = zi >= 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi));
        const r = sw * (p - label);
        for (let j = 0; j < cols; j++) gradient[j] = (gradient[j] as number) + r * (data[row + j] as number);
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
          const w = k * cols;
          for (let j = 0; j < cols; j++) gradient[w + j] = (gradient[w + j] as number) + r * (data[row + j] as number);
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
