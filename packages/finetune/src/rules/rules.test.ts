import { describe, expect, it } from 'vitest';
import { attentionRef, crossEntropyRef, geluRef, geluTanhRef, layerNormRef, linearRef, maskedSoftmaxRef, reluRef, tanhRef } from '../testing/reference-ops.js';
import { dot, numericGradient, randomFloats, relativeError, runGraph } from '../testing/run-graph.js';
import { gelu, geluTanh, relu, tanh } from './activations.js';
import { attention } from './attention.js';
import { crossEntropy } from './cross-entropy.js';
import { embeddingLookup, scatterAddRows } from './embedding.js';
import { layerNorm } from './layer-norm.js';
import { linear } from './linear.js';
import { attentionMaskBias, maskedSoftmax } from './masked-softmax.js';
import { relativeBias, relativeBuckets } from './relative-bias.js';
import { relativePositionBucket } from '@bertkit/onnx-builder';

// Each rule's backward against float64 central differences of Σ dy ⊙ f(x), f written independently in TS.
const TOL = 1e-4;

describe('gradient rules vs finite differences', () => {
  it('linear', async () => {
    const [n, din, dout] = [3, 4, 5];
    const x = randomFloats(n * din, 1);
    const w = randomFloats(dout * din, 2);
    const bias = randomFloats(dout, 3);
    const dy = randomFloats(n * dout, 4);
    const out = await runGraph(
      [
        { name: 'x', data: x, dims: [n, din] },
        { name: 'w', data: w, dims: [dout, din] },
        { name: 'b', data: bias, dims: [dout] },
        { name: 'dy', data: dy, dims: [n, dout] },
      ],
      (g) => {
        const r = linear(g, 'x', 'w', 'b');
        const dx = r.back('dy');
        return { y: { tensor: r.y, rank: 2 }, dx: { tensor: dx, rank: 2 }, dw: { tensor: g.gradients().get('w')!, rank: 2 }, db: { tensor: g.gradients().get('b')!, rank: 1 } };
      },
    );
    expect(relativeError(out.y!, linearRef(x, w, bias, n, din, dout))).toBeLessThan(1e-6);
    expect(relativeError(out.dx!, numericGradient((v) => dot(dy, linearRef(v, w, bias, n, din, dout)), x))).toBeLessThan(TOL);
    expect(relativeError(out.dw!, numericGradient((v) => dot(dy, linearRef(x, v, bias, n, din, dout)), w))).toBeLessThan(TOL);
    expect(relativeError(out.db!, numericGradient((v) => dot(dy, linearRef(x, w, v, n, din, dout)), bias))).toBeLessThan(TOL);
  });

  for (const [name, rule, ref] of [
    ['gelu (erf)', gelu, geluRef],
    ['gelu_new (tanh approximation)', geluTanh, geluTanhRef],
    ['tanh', tanh, tanhRef],
    ['relu', relu, reluRef],
  ] as const) {
    it(name, async () => {
      // Keep ReLU's inputs away from the kink, where differences are meaningless.
      const x = randomFloats(24, 5, 3).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
      const dy = randomFloats(24, 6);
      const out = await runGraph(
        [
          { name: 'x', data: x, dims: [4, 6] },
          { name: 'dy', data: dy, dims: [4, 6] },
        ],
        (g) => {
          const r = rule(g, 'x');
          return { y: { tensor: r.y, rank: 2 }, dx: { tensor: r.back('dy'), rank: 2 } };
        },
      );
      expect(relativeError(out.y!, ref(x))).toBeLessThan(1e-6);
      expect(relativeError(out.dx!, numericGradient((v) => dot(dy, ref(v)), x))).toBeLessThan(TOL);
    });
  }

  it('softmax with an attention mask', async () => {
    const [batch, heads, seq] = [2, 2, 3];
    const mask = BigInt64Array.from([1, 1, 1, 1, 1, 0], BigInt);
    const s = randomFloats(batch * heads * seq * seq, 7, 3);
    const dy = randomFloats(s.length, 8);
    const keep = (row: number, col: number) => mask[Math.floor(row / (heads * seq)) * seq + col] === 1n;
    const out = await runGraph(
      [
        { name: 's', data: s, dims: [batch, heads, seq, seq] },
        { name: 'mask', data: mask, dims: [batch, seq] },
        { name: 'dy', data: dy, dims: [batch, heads, seq, seq] },
      ],
      (g) => {
        const r = maskedSoftmax(g, 's', attentionMaskBias(g, 'mask'));
        return { y: { tensor: r.y, rank: 4 }, dx: { tensor: r.back('dy'), rank: 4 } };
      },
    );
    expect(relativeError(out.y!, maskedSoftmaxRef(s, seq, keep))).toBeLessThan(1e-6);
    expect(relativeError(out.dx!, numericGradient((v) => dot(dy, maskedSoftmaxRef(v, seq, keep)), s))).toBeLessThan(TOL);
    expect(Math.abs(out.dx![batch === 2 ? heads * seq * seq + 2 : 0]!)).toBe(0); // batch 1 masks column 2: no gradient there
  });

  it('layer norm', async () => {
    const [n, h, eps] = [3, 5, 1e-12];
    const x = randomFloats(n * h, 9, 2);
    const gamma = randomFloats(h, 10);
    const beta = randomFloats(h, 11);
    const dy = randomFloats(n * h, 12);
    const out = await runGraph(
      [
        { name: 'x', data: x, dims: [n, h] },
        { name: 'g', data: gamma, dims: [h] },
        { name: 'b', data: beta, dims: [h] },
        { name: 'dy', data: dy, dims: [n, h] },
      ],
      (g) => {
        const r = layerNorm(g, 'x', 'g', 'b', eps);
        const dx = r.back('dy');
        return { y: { tensor: r.y, rank: 2 }, dx: { tensor: dx, rank: 2 }, dg: { tensor: g.gradients().get('g')!, rank: 1 }, db: { tensor: g.gradients().get('b')!, rank: 1 } };
      },
    );
    expect(relativeError(out.y!, layerNormRef(x, gamma, beta, h, eps))).toBeLessThan(1e-5);
    expect(relativeError(out.dx!, numericGradient((v) => dot(dy, layerNormRef(v, gamma, beta, h, eps)), x))).toBeLessThan(TOL);
    expect(relativeError(out.dg!, numericGradient((v) => dot(dy, layerNormRef(x, v, beta, h, eps)), gamma))).toBeLessThan(TOL);
    expect(relativeError(out.db!, numericGradient((v) => dot(dy, layerNormRef(x, gamma, v, h, eps)), beta))).toBeLessThan(TOL);
  });

  it('embedding lookup and its scatter-add backward (repeated rows add up)', async () => {
    const [rows, width] = [6, 3];
    const table = randomFloats(rows * width, 13);
    const ids = BigInt64Array.from([4, 1, 4, 0], BigInt);
    const dy = randomFloats(ids.length * width, 14);
    const lookupRef = (t: ArrayLike<number>) => Float64Array.from({ length: ids.length * width }, (_, i) => t[Number(ids[Math.floor(i / width)]) * width + (i % width)]!);
    const out = await runGraph(
      [
        { name: 't', data: table, dims: [rows, width] },
        { name: 'ids', data: ids, dims: [ids.length] },
      ],
      (g) => ({ y: { tensor: embeddingLookup(g, 't', 'ids'), rank: 2 } }),
    );
    expect(relativeError(out.y!, lookupRef(table))).toBe(0);
    const grad = new Float32Array(rows * width);
    scatterAddRows(grad, dy, ids, width);
    expect(relativeError(grad, numericGradient((v) => dot(dy, lookupRef(v)), table))).toBeLessThan(TOL);
  });

  it('multi-head attention with a padding mask', async () => {
    const [batch, seq, hidden, heads] = [2, 3, 4, 2];
    const n = batch * seq;
    const mask = BigInt64Array.from([1, 1, 0, 1, 1, 1], BigInt);
    const maskNum = Array.from(mask, Number);
    const [q, k, v] = [15, 16, 17].map((seed) => randomFloats(n * hidden, seed, 2)) as [Float32Array, Float32Array, Float32Array];
    const dy = randomFloats(n * hidden, 18);
    const out = await runGraph(
      [
        { name: 'q', data: q, dims: [n, hidden] },
        { name: 'k', data: k, dims: [n, hidden] },
        { name: 'v', data: v, dims: [n, hidden] },
        { name: 'mask', data: mask, dims: [batch, seq] },
        { name: 'dy', data: dy, dims: [n, hidden] },
      ],
      (g) => {
        const splitShape = g.op('Concat', [g.op('Shape', ['mask']), g.ints([heads, hidden / heads])], [{ name: 'axis', i: 0 }]);
        const r = attention(g, 'q', 'k', 'v', { splitShape, hidden, heads, maskBias: attentionMaskBias(g, 'mask') });
        const d = r.back('dy');
        return { y: { tensor: r.y, rank: 2 }, dq: { tensor: d.dq, rank: 2 }, dk: { tensor: d.dk, rank: 2 }, dv: { tensor: d.dv, rank: 2 } };
      },
    );
    const ref = (qq: ArrayLike<number>, kk: ArrayLike<number>, vv: ArrayLike<number>) => attentionRef(qq, kk, vv, maskNum, batch, seq, hidden, heads);
    expect(relativeError(out.y!, ref(q, k, v))).toBeLessThan(1e-5);
    expect(relativeError(out.dq!, numericGradient((x) => dot(dy, ref(x, k, v)), q))).toBeLessThan(TOL);
    expect(relativeError(out.dk!, numericGradient((x) => dot(dy, ref(q, x, v)), k))).toBeLessThan(TOL);
    expect(relativeError(out.dv!, numericGradient((x) => dot(dy, ref(q, k, x)), v))).toBeLessThan(TOL);
    // The masked key (batch 0, position 2) influences nothing.
    expect(Math.max(...out.dk!.slice(2 * hidden, 3 * hidden).map(Math.abs))).toBe(0);
  });

  it('cross-entropy: mean over non-ignored rows, -100 ignored', async () => {
    const classes = 3;
    const labels = [0, -100, 2, 1];
    const logits = randomFloats(labels.length * classes, 19, 3);
    const out = await runGraph(
      [
        { name: 'z', data: logits, dims: [labels.length, classes] },
        { name: 'y', data: BigInt64Array.from(labels, BigInt), dims: [labels.length] },
      ],
      (g) => {
        const r = crossEntropy(g, 'z', 'y', classes);
        return { loss: { tensor: r.loss, rank: 0 }, dz: { tensor: r.dlogits, rank: 2 } };
      },
    );
    expect(out.loss![0]).toBeCloseTo(crossEntropyRef(logits, labels, classes), 6);
    expect(relativeError(out.dz!, numericGradient((v) => crossEntropyRef(v, labels, classes), logits))).toBeLessThan(TOL);
    expect([...out.dz!.slice(3, 6)].map(Math.abs)).toEqual([0, 0, 0]);
  });

  it('MPNet relative position bias (the table picked by distance bucket, its gradient summed over batch and pairs)', async () => {
    // T = 40: key - query distances reach the logarithmic buckets and the last one, both directions.
    const [batch, heads, t, rows] = [2, 3, 40, 32];
    const table = randomFloats(rows * heads, 21);
    const dy = randomFloats(batch * heads * t * t, 22);
    const out = await runGraph(
      [
        { name: 'table', data: table, dims: [rows, heads] },
        { name: 'dy', data: dy, dims: [batch, heads, t, t] },
      ],
      (g) => {
        const r = relativeBias(g, 'table', relativeBuckets(g, g.int(t), 514), { rows, heads });
        r.back('dy');
        return { y: { tensor: r.y, rank: 4 }, dt: { tensor: g.gradients().get('table')!, rank: 2 } };
      },
    );
    const ref = (v: ArrayLike<number>) => {
      const y = new Float64Array(heads * t * t);
      for (let h = 0; h < heads; h++) for (let i = 0; i < t; i++) for (let j = 0; j < t; j++) y[(h * t + i) * t + j] = v[relativePositionBucket(j - i) * heads + h]!;
      return y;
    };
    expect(relativeError(out.y!, ref(table))).toBeLessThan(1e-6);
    const summed = (v: ArrayLike<number>) => {
      const y = ref(v);
      let s = 0;
      for (let b = 0; b < batch; b++) for (let k = 0; k < y.length; k++) s += dy[b * y.length + k]! * y[k]!;
      return s;
    };
    expect(relativeError(out.dt!, numericGradient(summed, table))).toBeLessThan(TOL);
    expect(new Set(Array.from({ length: t }, (_, d) => relativePositionBucket(d))).size).toBeGreaterThan(10); // the log buckets are reached
  });
});
