// The WebAssembly kernels against plain JavaScript on every tail length, and the committed module
// against a fresh compile of its .wat source (so the generated file cannot drift from the source).
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { compileKernel } from '../scripts/build-wasm.mjs';
import { LossMemory } from './log-loss-kernel.js';
import { LOG_LOSS_WASM } from './log-loss-wasm.js';

describe('log-loss WebAssembly kernels', () => {
  it('the committed module is the compiled src/wasm/log-loss.wat', async () => {
    const bytes = (await compileKernel()) as Buffer;
    expect(bytes.toString('base64')).toBe(LOG_LOSS_WASM);
  });

  it.each([
    ['float32', Float32Array],
    ['float64', Float64Array],
  ] as const)('dot and axpy over %s rows match plain loops for every length', (_, Type) => {
    let s = 7;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    for (const cols of [1, 2, 3, 4, 5, 7, 8, 13, 768]) {
      const rows = 3;
      const data = Type === Float32Array ? Float32Array.from({ length: rows * cols }, rand) : Float64Array.from({ length: rows * cols }, rand);
      const n = cols + 1;
      const m = new LossMemory({ data, rows, cols }, n, 1);
      const w = Float64Array.from({ length: n }, rand);
      m.params.set(w);
      const width = Type === Float32Array ? 4 : 8;
      const dot = Type === Float32Array ? m.exports.dot32 : m.exports.dot64;
      const axpy = Type === Float32Array ? m.exports.axpy32 : m.exports.axpy64;
      const g = m.slot(0);
      const expectedG = new Float64Array(n);
      for (let r = 0; r < rows; r++) {
        let expected = 0;
        for (let j = 0; j < cols; j++) expected += (data[r * cols + j] as number) * (w[j] as number);
        expect(dot(r * cols * width, m.paramsAt, cols)).toBeCloseTo(expected, 12);
        const coefficient = rand();
        axpy(m.slotAt(0), coefficient, r * cols * width, cols);
        for (let j = 0; j < cols; j++) expectedG[j] = (expectedG[j] as number) + coefficient * (data[r * cols + j] as number);
      }
      for (let j = 0; j < n; j++) expect(g[j]).toBeCloseTo(expectedG[j] as number, 12);
    }
  });
});
