// Broken models and bad calls: each a clear, typed error naming the file or argument, or a documented
// result; never a crash or a hang.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { WordPieceTokenizer } from '@bertkit/wordpiece';
import { Encoder, EncoderError, maxAbsDiff } from './index.js';
import { toExternalData } from './testing/external-data.js';
import { modelDir } from './testing/reference.js';

/** [layer][position][hidden] for the ids [CLS] [SEP], from scripts/cls-sep-reference.py. */
const clsSep = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'testing', 'cls-sep-reference.json'), 'utf8')) as Record<
  string,
  { input_ids: number[]; hidden_states: number[][][] }
>;

/** A private copy of a stand-in model that a test may break. */
function copyModel(name = 'tiny-random-bert'): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'bertkit-broken-')), name);
  cpSync(modelDir(name), dir, { recursive: true });
  return dir;
}

/** Replaces every occurrence of `from` by `to` (same byte length, so protobuf lengths stay valid). */
function patchBytes(file: string, from: string, to: string): number {
  expect(Buffer.byteLength(from)).toBe(Buffer.byteLength(to));
  const bytes = readFileSync(file);
  const needle = Buffer.from(from);
  let count = 0;
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
    Buffer.from(to).copy(bytes, at);
    count++;
  }
  writeFileSync(file, bytes);
  return count;
}

async function loadError(path: string): Promise<EncoderError> {
  try {
    await Encoder.load(path);
  } catch (error) {
    expect(error).toBeInstanceOf(EncoderError);
    return error as EncoderError;
  }
  throw new Error('expected Encoder.load to fail');
}

describe('broken models', () => {
  it('missing directory, missing onnx file, missing config.json', async () => {
    expect((await loadError('/nonexistent/model')).code).toBe('E_MODEL_NOT_FOUND');
    const noOnnx = copyModel();
    rmSync(join(noOnnx, 'onnx'), { recursive: true });
    const e1 = await loadError(noOnnx);
    expect(e1.code).toBe('E_MODEL_NOT_FOUND');
    expect(e1.message).toContain('onnx/model.onnx');
    const noConfig = copyModel();
    rmSync(join(noConfig, 'config.json'));
    expect((await loadError(noConfig)).message).toContain('config.json');
  });

  it('a truncated .onnx file', async () => {
    const dir = copyModel();
    const file = join(dir, 'onnx', 'model.onnx');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const error = await loadError(dir);
    expect(error.code).toBe('E_BAD_ONNX');
    expect(error.message).toContain('model.onnx');
    expect(error.message).toContain('truncated');
  });

  it('wrong graph input names', async () => {
    const dir = copyModel();
    expect(patchBytes(join(dir, 'onnx', 'model.onnx'), 'attention_mask', 'attention_mast')).toBeGreaterThan(0);
    const error = await loadError(dir);
    expect(error.code).toBe('E_BAD_INPUTS');
    expect(error.message).toContain('attention_mast');
  });

  it('a vocabulary larger than the embedding table', async () => {
    const dir = copyModel();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: 1000 }));
    const error = await loadError(dir);
    expect(error.code).toBe('E_VOCAB_TOO_LARGE');
    expect(error.message).toContain('1000');
  });

  it('blocks that cannot be identified: last-layer pooling works, intermediate layers fail clearly', async () => {
    const dir = copyModel('tiny-random-distilbert');
    expect(patchBytes(join(dir, 'onnx', 'model.onnx'), '/transformer/layer.', '/transformer/lay3r.')).toBeGreaterThan(0);
    const encoder = await Encoder.load(dir);
    const e = await encoder.embed(['still works'], { pooling: 'mean' });
    expect(e.dim).toBe(32);
    await expect(encoder.embed(['x'], { pooling: 'layer-concat' })).rejects.toMatchObject({ code: 'E_LAYERS_UNAVAILABLE' });
    await expect(encoder.embed(['x'], { pooling: 'cls', layers: [1] })).rejects.toThrow(/cannot find the transformer blocks/);
    expect(await encoder.usesClsShortcut()).toBe(false);
    await encoder.release();
  });

  it('a last block the cls shortcut does not recognise: [CLS] pooling runs the full graph, same vectors', async () => {
    const dir = copyModel('tiny-random-distilbert');
    expect(patchBytes(join(dir, 'onnx', 'model.onnx'), '/attention/out_lin/', '/attention/out_lXn/')).toBeGreaterThan(0);
    const patched = await Encoder.load(dir);
    const original = await Encoder.load(modelDir('tiny-random-distilbert'));
    expect(await patched.usesClsShortcut()).toBe(false);
    expect(await original.usesClsShortcut()).toBe(true);
    const texts = ['one sentence', 'and a longer second sentence here'];
    const a = (await patched.embed(texts)).data;
    const b = (await original.embed(texts)).data;
    expect(a.length).toBe(64);
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-5);
    await patched.release();
    await original.release();
  });
});

