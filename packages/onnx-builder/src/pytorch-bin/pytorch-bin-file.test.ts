// The pytorch_model.bin reader against the shared torch.save checkpoint (its safetensors twin is the
// oracle), against hand-built archives for dtypes, strided views and zip variants, and against damage.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../safetensors.js';
import { SHARED } from '../testing/shared.js';
import { PytorchBinError, PytorchBinFile } from './index.js';
import { PickleWriter, stateDictPickle, torchCheckpoint } from './testing/torch-fixture.js';
import type { CheckpointFixture, FixtureTensor } from './testing/torch-fixture.js';
import { writeZip } from './testing/zip-writer.js';

const BIN = join(SHARED, 'models', 'legacy-bert-bin', 'pytorch_model.bin');
const SAFETENSORS = join(SHARED, 'models', 'legacy-bert', 'model.safetensors');
const tmp = mkdtempSync(join(tmpdir(), 'bertkit-ptbin-'));
let serial = 0;

function save(bytes: Uint8Array, name = `fixture-${serial++}.bin`): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

function checkpoint(tensors: FixtureTensor[], storages: Record<string, Uint8Array>, options: Omit<CheckpointFixture, 'pickle' | 'storages'> & { style?: 'protocol2' | 'protocol4' } = {}): string {
  return save(torchCheckpoint({ ...options, pickle: stateDictPickle(tensors, options.style), storages }));
}

function thrown(fn: () => unknown): PytorchBinError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PytorchBinError);
    return error as PytorchBinError;
  }
  throw new Error('expected an error');
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
/** Element i of a strided view, computed the slow obvious way (the oracle for the gather). */
function stridedValues(flat: ArrayLike<number>, offset: number, shape: number[], stride: number[]): number[] {
  const count = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, (_, i) => {
    let rest = i;
    let at = offset;
    for (let d = shape.length - 1; d >= 0; d--) {
      at += (rest % (shape[d] as number)) * (stride[d] as number);
      rest = Math.floor(rest / (shape[d] as number));
    }
    return flat[at] as number;
  });
}

describe('the shared legacy-bert-bin checkpoint (torch.save zip)', () => {
  it('every tensor equals the same tensor of legacy-bert/model.safetensors bit for bit', () => {
    const bin = PytorchBinFile.open(BIN);
    const st = SafetensorsFile.open(SAFETENSORS);
    try {
      expect(bin.archive).toBe('pytorch_model');
      expect(bin.version).toBe('3');
      // The tied MLM decoder weight is the one extra name; safetensors drops it, torch.save keeps it.
      expect(bin.names().filter((n) => !st.tensors.has(n))).toEqual(['cls.predictions.decoder.weight']);
      expect(st.names().filter((n) => !bin.tensors.has(n))).toEqual([]);
      for (const name of st.names()) {
        expect(bin.tensors.get(name)?.dtype, name).toBe(st.tensors.get(name)?.dtype);
        expect(bin.shape(name), name).toEqual(st.tensors.get(name)?.shape);
        expect(Buffer.from(bytesOf(bin.read(name))).equals(bytesOf(st.read(name))), name).toBe(true);
      }
      const decoder = bin.tensors.get('cls.predictions.decoder.weight');
      expect(decoder?.storage).toBe(bin.tensors.get('bert.embeddings.word_embeddings.weight')?.storage);
      expect(Buffer.from(bytesOf(bin.read('cls.predictions.decoder.weight'))).equals(bytesOf(st.read('bert.embeddings.word_embeddings.weight')))).toBe(true);
    } finally {
      bin.close();
      st.close();
    }
  });

  it('opens quickly and satisfies expect() like SafetensorsFile', () => {
    const started = performance.now();
    const bin = PytorchBinFile.open(BIN);
    const ms = performance.now() - started;
    try {
      expect(ms).toBeLessThan(1000);
      bin.expect({ 'bert.embeddings.word_embeddings.weight': [30522, 32], 'bert.embeddings.LayerNorm.gamma': [32] });
      expect(thrown(() => bin.expect({ 'bert.embeddings.LayerNorm.weight': [32] })).code).toBe('E_MISSING_TENSORS');
      const wrong = thrown(() => bin.expect({ 'bert.embeddings.LayerNorm.gamma': [33] }));
      expect(wrong.code).toBe('E_SHAPE_MISMATCH');
      expect(wrong.message).toContain('[32]');
    } finally {
      bin.close();
    }
  });
});

