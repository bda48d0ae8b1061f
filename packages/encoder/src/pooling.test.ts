// Every pooling mode on a hand-made batch whose expected vectors are worked out below by hand, with
// padding that would change the result if it leaked in.
import { describe, expect, it } from 'vitest';
import { type RowPooling, l2Normalize, poolRow } from './index.js';

// 2 rows x 4 positions x dim 2. Row 0 keeps 3 positions (the 4th is padding with a huge value),
// row 1 keeps 2 positions.
const hidden = Float32Array.from([
  1, 10, 2, 20, 3, 30, 1000, -1000,
  -1, 4, 5, -2, 999, 999, 999, 999,
]);
const mask = Int32Array.from([1, 1, 1, 0, 1, 1, 0, 0]);

function pool(method: RowPooling, row: number, m = mask): number[] {
  const out = new Float32Array(2);
  poolRow(method, hidden, m, row, 4, 2, out, 0);
  return Array.from(out);
}

describe('poolRow', () => {
  it('cls: the first kept position', () => {
    expect(pool('cls', 0)).toEqual([1, 10]);
    expect(pool('cls', 1)).toEqual([-1, 4]);
  });

  it('mean: (1+2+3)/3, (10+20+30)/3; row 1: (-1+5)/2, (4-2)/2', () => {
    expect(pool('mean', 0)).toEqual([2, 20]);
    expect(pool('mean', 1)).toEqual([2, 1]);
  });

  it('max: per dimension over kept positions only', () => {
    expect(pool('max', 0)).toEqual([3, 30]);
    expect(pool('max', 1)).toEqual([5, 4]);
  });

  it('mean-sqrt-len: the sum over sqrt(kept): 6/sqrt(3), 60/sqrt(3)', () => {
    const [a, b] = pool('mean-sqrt-len', 0);
    expect(a).toBeCloseTo(6 / Math.sqrt(3), 5);
    expect(b).toBeCloseTo(60 / Math.sqrt(3), 5);
    const [c, d] = pool('mean-sqrt-len', 1);
    expect(c).toBeCloseTo(4 / Math.SQRT2, 5);
    expect(d).toBeCloseTo(2 / Math.SQRT2, 5);
  });

  it('weighted-mean: position p weighs p + 1: (1*1+2*2+3*3)/6, (10+40+90)/6; row 1: (-1+10)/3, (4-4)/3', () => {
    const [a, b] = pool('weighted-mean', 0);
    expect(a).toBeCloseTo(14 / 6, 5);
    expect(b).toBeCloseTo(140 / 6, 5);
    expect(pool('weighted-mean', 1)).toEqual([3, 0]);
  });

  it('last-token: the last kept position, wherever the padding is', () => {
    expect(pool('last-token', 0)).toEqual([3, 30]);
    expect(pool('last-token', 1)).toEqual([5, -2]);
    // Left padding: row 1 as [pad, pad, x, y] keeps positions 2 and 3.
    expect(pool('last-token', 1, Int32Array.from([1, 1, 1, 0, 0, 0, 1, 1]))).toEqual([999, 999]);
  });

  it('a row with nothing kept pools to zeros (mean family, max) instead of NaN', () => {
    const none = new Int32Array(8);
    for (const method of ['mean', 'max', 'mean-sqrt-len', 'weighted-mean'] as const) expect(pool(method, 0, none)).toEqual([0, 0]);
  });

  it('l2Normalize: unit rows, zero rows stay zero', () => {
    const data = Float32Array.from([3, 4, 0, 0]);
    l2Normalize(data, 2, 2);
    expect(Array.from(data)).toEqual(Array.from(Float32Array.from([0.6, 0.8, 0, 0])));
  });
});
