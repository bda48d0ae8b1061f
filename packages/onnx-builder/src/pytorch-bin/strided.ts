/** Strided views of a storage, in elements (torch strides are never negative). */

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** One past the largest element index the view touches, relative to its offset; 0 for an empty view. */
export function viewExtent(shape: readonly number[], stride: readonly number[]): number {
  if (shape.some((d) => d === 0)) return 0;
  return 1 + shape.reduce((sum, d, i) => sum + (d - 1) * (stride[i] as number), 0);
}

/** Row-major with no gaps; dimensions of size 1 may carry any stride (torch leaves them arbitrary). */
export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i] as number;
    if (d !== 1 && stride[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/**
 * Copies a strided view out of `span` (the storage from the view's offset on) into row-major `out`.
 * Elements are moved as 1/2/4-byte words (8-byte ones as two words) so no float is ever canonicalised.
 * The last two dimensions are copied in square tiles: a transposed view read element by element in
 * output order misses the cache on every read.
 */
export function gatherStrided(span: Uint8Array, elementSize: number, shape: readonly number[], stride: readonly number[], out: Uint8Array): void {
  const words = elementSize === 8 ? 2 : 1;
  const wordSize = elementSize === 8 ? 4 : elementSize;
  const view = (bytes: Uint8Array) =>
    wordSize === 1
      ? bytes
      : wordSize === 2
        ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)
        : new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const source = view(span);
  const target = view(out);
  if (elementCount(shape) === 0) return;
  const rank = shape.length;
  const rows = rank >= 2 ? (shape[rank - 2] as number) : 1;
  const cols = rank >= 1 ? (shape[rank - 1] as number) : 1;
  const rowStride = rank >= 2 ? (stride[rank - 2] as number) * words : 0;
  const colStride = rank >= 1 ? (stride[rank - 1] as number) * words : 0;
  const outer = shape.slice(0, Math.max(0, rank - 2));
  const outerStride = stride.slice(0, Math.max(0, rank - 2));
  const index = new Array<number>(outer.length).fill(0);
  const plane = rows * cols * words;
  const T = 64;
  let base = 0;
  for (let o = 0; o < out.length / wordSize; o += plane) {
    for (let i0 = 0; i0 < rows; i0 += T) {
      const i1 = Math.min(rows, i0 + T);
      for (let j0 = 0; j0 < cols; j0 += T) {
        const j1 = Math.min(cols, j0 + T);
        for (let i = i0; i < i1; i++) {
          let s = base + i * rowStride + j0 * colStride;
          let t = o + (i * cols + j0) * words;
          if (words === 1) {
            for (let j = j0; j < j1; j++, s += colStride) target[t++] = source[s] as number;
          } else {
            for (let j = j0; j < j1; j++, s += colStride) {
              target[t++] = source[s] as number;
              target[t++] = source[s + 1] as number;
            }
          }
        }
      }
    }
    // Odometer over the dimensions before the last two.
    for (let d = outer.length - 1; d >= 0; d--) {
      base += (outerStride[d] as number) * words;
      const next = (index[d] as number) + 1;
      index[d] = next;
      if (next < (outer[d] as number)) break;
      base -= (outerStride[d] as number) * words * (outer[d] as number);
      index[d] = 0;
    }
  }
}