describe('hand-built archives', () => {
  const flat = Float32Array.from({ length: 12 }, (_, i) => i * 1.5 - 4);
  const views: Array<[string, number, number[], number[]]> = [
    ['contiguous', 0, [3, 4], [4, 1]],
    ['transposed', 0, [4, 3], [1, 4]],
    ['offset window', 5, [2, 2], [4, 1]],
    ['column', 1, [3], [4]],
    ['expanded (stride 0)', 0, [2, 3], [0, 1]],
    ['scalar', 7, [], []],
    ['empty', 3, [0, 3], [3, 1]],
    ['size-1 dim with any stride', 2, [1, 5], [99, 1]],
  ];

  it.each([
    ['F32', 'FloatStorage', 4],
    ['F64', 'DoubleStorage', 8],
    ['F16', 'HalfStorage', 2],
  ] as const)('strided views of a %s storage are copied to row-major', (dtype, storageType, size) => {
    // Values exactly representable in every dtype, so F16/F64 storages hold the same numbers.
    const stored = size === 8 ? bytesOf(Float64Array.from(flat)) : size === 4 ? bytesOf(flat) : bytesOf(Uint16Array.from(flat, f16Bits));
    const tensors = views.map(([name, offset, shape, stride]) => ({ name, storage: '0', storageType, storageNumel: 12, offset, shape, stride }));
    const file = PytorchBinFile.open(checkpoint(tensors, { '0': stored }));
    try {
      for (const [name, offset, shape, stride] of views) {
        expect(file.tensors.get(name)?.dtype).toBe(dtype);
        expect(Array.from(file.read(name)), name).toEqual(stridedValues(flat, offset, shape, stride));
      }
    } finally {
      file.close();
    }
  });

  it('views larger than one 64x64 copy tile, F32 and F64', () => {
    const big = Float64Array.from({ length: 3 * 70 * 130 }, (_, i) => i - 5000);
    const tiled: Array<[string, number, number[], number[]]> = [
      ['transposed', 0, [130, 70], [1, 130]],
      ['permuted 3d', 0, [3, 130, 70], [9100, 1, 130]],
      ['every other row', 130, [35, 130], [260, 1]],
      ['permuted 4d', 7, [2, 65, 3, 66], [1, 130, 9100, 2]],
    ];
    for (const [type, data] of [['FloatStorage', bytesOf(Float32Array.from(big))], ['DoubleStorage', bytesOf(big)]] as const) {
      const tensors = tiled.map(([name, offset, shape, stride]) => ({ name, storage: '0', storageType: type, storageNumel: big.length, offset, shape, stride }));
      const file = PytorchBinFile.open(checkpoint(tensors, { '0': data }));
      try {
        for (const [name, offset, shape, stride] of tiled) expect(Array.from(file.read(name)), `${type} ${name}`).toEqual(stridedValues(big, offset, shape, stride));
      } finally {
        file.close();
      }
    }
  });

  it('BF16 is widened, F64 rounded to nearest float32, integers only through readRaw', () => {
    const bf16 = Uint16Array.from([0x3f80, 0xc040, 0x7f80, 0x0001]);
    const f64 = Float64Array.from([0.1, -1e-30, 1e39, 3]);
    const i64 = BigInt64Array.from([0n, -5n, 2n ** 40n, -(2n ** 62n)]);
    const file = PytorchBinFile.open(
      checkpoint(
        [
          { name: 'bf16', storage: 'b', storageType: 'BFloat16Storage', storageNumel: 4, shape: [4] },
          { name: 'f64', storage: 'd', storageType: 'DoubleStorage', storageNumel: 4, shape: [2, 2], parameter: true },
          { name: 'ids', storage: 'l', storageType: 'LongStorage', storageNumel: 4, shape: [1, 4] },
        ],
        { b: bytesOf(bf16), d: bytesOf(f64), l: bytesOf(i64) },
      ),
    );
    try {
      expect(Array.from(file.read('bf16'))).toEqual([1, -3, Number.POSITIVE_INFINITY, 2 ** -133]);
      expect(Array.from(file.read('f64'))).toEqual(Array.from(f64, Math.fround));
      expect(file.readRaw('ids')).toEqual(i64);
      const refused = thrown(() => file.read('ids'));
      expect([refused.code, refused.tensor]).toEqual(['E_UNSUPPORTED_DTYPE', 'ids']);
    } finally {
      file.close();
    }
  });

  it('1-byte storages (U8, I8, BOOL) through readRaw, strided', () => {
    const raw = Uint8Array.from({ length: 12 }, (_, i) => (i * 37) & 0xff);
    const view = { storageNumel: 12, offset: 1, shape: [3, 3], stride: [1, 4] };
    const file = PytorchBinFile.open(
      checkpoint(
        [
          { name: 'u8', storage: '0', storageType: 'ByteStorage', ...view },
          { name: 'i8', storage: '0', storageType: 'CharStorage', ...view },
          { name: 'mask', storage: '0', storageType: 'BoolStorage', ...view },
        ],
        { '0': raw },
      ),
    );
    try {
      const want = stridedValues(raw, 1, [3, 3], [1, 4]);
      expect(Array.from(file.readRaw('u8') as Uint8Array)).toEqual(want);
      expect(Array.from(file.readRaw('i8') as Int8Array)).toEqual(want.map((v) => (v << 24) >> 24));
      expect([file.tensors.get('mask')?.dtype, thrown(() => file.read('mask')).code]).toEqual(['BOOL', 'E_UNSUPPORTED_DTYPE']);
    } finally {
      file.close();
    }
  });

  const small: FixtureTensor[] = [
    { name: 'w', storage: '0', storageType: 'FloatStorage', storageNumel: 12, shape: [3, 4] },
    { name: 'w_t', storage: '0', storageType: 'FloatStorage', storageNumel: 12, shape: [4, 3], stride: [1, 4] },
    { name: 'tied', storage: '0', storageType: 'FloatStorage', storageNumel: 12, shape: [3, 4], aliasOf: 'w' },
  ];
  it.each([
    ['protocol 4 opcodes, folder "archive"', { style: 'protocol4' as const }],
    ['zip64 records everywhere', { zip64: true }],
    ['deflated entries', { deflate: true }],
    ['another top folder name', { archive: 'checkpoint-1234' }],
  ])('%s', (_, options) => {
    const file = PytorchBinFile.open(checkpoint(small, { '0': bytesOf(flat) }, options));
    try {
      expect(file.names()).toEqual(['w', 'w_t', 'tied']);
      expect(Array.from(file.read('w'))).toEqual(Array.from(flat));
      expect(Array.from(file.read('tied'))).toEqual(Array.from(flat));
      expect(Array.from(file.read('w_t'))).toEqual(stridedValues(flat, 0, [4, 3], [1, 4]));
    } finally {
      file.close();
    }
  });

  it('a big-endian archive (byteorder "big") reads the same values', () => {
    const big = Buffer.from(bytesOf(Float32Array.from(flat))).swap32();
    const file = PytorchBinFile.open(checkpoint(small, { '0': big }, { byteorder: 'big' }));
    try {
      expect(file.byteorder).toBe('big');
      expect(Array.from(file.read('w_t'))).toEqual(stridedValues(flat, 0, [4, 3], [1, 4]));
    } finally {
      file.close();
    }
  });

  it('non-tensor state dict values are listed as ignored', () => {
    const pickle = stateDictPickle(small.slice(0, 1), 'protocol2', (w) => w.str('step').int(1234));
    const file = PytorchBinFile.open(save(torchCheckpoint({ pickle, storages: { '0': bytesOf(flat) } })));
    expect([file.names(), file.ignored]).toEqual([['w'], ['step']]);
    file.close();
  });
});

