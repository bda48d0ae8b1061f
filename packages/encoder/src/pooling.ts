export type PoolingMethod = 'cls' | 'mean' | 'max' | 'layer-concat';

/**
 * Pools row `row` of a [rows x length x hidden] tensor into out[at, at + hidden), over the positions the
 * attention mask keeps. Padding never reaches the result, wherever it sits in the row.
 */
export function poolRow(
  method: 'cls' | 'mean' | 'max',
  hidden: Float32Array,
  mask: Int32Array,
  row: number,
  length: number,
  dim: number,
  out: Float32Array,
  at: number,
): void {
  const base = row * length;
  if (method === 'cls') {
    // The first attended position: [CLS] with right padding, and still [CLS] with left padding.
    let p = 0;
    while (p < length && mask[base + p] === 0) p++;
    out.set(hidden.subarray((base + p) * dim, (base + p + 1) * dim), at);
    return;
  }
  if (method === 'mean') {
    for (let d = 0; d < dim; d++) out[at + d] = 0;
    let count = 0;
    for (let p = 0; p < length; p++) {
      if (mask[base + p] === 0) continue;
      count++;
      const src = (base + p) * dim;
      for (let d = 0; d < dim; d++) out[at + d] = (out[at + d] as number) + (hidden[src + d] as number);
    }
    const scale = count === 0 ? 0 : 1 / count;
    for (let d = 0; d < dim; d++) out[at + d] = (out[at + d] as number) * scale;
    return;
  }
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
