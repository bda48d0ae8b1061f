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
  const count = elementCount(shape);
  if (count === 0) return;
  const rank = shape.length;
  if (rank === 0) {
    for (let w = 0; w < words; w++) target[w] = source[w] as number;
    return;
  }
  const inner = shape[rank - 1] as number;
  const innerStride = (stride[rank - 1] as number) * words;
  const index = new Array<number>(rank).fill(0);
  let base = 0;
  for (let o = 0; o < count * words; ) {
    let s = base * words;
    for (let j = 0; j < inner; j++, s += innerStride) for (let w = 0; w < words; w++) target[o++] = source[s + w] as number;
    // Odometer over the outer dimensions.
    for (let d = rank - 2; d >= 0; d--) {
      base += stride[d] as number;
      const next = (index[d] as number) + 1;
      index[d] = next;
      if (next < (shape[d] as number)) break;
      base -= (stride[d] as number) * (shape[d] as number);
      index[d] = 0;
    }
  }
}
