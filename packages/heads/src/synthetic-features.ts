/**
 * Seeded synthetic "[CLS]-like" features, bit-identical to scripts/synthetic_features.py (the oracle
 * side), so fixtures store a seed and parameters instead of megabytes of features. Every value comes
 * from a 32-bit counter hash and IEEE elementwise operations in one fixed order (no reductions, no
 * transcendental functions), which numpy and V8 evaluate identically. See the Python file for the model.
 */
export interface SyntheticParams {
  seed: number;
  rows: number;
  cols: number;
  rank?: number;
  classes?: number;
  /** Integer weight per class; default equal. */
  proportions?: number[] | null;
  signal?: number;
  noise?: number;
  offset?: number;
  /** Fraction of labels redrawn uniformly (so no fit separates the data). */
  label_noise?: number;
  /** Last three columns: a copy of column 0, twice column 1, column 2 + column 3. */
  duplicates?: boolean;
  sample_weight?: boolean;
}

export interface SyntheticData {
  x: { data: Float32Array; rows: number; cols: number };
  y: number[];
  sampleWeight: Float64Array | null;
}

function hash32(seed: number, stream: number, index: number): number {
  const base = (Math.imul(seed, 0x85ebca77) + Math.imul(stream, 0xc2b2ae3d)) >>> 0;
  let x = (Math.imul(index, 0x9e3779b1) + base) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

function gauss(seed: number, stream: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let total = 0;
    for (let k = 0; k < 4; k++) total = total + (hash32(seed, stream, (i * 4 + k) >>> 0) >>> 20);
    out[i] = (total - 8190) / 2365;
  }
  return out;
}

export function syntheticFeatures(params: SyntheticParams): SyntheticData {
  const { seed, rows, cols } = params;
  const rank = params.rank ?? 24;
  const K = params.classes ?? 2;
  const props = params.proportions ?? Array.from({ length: K }, () => 1);
  const total = props.reduce((a, b) => a + b, 0);
  const cum: number[] = [];
  props.reduce((a, b, k) => (cum[k] = a + b), 0);
  const y = Array.from({ length: rows }, (_, i) => {
    const h = hash32(seed, 1, i) % total;
    return cum.findIndex((c) => h < c);
  });
  const centres = gauss(seed, 3, K * rank);
  const Z = gauss(seed, 2, rows * rank);
  const signal = params.signal ?? 0.3;
  for (let i = 0; i < rows; i++) {
    for (let r = 0; r < rank; r++) Z[i * rank + r] = (Z[i * rank + r] as number) * (1 / (1 + r)) + signal * (centres[(y[i] as number) * rank + r] as number);
  }
  const L = gauss(seed, 4, rank * cols);
  const offset = params.offset ?? 0.4;
  const o = gauss(seed, 5, cols).map((g, j) => {
    const v = offset * (0.5 + g);
    return j % 151 === 7 ? v * 10 : v;
  });
  const noise = params.noise ?? 0.35;
  const E = gauss(seed, 6, rows * cols);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let v = o[j] as number;
      for (let r = 0; r < rank; r++) v = v + (Z[i * rank + r] as number) * (L[r * cols + j] as number);
      data[i * cols + j] = v + noise * (E[i * cols + j] as number);
    }
  }
  if (params.duplicates) {
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      data[row + cols - 1] = data[row] as number;
      data[row + cols - 2] = (data[row + 1] as number) * 2;
      data[row + cols - 3] = (data[row + 2] as number) + (data[row + 3] as number);
    }
  }
  const flipAt = Math.round((params.label_noise ?? 0.08) * 1000);
  for (let i = 0; i < rows; i++) if (hash32(seed, 7, i) % 1000 < flipAt) y[i] = hash32(seed, 8, i) % K;
  const sampleWeight = params.sample_weight ? Float64Array.from({ length: rows }, (_, i) => 0.25 + (hash32(seed, 9, i) >>> 24) / 128) : null;
  return { x: { data, rows, cols }, y, sampleWeight };
}
