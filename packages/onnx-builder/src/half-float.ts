/** IEEE 754 half precision bits to a float (subnormals, infinities and NaN included). */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 is the top half of a float32: widening is a shift. */
export function bf16ToF32Into(source: Uint16Array, target: Float32Array): void {
  const wide = new Uint32Array(target.buffer, target.byteOffset, target.length);
  for (let i = 0; i < source.length; i++) wide[i] = (source[i] as number) << 16;
}

export function f16ToF32Into(source: Uint16Array, target: Float32Array): void {
  // 65,536 possible inputs: a table makes the conversion one load per value.
  const table = halfTable();
  for (let i = 0; i < source.length; i++) target[i] = table[source[i] as number] as number;
}

let cachedTable: Float32Array | null = null;
function halfTable(): Float32Array {
  if (cachedTable === null) {
    cachedTable = new Float32Array(65536);
    for (let b = 0; b < 65536; b++) cachedTable[b] = f16ToF32(b);
  }
  return cachedTable;
}
