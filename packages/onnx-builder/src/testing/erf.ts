/** erf in float64 to ~1e-15: the Taylor series below 2.5, the continued fraction of erfc above (Abramowitz-Stegun 7.1.26 is too coarse at 1e-7). */
export function erf(z: number): number {
  const a = Math.abs(z);
  let r: number;
  if (a < 2.5) {
    let term = a;
    let sum = a;
    for (let k = 1; k < 60; k++) {
      term *= (-a * a) / k;
      sum += term / (2 * k + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = 0;
    for (let k = 60; k >= 1; k--) f = k / 2 / (a + f);
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
  }
  return z < 0 ? -r : r;
}
