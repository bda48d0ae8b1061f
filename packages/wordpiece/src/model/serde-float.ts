/**
 * The f64 that Rust's serde_json (without its `float_roundtrip` feature, as `tokenizers` builds it) reads
 * for the JSON number that prints as `x`: the decimal digits as an integer rounded to f64, then one
 * multiplication or division by a power of ten. With 17 significant digits that double rounding can land
 * one ulp away from the correctly rounded value JSON.parse gives, and Unigram's Viterbi breaks exact ties
 * by those last bits, so the scores must be the same bits as Rust's.
 */
export function serdeJsonF64(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  const text = Math.abs(x).toString();
  const [mantissa, exp] = text.split('e') as [string, string | undefined];
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  let exponent = (exp === undefined ? 0 : Number(exp)) - (dot < 0 ? 0 : mantissa.length - dot - 1);
  const significand = BigInt(digits);
  if (significand > 0xffffffffffffffffn) return x;
  let f = Number(significand);
  for (;;) {
    const k = Math.abs(exponent);
    if (k <= 308) {
      const pow = Number(`1e${k}`);
      f = exponent >= 0 ? f * pow : f / pow;
      break;
    }
    if (f === 0 || exponent >= 0) break;
    f /= 1e308;
    exponent += 308;
  }
  return x < 0 ? -f : f;
}
