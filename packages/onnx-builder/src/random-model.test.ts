// Seeded random models: reproducible from the seed, complete model directories that @bertkit/encoder
// loads, and at base size (DistilBERT-base, 66M parameters) the ONNX graph agrees with a plain
// TypeScript forward pass of the same safetensors weights.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder, maxAbsDiff } from '@bertkit/encoder';
import { describe, expect, it } from 'vitest';
import { ModelToolsError, SafetensorsFile, createRandomModel, readEncoderShape } from './index.js';
import { referenceForward } from './testing/reference-forward.js';
import { BERT_UNCASED } from './testing/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'bertkit-random-'));

describe('createRandomModel', () => {
  it('the same seed gives the same weights; another seed does not; an identical model is reused', () => {
    const a = createRandomModel({ preset: 'tiny', output: join(tmp, 'a'), tokenizer: BERT_UNCASED, seed: 7 });
    const b = createRandomModel({ preset: 'tiny', output: join(tmp, 'b'), tokenizer: BERT_UNCASED, seed: 7 });
    const c = createRandomModel({ preset: 'tiny', output: join(tmp, 'c'), tokenizer: BERT_UNCASED, seed: 8 });
    const bytes = (m: { dir: string }) => readFileSync(join(m.dir, 'model.safetensors'));
    expect(bytes(a).equals(bytes(b))).toBe(true);
    expect(bytes(a).equals(bytes(c))).toBe(false);
    expect(readFileSync(join(a.dir, 'onnx', 'model.onnx')).equals(readFileSync(join(b.dir, 'onnx', 'model.onnx')))).toBe(true);
    expect(a.created).toBe(true);
    const mtime = statSync(join(a.dir, 'model.safetensors')).mtimeMs;
    const again = createRandomModel({ preset: 'tiny', output: join(tmp, 'a'), tokenizer: BERT_UNCASED, seed: 7 });
    expect(again.created).toBe(false);
    expect(statSync(join(a.dir, 'model.safetensors')).mtimeMs).toBe(mtime);
    expect(createRandomModel({ preset: 'tiny', output: join(tmp, 'a'), tokenizer: BERT_UNCASED, seed: 9 }).created).toBe(true);
  });

  it('writes a complete directory for either architecture that the encoder loads', async () => {
    for (const arch of ['bert', 'distilbert'] as const) {
      const m = createRandomModel({ arch, hidden: 48, layers: 3, heads: 4, intermediate: 96, output: join(tmp, arch), tokenizer: BERT_UNCASED });
      expect(readEncoderShape(join(m.dir, 'config.json'))).toEqual(m.shape);
      const encoder = await Encoder.load(m.dir);
      expect(encoder.config.layers).toBe(3);
      const e = await encoder.embed(['a random model', 'with two sentences'], { pooling: 'layer-concat', layers: [-1, -2] });
      expect(e.dim).toBe(96);
      expect(e.data.every(Number.isFinite)).toBe(true);
      await encoder.release();
    }
  });

  it('rejects impossible shapes and missing tokenizers with the option named', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as ModelToolsError;
      }
      throw new Error('expected an error');
    };
    expect(err(() => createRandomModel({ hidden: 50, heads: 4, output: join(tmp, 'x'), tokenizer: BERT_UNCASED })).message).toContain('divisible');
    expect(err(() => createRandomModel({ layers: 0, output: join(tmp, 'x'), tokenizer: BERT_UNCASED })).message).toContain('layers');
    expect(err(() => createRandomModel({ preset: 'huge' as 'base', output: join(tmp, 'x'), tokenizer: BERT_UNCASED })).code).toBe('E_INVALID_OPTION');
    expect(err(() => createRandomModel({ output: join(tmp, 'x'), tokenizer: tmp })).code).toBe('E_NOT_FOUND');
  });
});

describe('base size (DistilBERT-base shape, 66M parameters)', () => {
  it('the ONNX graph agrees with a plain TypeScript forward pass at every layer', async () => {
    const m = createRandomModel({ preset: 'base', output: join(tmp, 'base'), tokenizer: BERT_UNCASED, seed: 3 });
    expect(m.parameters).toBe(66_362_880);
    const encoder = await Encoder.load(m.dir);
    const weights = SafetensorsFile.open(join(m.dir, 'model.safetensors'));
    for (const text of ['a gripping, funny film.', 'it is not a bad movie at all']) {
      const ids = Array.from(encoder.tokenizer.encode(text).ids);
      const expected = referenceForward(m.shape, weights, '', ids);
      const states = await encoder.forward({ inputIds: Int32Array.from(ids), attentionMask: new Int32Array(ids.length).fill(1), rows: 1, length: ids.length });
      expect(states).toHaveLength(7);
      states.forEach((state, layer) => expect(maxAbsDiff(state, expected[layer]!)).toBeLessThan(2e-4));
    }
    weights.close();
    await encoder.release();
  }, 120_000);
});
