import { Matrix } from 'ml-matrix';
import { HeadsError } from './errors.js';

/** A row-major feature matrix. */
export interface FeatureMatrix {
  data: Float32Array | Float64Array;
  rows: number;
  cols: number;
}

/** What @bertkit/encoder's embed returns: accepted as is, so features go from encoder to head untouched. */
export interface EmbeddingMatrix {
  data: Float32Array | Float64Array;
  rows: number;
  dim: number;
}

/** What heads accept as X: a FeatureMatrix, an encoder's embeddings, an ml-matrix Matrix, or an array of rows. */
export type FeaturesInput = FeatureMatrix | EmbeddingMatrix | Matrix | ArrayLike<number>[];

/**
 * Checks and normalises X: consistent row lengths, at least one row, every value finite (a NaN in a
 * feature would otherwise silently poison every coefficient). `argument` names X in errors.
 */
export function toFeatures(x: FeaturesInput, argument = 'X'): FeatureMatrix {
  let m: FeatureMatrix;
  if (x instanceof Matrix) {
    m = { data: Float64Array.from(x.to1DArray()), rows: x.rows, cols: x.columns };
  } else if (Array.isArray(x)) {
    const rows = x.length;
    const cols = rows > 0 ? (x[0] as ArrayLike<number>).length : 0;
    const data = new Float64Array(rows * cols);
    x.forEach((row, r) => {
      if (row === null || typeof row !== 'object' || row.length !== cols) {
        throw new HeadsError('E_SHAPE', `${argument}[${r}] has ${row?.length ?? typeof row} values, row 0 has ${cols}`);
      }
      for (let c = 0; c < cols; c++) data[r * cols + c] = row[c] as number;
    });
    m = { data, rows, cols };
  } else if (x !== null && typeof x === 'object' && 'data' in x && 'rows' in x && ('cols' in x || 'dim' in x)) {
    const e = x as Partial<FeatureMatrix & EmbeddingMatrix> & { data: FeatureMatrix['data']; rows: number };
    m = { data: e.data, rows: e.rows, cols: (e.cols ?? e.dim) as number };
    if (!(m.data instanceof Float32Array || m.data instanceof Float64Array)) throw new HeadsError('E_SHAPE', `${argument}.data must be a Float32Array or Float64Array`);
    if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0) throw new HeadsError('E_SHAPE', `${argument}: rows and cols must be non-negative integers`);
    if (m.data.length !== m.rows * m.cols) throw new HeadsError('E_SHAPE', `${argument}: data holds ${m.data.length} values, rows x cols = ${m.rows * m.cols}`);
  } else {
    throw new HeadsError('E_SHAPE', `${argument} must be a FeatureMatrix {data, rows, cols}, embeddings {data, rows, dim}, an ml-matrix Matrix or an array of rows`);
  }
  if (m.rows === 0 || m.cols === 0) throw new HeadsError('E_EMPTY', `${argument} is empty (${m.rows} x ${m.cols})`);
  for (let k = 0; k < m.data.length; k++) {
    if (!Number.isFinite(m.data[k] as number)) {
      throw new HeadsError('E_NOT_FINITE', `${argument}[${Math.floor(k / m.cols)}][${k % m.cols}] is ${m.data[k]}; features must be finite numbers`);
    }
  }
  return m;
}

/** Rows `indices` of X, in that order, in X's precision (float32 features stay float32: half the memory). */
export function takeRows(x: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const data = x.data instanceof Float32Array ? new Float32Array(indices.length * x.cols) : new Float64Array(indices.length * x.cols);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i] as number;
    data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols);
  }
  return { data, rows: indices.length, cols: x.cols };
}
