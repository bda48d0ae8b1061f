/**
 * Sentence pooling over a layer's token vectors. 'layer-concat' concatenates several layers pooled by
 * 'cls' or 'mean'; the others are sentence-transformers' Pooling modes: 'mean-sqrt-len'
 * (mean_sqrt_len_tokens), 'weighted-mean' (weightedmean: position p counts p + 1 times) and 'last-token'.
 */
export type PoolingMethod = 'cls' | 'mean' | 'max' | 'mean-sqrt-len' | 'weighted-mean' | 'last-token' | 'layer-concat';

/** The methods that pool one layer (everything but layer-concat). */
export type RowPooling = Exclude<PoolingMethod, 'layer-concat'>;

export const POOLING_METHODS: readonly PoolingMethod[] = ['cls', 'mean', 'max', 'mean-sqrt-len', 'weighted-mean', 'last-token', 'layer-concat'];

/**
 * Pools row `row` of a [rows x length x hidden] tensor into out[at, at + hidden), over the positions the
 * mask keeps. Padding never reaches the result, wherever it sits in the row. `mask` may differ from the
 * attention mask (sentence-transformers drops prompt tokens from pooling but not from attention).
 */
export function poolRow(method: RowPooling, hidden: Float32Array, mask: Int32Array, row: number, length: number, dim: number, out: Float32Array, at: number): void {
  const base = row * length;
  if (method === 'cls' || method === 'last-token') {
    // cls: the first attended position ([CLS] with right or left padding); last-token: the last one,
    // as sentence-transformers finds it (flip the mask, take the first 1; none kept: the last position).
    let p = 0;
    if (method === 'cls') while (p < length && mask[base + p] === 0) p++;
    else {
      p = length - 1;
      while (p > 0 && mask[base + p] === 0) p--;
    }
    if (p >= length) p = 0;
    out.set(hidden.subarray((base + p) * dim, (base + p + 1) * dim), at);
    return;
  }
  if (method === 'max') {
    for (let d = 0; d < dim; d++) out[at + d] = Number.NEGATIVE_INFINITY;
    let any = false;
    for (let p = 0; p < length; p++) {
      if (mask[base + p] === 0) continue;
      any = true;
      const src = (base + p) * dim;
      for (let d = 0; d < dim; d++) {
        const v = hidden[src + d] as number;
        if (v > (out[at + d] as number)) out[at + d] = v;
      }
    }
    if (!any) for (let d = 0; d < dim; d++) out[at + d] = 0;
    return;
  }
  // mean, mean-sqrt-len and weighted-mean: a weighted sum over kept positions, then one scale.
  for (let d = 0; d < dim; d++) out[at + d] = 0;
  let total = 0;
  for (let p = 0; p < length; p++) {
    if (mask[base + p] === 0) continue;
    const w = method === 'weighted-mean' ? p + 1 : 1;
    total += w;
    const src = (base + p) * dim;
    for (let d = 0; d < dim; d++) out[at + d] = (out[at + d] as number) + w * (hidden[src + d] as number);
  }
  const denominator = method === 'mean-sqrt-len' ? Math.sqrt(total) : total;
  const scale = denominator === 0 ? 0 : 1 / denominator;
  for (let d = 0; d < dim; d++) out[at + d] = (out[at + d] as number) * scale;
}

/** Scales each row of `data` (rows x dim) to unit L2 norm; zero rows stay zero. */
export function l2Normalize(data: Float32Array, rows: number, dim: number): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += (data[r * dim + d] as number) ** 2;
    if (sum === 0) continue;
    const scale = 1 / Math.sqrt(sum);
    for (let d = 0; d < dim; d++) data[r * dim + d] = (data[r * dim + d] as number) * scale;
  }
}