describe('bad calls', () => {
  it('an empty list, an empty string, a non-string item, bad options', async () => {
    const encoder = await Encoder.load(modelDir('tiny-random-bert'));
    const empty = await encoder.embed([]);
    expect(empty).toMatchObject({ rows: 0, dim: 32 });
    expect(empty.data.length).toBe(0);
    // Documented: an empty string is embedded as [CLS] [SEP], like any other input; checked against
    // an independent forward pass on those ids (scripts/cls-sep-reference.py, itself checked against PyTorch).
    const oracle = clsSep['tiny-random-bert']!;
    expect((encoder.tokenizer as WordPieceTokenizer).encode('').ids).toEqual(oracle.input_ids);
    const last = oracle.hidden_states[2]!;
    const blank = await encoder.embed(['']);
    expect(maxAbsDiff(blank.data, last[0]!)).toBeLessThan(1e-5);
    const mean = await encoder.embed([''], { pooling: 'mean' });
    expect(maxAbsDiff(mean.data, last[0]!.map((v, d) => (v + last[1]![d]!) / 2))).toBeLessThan(1e-5);
    await expect(encoder.embed(['ok', 42 as never])).rejects.toThrow(/inputs\[1\]/);
    await expect(encoder.embed('not a list' as never)).rejects.toBeInstanceOf(TypeError);
    await expect(encoder.embed(['x'], { pooling: 'median' as never })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
    await expect(encoder.embed(['x'], { layers: [7] })).rejects.toThrow(/layer 7 does not exist/);
    await expect(encoder.embed(['x'], { pooling: 'cls', layers: [-1, -2] })).rejects.toThrow(/layer-concat/);
    await expect(encoder.embed(['x'], { batchTokens: 0 })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
    await encoder.release();
  });
});

describe('model files', () => {
  it('a bare .onnx path: config.json and the tokenizer are found beside it (or one level up from onnx/)', async () => {
    const dir = copyModel('tiny-random-distilbert');
    const encoder = await Encoder.load(join(dir, 'onnx', 'model.onnx'));
    expect(encoder.files.dir).toBe(dir);
    const reference = await Encoder.load(modelDir('tiny-random-distilbert'));
    const texts = ['a bare path', 'works'];
    expect(maxAbsDiff((await encoder.embed(texts)).data, (await reference.embed(texts)).data)).toBe(0);
    // A lone .onnx file with nothing beside it says what is missing.
    const lone = join(mkdtempSync(join(tmpdir(), 'bertkit-lone-')), 'model.onnx');
    cpSync(join(dir, 'onnx', 'model.onnx'), lone);
    await expect(Encoder.load(lone)).rejects.toThrow(/no config.json beside the model/);
    await encoder.release();
    await reference.release();
  });

  it('weights in an external data file (model.onnx_data): same vectors; intermediate layers say why they are unavailable', async () => {
    const dir = copyModel('tiny-random-bert');
    const file = join(dir, 'onnx', 'model.onnx');
    const { model, data } = toExternalData(readFileSync(file), 'model.onnx_data');
    expect(data.length).toBeGreaterThan(model.length);
    writeFileSync(file, model);
    writeFileSync(join(dir, 'onnx', 'model.onnx_data'), data);
    const encoder = await Encoder.load(dir);
    const reference = await Encoder.load(modelDir('tiny-random-bert'));
    const texts = ['weights elsewhere', 'same vectors'];
    for (const pooling of ['cls', 'mean'] as const) {
      expect(maxAbsDiff((await encoder.embed(texts, { pooling })).data, (await reference.embed(texts, { pooling })).data)).toBeLessThan(1e-6);
    }
    await expect(encoder.embed(texts, { pooling: 'layer-concat' })).rejects.toMatchObject({ code: 'E_LAYERS_UNAVAILABLE', message: expect.stringMatching(/external data/) });
    await encoder.release();
    await reference.release();
  });

  it('inference failing inside onnxruntime: E_RUNTIME naming the file and the batch shape', async () => {
    const encoder = await Encoder.load(modelDir('tiny-random-bert'));
    // An id past the embedding table makes the graph's Gather fail.
    const error = await encoder.forward({ inputIds: Int32Array.from([101, 999999, 102]), attentionMask: Int32Array.from([1, 1, 1]), rows: 1, length: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncoderError);
    expect((error as EncoderError).code).toBe('E_RUNTIME');
    expect((error as EncoderError).message).toMatch(/model\.onnx: inference failed on a 1x3 batch/);
    await encoder.release();
  });
});
