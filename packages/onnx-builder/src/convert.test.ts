// convertCheckpoint: a Hugging Face checkpoint (config.json + model.safetensors) becomes an ONNX model that
// reproduces the independent PyTorch reference at every layer, whatever the key prefix, and loads through
// @bertkit/encoder like a Hugging Face export. Damaged or mismatched checkpoints fail naming the culprit.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder, maxAbsDiff } from '@bertkit/encoder';
import { describe, expect, it } from 'vitest';
import { ModelToolsError, SafetensorsError, SafetensorsFile, convertCheckpoint, writeSafetensors } from './index.js';
import { SHARED, referenceBatches } from './testing/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'bertkit-convert-'));

/** A copy of a stand-in without its ONNX files, its tensors renamed by `rename` and `extra` ones added. */
function checkpoint(model: string, name: string, rename: (key: string) => string, extra: Record<string, number[]> = {}): string {
  const dir = join(tmp, name);
  cpSync(join(SHARED, 'models', model), dir, { recursive: true });
  rmSync(join(dir, 'onnx'), { recursive: true });
  rmSync(join(dir, 'reference.json'));
  const source = SafetensorsFile.open(join(SHARED, 'models', model, 'model.safetensors'));
  const tensors = source.names().map((n) => ({ name: rename(n), shape: source.tensors.get(n)!.shape, data: source.read(n) }));
  source.close();
  for (const [n, shape] of Object.entries(extra)) tensors.push({ name: n, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  rmSync(join(dir, 'model.safetensors'));
  writeSafetensors(join(dir, 'model.safetensors'), tensors);
  return dir;
}

async function expectReferenceParity(dir: string, model: string): Promise<void> {
  const encoder = await Encoder.load(dir);
  let compared = 0;
  for (const batch of referenceBatches(model)) {
    const states = await encoder.forward({
      inputIds: Int32Array.from(batch.input_ids.flat()),
      attentionMask: Int32Array.from(batch.attention_mask.flat()),
      tokenTypeIds: Int32Array.from(batch.token_type_ids.flat()),
      rows: batch.input_ids.length,
      length: batch.input_ids[0]!.length,
    });
    states.forEach((state, layer) => {
      expect(maxAbsDiff(state, batch.hidden_states[layer]!.flat(2))).toBeLessThan(1e-5);
      compared++;
    });
  }
  expect(compared).toBe(referenceBatches(model).length * 3);
  expect(await encoder.usesClsShortcut()).toBe(true);
  await encoder.release();
}

const distilbertKeys = (n: string) => n.replace(/^distilbert\./, '');

describe.each([
  ['tiny-random-distilbert', 'as shipped (distilbert. prefix)', (n: string) => n, 'distilbert.', {}],
  ['tiny-random-distilbert', 'unprefixed', distilbertKeys, '', {}],
  ['tiny-random-distilbert', 'from DistilBertForMaskedLM', (n: string) => n, 'distilbert.', { 'vocab_transform.weight': [32, 32], 'vocab_projector.bias': [30522] }],
  ['tiny-random-bert', 'as shipped (unprefixed)', (n: string) => n, '', {}],
  ['tiny-random-bert', 'from BertForSequenceClassification (bert. prefix)', (n: string) => `bert.${n}`, 'bert.', { 'bert.pooler.dense.weight': [32, 32], 'classifier.weight': [2, 32] }],
] as const)('%s %s', (model, label, rename, prefix, extra) => {
  it('every layer within 1e-5 of the PyTorch reference, loaded by @bertkit/encoder', async () => {
    const dir = checkpoint(model, `${model}-${label.replace(/\W+/g, '-')}`, rename, extra as Record<string, number[]>);
    const report = convertCheckpoint(dir);
    expect(report.prefix).toBe(prefix);
    expect(report.onnx).toBe(join(dir, 'onnx', 'model.onnx'));
    expect(report.ignored.sort()).toEqual(Object.keys(extra).sort());
    await expectReferenceParity(dir, model);
  });
});

describe('output options', () => {
  it('writes to another directory with config and tokenizer files, and can expose every hidden state', async () => {
    const out = join(tmp, 'elsewhere');
    const report = convertCheckpoint(join(SHARED, 'models', 'tiny-random-bert'), { output: out, hiddenStates: true });
    expect(report.dir).toBe(out);
    expect(report.parameters).toBeGreaterThan(1_000_000);
    for (const f of ['config.json', 'tokenizer.json', 'vocab.txt']) expect(readFileSync(join(out, f)).length).toBeGreaterThan(0);
    const encoder = await Encoder.load(out);
    const states = await encoder.forward({ inputIds: Int32Array.from([101, 7592, 102]), attentionMask: Int32Array.from([1, 1, 1]), rows: 1, length: 3 });
    expect(states).toHaveLength(3);
    await encoder.release();
    await expectReferenceParity(out, 'tiny-random-bert');
  });
});

describe('bad checkpoints', () => {
  function thrown(fn: () => unknown): Error & { code?: string } {
    try {
      fn();
    } catch (error) {
      return error as Error & { code?: string };
    }
    throw new Error('expected an error');
  }
  const base = () => checkpoint('tiny-random-bert', `bad-${Math.random().toString(36).slice(2)}`, (n) => n);

  it('truncated safetensors', () => {
    const dir = base();
    const bytes = readFileSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), bytes.subarray(0, bytes.length - 1000));
    const error = thrown(() => convertCheckpoint(dir));
    expect(error).toBeInstanceOf(SafetensorsError);
    expect(error.code).toBe('E_TRUNCATED');
    expect(error.message).toContain('model.safetensors');
  });

  it('a header lying about offsets (two tensors sharing bytes)', () => {
    const dir = base();
    const bytes = readFileSync(join(dir, 'model.safetensors'));
    const length = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
    const [a, b] = Object.keys(header).filter((k) => k.endsWith('LayerNorm.bias'));
    header[b!].data_offsets = header[a!].data_offsets;
    let json = JSON.stringify(header);
    json = json.padEnd(length, ' ');
    expect(Buffer.byteLength(json)).toBe(length);
    writeFileSync(join(dir, 'model.safetensors'), Buffer.concat([bytes.subarray(0, 8), Buffer.from(json), bytes.subarray(8 + length)]));
    const error = thrown(() => convertCheckpoint(dir));
    expect(error.code).toBe('E_BAD_HEADER');
    expect(error.message).toContain('overlap');
    expect(error.message).toContain(b!);
  });

  it('unknown model_type, missing config key, unsupported activation', () => {
    const dir = base();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'gpt2' }));
    let error = thrown(() => convertCheckpoint(dir));
    expect(error).toBeInstanceOf(ModelToolsError);
    expect(error.code).toBe('E_UNKNOWN_MODEL_TYPE');
    expect(error.message).toContain('"gpt2"');
    expect(error.message).toContain('config.json');
    expect(error.message).toContain('model_type');
    const { hidden_size: _, ...noHidden } = config;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(noHidden));
    error = thrown(() => convertCheckpoint(dir));
    expect(error.code).toBe('E_BAD_CONFIG');
    expect(error.message).toContain('"hidden_size"');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, hidden_act: 'swish' }));
    error = thrown(() => convertCheckpoint(dir));
    expect(error.code).toBe('E_UNSUPPORTED');
    expect(error.message).toContain('"swish"');
  });

  it('missing tensors are all listed', () => {
    const dir = checkpoint('tiny-random-bert', 'missing', (n) => n.replace('layer.1.output.dense', 'layer.1.output.densE'));
    const error = thrown(() => convertCheckpoint(dir));
    expect(error.code).toBe('E_MISSING_TENSORS');
    expect(error.message).toContain('encoder.layer.1.output.dense.weight');
    expect(error.message).toContain('encoder.layer.1.output.dense.bias');
  });

  it('config/tensor shape mismatch names the tensor and both shapes', () => {
    const dir = base();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, intermediate_size: 64 }));
    const error = thrown(() => convertCheckpoint(dir));
    expect(error.code).toBe('E_SHAPE_MISMATCH');
    expect(error.message).toContain('encoder.layer.0.intermediate.dense.weight is [37, 32], config.json implies [64, 32]');
  });

  it('no safetensors, or not a directory', () => {
    const dir = base();
    rmSync(join(dir, 'model.safetensors'));
    expect(thrown(() => convertCheckpoint(dir)).message).toContain('no model.safetensors');
    expect(thrown(() => convertCheckpoint(join(dir, 'config.json'))).code).toBe('E_NOT_FOUND');
  });
});
