// The safetensors reader against real checkpoints (the embedding output recomputed from the file's
// weights must equal the PyTorch reference) and against synthetic files for dtypes and damage.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsError, SafetensorsFile } from './index.js';
import { SHARED } from './testing/shared.js';

const models = join(SHARED, 'models');
const tmp = mkdtempSync(join(tmpdir(), 'bertkit-st-'));

/** Writes a safetensors file from [name, dtype, shape, raw bytes] entries. */
function writeSafetensors(name: string, entries: Array<[string, string, number[], Uint8Array]>, tamper?: (header: string) => string): string {
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const [tensor, dtype, shape, bytes] of entries) {
    header[tensor] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  const json = Buffer.from(tamper ? tamper(JSON.stringify(header)) : JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const path = join(tmp, name);
  writeFileSync(path, Buffer.concat([length, json, ...entries.map((e) => Buffer.from(e[3]))]));
  return path;
}

function thrown(fn: () => unknown): SafetensorsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SafetensorsError);
    return error as SafetensorsError;
  }
  throw new Error('expected an error');
}

describe.each([
  ['tiny-random-distilbert', 'distilbert.'],
  ['tiny-random-bert', ''],
])('%s', (model, prefix) => {
  it('embedding output recomputed from the file equals the PyTorch reference hidden_states[0]', () => {
    const file = SafetensorsFile.open(join(models, model, 'model.safetensors'));
    const config = JSON.parse(readFileSync(join(models, model, 'config.json'), 'utf8'));
    const hidden = config.hidden_size ?? config.dim;
    const key = (k: string) => `${prefix}embeddings.${k}`;
    file.expect({ [key('word_embeddings.weight')]: [config.vocab_size, hidden], [key('position_embeddings.weight')]: [512, hidden] });
    const words = file.read(key('word_embeddings.weight'));
    const positions = file.read(key('position_embeddings.weight'));
    const types = file.tensors.has(key('token_type_embeddings.weight')) ? file.read(key('token_type_embeddings.weight')) : null;
    const gamma = file.read(key('LayerNorm.weight'));
    const beta = file.read(key('LayerNorm.bias'));
    const reference = JSON.parse(readFileSync(join(models, model, 'reference.json'), 'utf8'));
    let max = 0;
    for (const batch of reference) {
      batch.input_ids.forEach((ids: number[], r: number) => {
        ids.forEach((id, p) => {
          const x = Array.from({ length: hidden }, (_, d) => {
            const t = types ? types[batch.token_type_ids[r][p] * hidden + d]! : 0;
            return words[id * hidden + d]! + positions[p * hidden + d]! + t;
          });
          const mean = x.reduce((a, b) => a + b, 0) / hidden;
          const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / hidden;
          x.forEach((v, d) => {
            const y = ((v - mean) / Math.sqrt(variance + 1e-12)) * gamma[d]! + beta[d]!;
            max = Math.max(max, Math.abs(y - batch.hidden_states[0][r][p][d]));
          });
        });
      });
    }
    expect(max).toBeLessThan(1e-5);
    file.close();
  });

  it('lists every missing tensor at once, and shape mismatches against config.json', () => {
    const file = SafetensorsFile.open(join(models, model, 'model.safetensors'));
    const missing = thrown(() => file.expect({ 'pooler.dense.weight': [32, 32], 'cls.predictions.bias': [30522], [`${prefix}embeddings.LayerNorm.bias`]: [32] }));
    expect(missing.code).toBe('E_MISSING_TENSORS');
    expect(missing.message).toContain('pooler.dense.weight');
    expect(missing.message).toContain('cls.predictions.bias');
    const shape = thrown(() => file.expect({ [`${prefix}embeddings.word_embeddings.weight`]: [30522, 768] }));
    expect(shape.code).toBe('E_SHAPE_MISMATCH');
    expect(shape.message).toContain('768');
    file.close();
  });
});

describe('dtypes', () => {
  it('F16 (normal, subnormal, max, infinity) and BF16 widen exactly', () => {
    const f16 = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3555]);
    const bf16 = new Uint16Array([0x3fc0, 0xbf00, 0x4049]);
    const f32 = new Float32Array([0.1, -3.5]);
    const path = writeSafetensors('dtypes.safetensors', [
      ['h', 'F16', [2, 3], new Uint8Array(f16.buffer)],
      ['b', 'BF16', [3], new Uint8Array(bf16.buffer)],
      ['f', 'F32', [2], new Uint8Array(f32.buffer)],
    ]);
    const file = SafetensorsFile.open(path);
    expect(Array.from(file.read('h'))).toEqual([1, -2, 65504, 2 ** -24, Number.POSITIVE_INFINITY, Math.fround(0.333251953125)]);
    expect(Array.from(file.read('b'))).toEqual([1.5, -0.5, 3.140625]);
    expect(Array.from(file.read('f'))).toEqual(Array.from(f32));
    expect(file.metadata).toEqual({ format: 'pt' });
    file.close();
  });
});

describe('damaged files', () => {
  const data = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);

  it('truncated data, truncated header, implausible header length, bad JSON, unsupported dtype, missing file', () => {
    const good = writeSafetensors('good.safetensors', [['t', 'F32', [4], data]]);
    const bytes = readFileSync(good);
    const cut = join(tmp, 'cut.safetensors');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 3));
    expect(thrown(() => SafetensorsFile.open(cut)).code).toBe('E_TRUNCATED');
    writeFileSync(cut, bytes.subarray(0, 20));
    expect(thrown(() => SafetensorsFile.open(cut)).code).toBe('E_TRUNCATED');
    writeFileSync(cut, bytes.subarray(0, 5));
    expect(thrown(() => SafetensorsFile.open(cut)).code).toBe('E_TRUNCATED');
    const garbage = Buffer.from(bytes);
    garbage.writeBigUInt64LE(2n ** 40n, 0);
    writeFileSync(cut, garbage);
    expect(thrown(() => SafetensorsFile.open(cut)).code).toBe('E_BAD_HEADER');
    const badJson = writeSafetensors('badjson.safetensors', [['t', 'F32', [4], data]], (h) => h.slice(0, -1) + ' ');
    expect(thrown(() => SafetensorsFile.open(badJson)).message).toContain('not valid JSON');
    const int64 = writeSafetensors('int64.safetensors', [['ids', 'I64', [2], data]]);
    const listed = SafetensorsFile.open(int64);
    expect(listed.names()).toEqual(['ids']);
    const dtype = thrown(() => listed.read('ids'));
    listed.close();
    expect(thrown(() => SafetensorsFile.open(writeSafetensors('u4.safetensors', [['x', 'U4', [2], data.subarray(0, 1)]]))).code).toBe('E_UNSUPPORTED_DTYPE');
    expect(dtype.code).toBe('E_UNSUPPORTED_DTYPE');
    expect(dtype.message).toContain('"ids"');
    const span = writeSafetensors('span.safetensors', [['t', 'F32', [5], data]]);
    expect(thrown(() => SafetensorsFile.open(span)).message).toContain('data_offsets');
    expect(thrown(() => SafetensorsFile.open(join(tmp, 'nope.safetensors'))).code).toBe('E_FILE_NOT_FOUND');
  });
});
