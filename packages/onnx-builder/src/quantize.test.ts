// int8 dynamic quantization: Hugging Face exports and our own graphs, loaded by @bertkit/encoder with
// every layer still reachable; at base size the [CLS] features stay within cosine 0.999 of fp32 and the
// file shrinks below 30% (embedding tables included).
import { cpSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder, rowCosines } from '@bertkit/encoder';
import { describe, expect, it } from 'vitest';
import { ModelToolsError, createRandomModel, quantizeColumns, quantizeModel, quantizeRows } from './index.js';
import { BERT_UNCASED, SHARED, sst2 } from './testing/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'bertkit-quantize-'));
const dev = sst2('dev').texts;

describe('weight quantization', () => {
  it('per-column and per-row int8 reconstruct within half a step', () => {
    const w = Float32Array.from({ length: 12 * 5 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    for (const perChannel of [true, false]) {
      const q = quantizeColumns(w, 12, 5, perChannel);
      for (let k = 0; k < 12; k++) {
        for (let n = 0; n < 5; n++) {
          const s = q.scales[perChannel ? n : 0]!;
          expect(Math.abs(w[k * 5 + n]! - q.values[k * 5 + n]! * s)).toBeLessThanOrEqual(s / 2 + 1e-7);
        }
      }
      expect(q.error).toBeLessThanOrEqual(1 / 254 + 1e-6);
    }
    const rows = quantizeRows(w, 12, 5);
    expect(rows.scales).toHaveLength(12);
    expect(Math.max(...rows.values.map(Math.abs))).toBe(127);
  });
});

describe.each(['tiny-random-distilbert', 'tiny-random-bert'])('%s (Hugging Face export)', (model) => {
  it('quantizes every weight MatMul and the embedding tables; the encoder loads it with all layers', async () => {
    const dir = join(tmp, model);
    cpSync(join(SHARED, 'models', model), dir, { recursive: true });
    const report = quantizeModel(dir);
    expect(report.output).toBe(join(dir, 'onnx', 'model_quantized.onnx'));
    expect(report.matmuls).toBe(2 * 6);
    expect(report.gathers).toBeGreaterThanOrEqual(2);
    expect(report.outputBytes / report.inputBytes).toBeLessThan(0.3);
    const fp32 = await Encoder.load(dir);
    const int8 = await Encoder.load(dir, { quantized: true });
    expect(int8.files.onnx).toBe(report.output);
    const texts = dev.slice(0, 100);
    const a = await fp32.embed(texts, { pooling: 'mean' });
    const b = await int8.embed(texts, { pooling: 'mean' });
    // Hidden size 32 leaves few values to average the rounding over; base size is held to 0.999 below.
    expect(rowCosines(a.data, b.data, a.dim).mean).toBeGreaterThan(0.99);
    const concat = await int8.embed(texts.slice(0, 5), { pooling: 'layer-concat', layers: [-1, -2, -3] });
    expect(concat.dim).toBe(96);
    expect(await int8.usesClsShortcut()).toBe(true);
    await fp32.release();
    await int8.release();
  });
});

describe('base size (DistilBERT-base shape)', () => {
  it('[CLS] features within mean cosine 0.999 of fp32 on SST-2 dev, file at most 30% of fp32', async () => {
    const m = createRandomModel({ preset: 'base', output: join(tmp, 'base'), tokenizer: BERT_UNCASED, seed: 5 });
    const report = quantizeModel(m.dir);
    expect(report.matmuls).toBe(36);
    expect(statSync(report.output).size / statSync(join(m.dir, 'onnx', 'model.onnx')).size).toBeLessThanOrEqual(0.3);
    const fp32 = await Encoder.load(m.dir);
    const int8 = await Encoder.load(m.dir, { quantized: true });
    const texts = dev.slice(0, 300);
    const a = await fp32.embed(texts);
    const b = await int8.embed(texts);
    const { mean, min } = rowCosines(a.data, b.data, a.dim);
    expect(mean).toBeGreaterThanOrEqual(0.999);
    expect(min).toBeGreaterThan(0.99);
    await fp32.release();
    await int8.release();
  }, 120_000);
});

describe('bad input', () => {
  const err = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as ModelToolsError;
    }
    throw new Error('expected an error');
  };
  it('missing path, a truncated model, a model already quantized', () => {
    expect(err(() => quantizeModel(join(tmp, 'nope'))).code).toBe('E_NOT_FOUND');
    const bytes = readFileSync(join(SHARED, 'models', 'tiny-random-bert', 'onnx', 'model.onnx'));
    writeFileSync(join(tmp, 'cut.onnx'), bytes.subarray(0, bytes.length / 2));
    const cut = err(() => quantizeModel(join(tmp, 'cut.onnx')));
    expect(cut.code).toBe('E_BAD_ONNX');
    expect(cut.message).toContain('cut.onnx');
    const once = quantizeModel(join(SHARED, 'models', 'tiny-random-bert', 'onnx', 'model.onnx'), { output: join(tmp, 'q.onnx') });
    expect(err(() => quantizeModel(once.output)).message).toContain('already quantized');
  });
});
