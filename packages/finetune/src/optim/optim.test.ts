import { describe, expect, it } from 'vitest';
import { AdamW, decaysByDefault } from './adamw.js';
import { clipGradNorm, globalNorm } from './clip.js';
import { learningRate } from './schedule.js';

describe('learning-rate schedules (transformers get_*_schedule_with_warmup)', () => {
  it('linear: warmup then decay to 0 at totalSteps', () => {
    const lrs = Array.from({ length: 11 }, (_, s) => learningRate(s, { peak: 1e-3, warmupSteps: 2, totalSteps: 10 }));
    expect(lrs.map((v) => +v.toFixed(9))).toEqual([0, 0.0005, 0.001, 0.000875, 0.00075, 0.000625, 0.0005, 0.000375, 0.00025, 0.000125, 0]);
  });
  it('cosine: half the peak halfway through the decay, 0 at the end', () => {
    const o = { kind: 'cosine', peak: 2, warmupSteps: 4, totalSteps: 24 } as const;
    expect(learningRate(2, o)).toBe(1);
    expect(learningRate(4, o)).toBe(2);
    expect(learningRate(14, o)).toBeCloseTo(1, 12);
    expect(learningRate(24, o)).toBeCloseTo(0, 12);
  });
  it('constant after warmup; warmupRatio rounds up like the Trainer', () => {
    expect(learningRate(7, { kind: 'constant', peak: 3, totalSteps: 10 })).toBe(3);
    expect(learningRate(1, { kind: 'constant', peak: 3, totalSteps: 10, warmupRatio: 0.15 })).toBe(1.5);
    expect(() => learningRate(0, { kind: 'step' as never, totalSteps: 10 })).toThrow(/linear, cosine or constant/);
  });
});

describe('global-norm clipping', () => {
  it('scales by maxNorm / (norm + 1e-6) only above the limit and returns the norm before', () => {
    const a = Float32Array.from([3, 0]);
    const b = Float32Array.from([0, 4]);
    expect(clipGradNorm([a, b], 1)).toBe(5);
    expect(globalNorm([a, b])).toBeCloseTo(1 / (1 + 2e-7), 6);
    const small = Float32Array.from([0.3, 0.4]);
    expect(clipGradNorm([small], 1)).toBeCloseTo(0.5, 7);
    expect([...small]).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });
  it('the norm covers every value whatever the length (4-way unrolled loop and its remainder)', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 3;
    const grads = [1, 2, 3, 4, 5, 7, 9, 1001].map((n) => Float32Array.from({ length: n }, next));
    // Independent reference: one float64 sum in plain order.
    const reference = Math.sqrt(grads.flatMap((g) => [...g]).reduce((s, v) => s + v * v, 0));
    expect(globalNorm(grads)).toBeCloseTo(reference, 10);
    const last = grads[7]!;
    last[1000] = 1e3; // a large value in the remainder of 1001 = 4·250 + 1 must count
    expect(globalNorm([last])).toBeGreaterThan(999);
  });
});

describe('AdamW', () => {
  it('no decay for biases and LayerNorm weights', () => {
    expect(decaysByDefault('bert.encoder.layer.0.output.LayerNorm.weight')).toBe(false);
    expect(decaysByDefault('distilbert.transformer.layer.0.sa_layer_norm.weight')).toBe(false);
    expect(decaysByDefault('classifier.bias')).toBe(false);
    expect(decaysByDefault('distilbert.embeddings.word_embeddings.weight')).toBe(true);
  });
  it('first step moves each weight by about lr (bias-corrected) plus decoupled decay', () => {
    const w = Float32Array.from([1, -2]);
    const bias = Float32Array.from([1]);
    const opt = new AdamW(new Map([['w', w], ['b.bias', bias]]));
    opt.step(new Map([['w', Float32Array.from([0.5, -0.1])], ['b.bias', Float32Array.from([2])]]), 0.1);
    // m̂ = g, v̂ = g², so the step is lr · g/(|g| + ε) = ±lr; decay multiplies by 1 − lr·0.01 first.
    expect(w[0]).toBeCloseTo(1 * (1 - 0.001) - 0.1, 6);
    expect(w[1]).toBeCloseTo(-2 * (1 - 0.001) + 0.1, 6);
    expect(bias[0]).toBeCloseTo(1 - 0.1, 6);
    const before = [...w];
    expect(() => opt.step(new Map([['w', new Float32Array(2)]]), 0.1)).toThrow(/b\.bias is missing/);
    expect([...w]).toEqual(before); // a refused step moves no parameter and counts no step
    expect(opt.steps).toBe(1);
  });
});
