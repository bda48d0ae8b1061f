/**
 * Unpenalised loss of rows [r0, r1) and its gradient, written into `gradient` (zeroed first). It is
 * self-contained (no imports, no outer variables) because worker threads run it from its source text.
 * The two inner kernels do 2 x cols multiply-adds per row and class; unrolled by four with independent
 * accumulators they run about 2.5x faster than plain loops in V8.
 */
export function partialLogLoss(
  data: Float32Array | Float64Array,
  cols: number,
  y: Int32Array,
  sw: Float64Array,
  K: number,
  fitIntercept: boolean,
  params: Float64Array,
  gradient: Float64Array,
  z: Float64Array,
  r0: number,
  r1: number,
): number {
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
  gradient.fill(0);
  let loss = 0;
  const b0 = K * cols;
  for (let i = r0; i < r1; i++) {
    const row = i * cols;
    const w = sw[i] as number;
    const label = y[i] as number;
    for (let k = 0; k < K; k++) z[k] = (fitIntercept ? (params[b0 + k] as number) : 0) + dotRow(data, row, params, k * cols, cols);
    if (K === 1) {
      const zi = z[0] as number;
      // log(1 + e^z) - y z, computed without overflow on either side.
      loss += w * ((zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi))) - label * zi);
      const p = zi >= 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi));
      const r = w * (p - label);
      axpyRow(gradient, 0, r, data, row, cols);
      if (fitIntercept) gradient[b0] = (gradient[b0] as number) + r;
    } else {
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) max = Math.max(max, z[k] as number);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp((z[k] as number) - max);
      const logSum = max + Math.log(sum);
      loss += w * (logSum - (z[label] as number));
      for (let k = 0; k < K; k++) {
        const r = w * (Math.exp((z[k] as number) - logSum) - (k === label ? 1 : 0));
        axpyRow(gradient, k * cols, r, data, row, cols);
        if (fitIntercept) gradient[b0 + k] = (gradient[b0 + k] as number) + r;
      }
    }
  }
  return loss;
}