describe('bad input: typed errors naming the file and the tensor', () => {
  const real = readFileSync(BIN);
  const flat = new Float32Array(12);

  it.each([
    ['cut in half', 0.5],
    ['last 10 bytes missing', 10],
  ])('truncated (%s): E_TRUNCATED', (_, cut) => {
    const path = save(real.subarray(0, cut < 1 ? Math.floor(real.length * cut) : real.length - cut));
    const error = thrown(() => PytorchBinFile.open(path));
    expect(error.code).toBe('E_TRUNCATED');
    expect(error.message).toContain(path);
  });

  it('a storage entry cut short of its persistent id: E_STORAGE_TOO_SMALL naming the tensor', () => {
    const path = checkpoint([{ name: 'enc.weight', storage: '0', storageType: 'FloatStorage', storageNumel: 12, shape: [3, 4] }], { '0': new Uint8Array(40) });
    const error = thrown(() => PytorchBinFile.open(path));
    expect([error.code, error.tensor, error.file]).toEqual(['E_STORAGE_TOO_SMALL', 'enc.weight', path]);
    expect(error.message).toMatch(/enc\.weight.*40 bytes.*12 F32/);
  });

  it('a view reaching past its storage: E_STORAGE_TOO_SMALL naming the tensor', () => {
    const path = checkpoint([{ name: 'enc.bias', storage: '0', storageType: 'FloatStorage', storageNumel: 12, shape: [4, 4], offset: 1 }], { '0': bytesOf(flat) });
    const error = thrown(() => PytorchBinFile.open(path));
    expect([error.code, error.tensor]).toEqual(['E_STORAGE_TOO_SMALL', 'enc.bias']);
    expect(error.message).toContain('reaches element 16, storage 0 has 12');
  });

  it('a storage key with no zip entry: E_MISSING_ENTRY naming the tensor and the entry', () => {
    const path = checkpoint([{ name: 'pooler.dense.weight', storage: '7', storageType: 'FloatStorage', storageNumel: 12, shape: [12] }], { '0': bytesOf(flat) });
    const error = thrown(() => PytorchBinFile.open(path));
    expect([error.code, error.tensor]).toEqual(['E_MISSING_ENTRY', 'pooler.dense.weight']);
    expect(error.message).toContain('archive/data/7');
  });

  it('no data.pkl: E_MISSING_ENTRY', () => {
    const path = save(writeZip([{ name: 'archive/data/0', data: bytesOf(flat) }]));
    expect(thrown(() => PytorchBinFile.open(path)).code).toBe('E_MISSING_ENTRY');
  });

  it('legacy (torch < 1.6) non-zip format: E_UNSUPPORTED_CHECKPOINT saying how to re-save', () => {
    // What torch 1.5 wrote first: PROTO 2, then LONG1 of the magic number 0x1950a86a20f9469cfc6c.
    const legacy = Buffer.from('80028a0a6cfc9c46f9206aa850192e', 'hex');
    const error = thrown(() => PytorchBinFile.open(save(legacy)));
    expect(error.code).toBe('E_UNSUPPORTED_CHECKPOINT');
    expect(error.message).toMatch(/PyTorch < 1\.6.*re-save.*safetensors/);
  });

  it.each([
    ['a TorchScript archive', 'E_UNSUPPORTED_CHECKPOINT', writeZip([{ name: 'm/data.pkl', data: new PickleWriter().finish() }, { name: 'm/code/__torch__.py', data: Buffer.from('') }])],
    ['a pickle of a list, not a state dict', 'E_UNSUPPORTED_CHECKPOINT', torchCheckpoint({ pickle: Uint8Array.from([0x80, 2, 0x5d, 0x2e]), storages: {} })],
    ['a pickle cut short', 'E_BAD_PICKLE', torchCheckpoint({ pickle: stateDictPickle([{ name: 'w', storage: '0', storageType: 'FloatStorage', storageNumel: 1, shape: [1] }]).subarray(0, 60), storages: {} })],
    ['not a zip at all', 'E_BAD_ZIP', Buffer.from('hello, this is not a checkpoint')],
    ['an empty file', 'E_TRUNCATED', Buffer.alloc(0)],
  ] as const)('%s: %s', (_, code, bytes) => {
    expect(thrown(() => PytorchBinFile.open(save(bytes))).code).toBe(code);
  });

  it('a damaged data.pkl fails its CRC-32: E_BAD_ZIP', () => {
    const bytes = Buffer.from(real);
    bytes[0x60] = (bytes[0x60] as number) ^ 0xff; // inside data.pkl, which starts at 0x40
    expect(thrown(() => PytorchBinFile.open(save(bytes))).code).toBe('E_BAD_ZIP');
  });

  it('a missing file: E_FILE_NOT_FOUND', () => {
    expect(thrown(() => PytorchBinFile.open(join(tmp, 'nope.bin'))).code).toBe('E_FILE_NOT_FOUND');
  });
});

/** Float16 bits of a value exactly representable in half precision (the test values are). */
function f16Bits(value: number): number {
  if (value === 0) return Object.is(value, -0) ? 0x8000 : 0;
  const sign = value < 0 ? 0x8000 : 0;
  const exponent = Math.floor(Math.log2(Math.abs(value)));
  const fraction = Math.abs(value) / 2 ** exponent - 1;
  return sign | ((exponent + 15) << 10) | Math.round(fraction * 1024);
}
