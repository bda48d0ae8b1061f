import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { bf16ToF32Into, f16ToF32Into } from '../half-float.js';
import type { SafetensorsDtype } from '../safetensors.js';
import { PytorchBinError } from './errors.js';
import { elementCount, gatherStrided, isContiguous, viewExtent } from './strided.js';
import { isTensorRef, resolveTorchGlobal, storageFromPersistentId } from './torch-globals.js';
import { PyDict, describe } from './pickle-values.js';
import { unpickle } from './unpickler.js';
import { ZipReader } from './zip-reader.js';

export interface PytorchTensorEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  /** In elements, as torch keeps them; a non-contiguous view is copied to row-major on read. */
  readonly stride: number[];
  readonly storageOffset: number;
  /** The storage's key in the archive (`<top>/data/<key>`); tied weights share one. */
  readonly storage: string;
}

/** A tensor's elements in its own dtype, row-major, little-endian; F16/BF16 as raw 16-bit patterns. */
export type RawTensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array;

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const ZIP_MAGIC = 0x04034b50;

/**
 * A `pytorch_model.bin` written by torch.save (PyTorch 1.6 and later: a zip of `data.pkl` and one entry
 * per storage). The pickle is run through an allowlisting unpickler at open, so a file naming any
 * global a state dict does not need is refused before anything else happens; tensor data is read on
 * demand, like SafetensorsFile, whose interface this mirrors (and the package's TensorSource:
 * file, names, shape, read, close).
 */
export class PytorchBinFile {
  readonly tensors: ReadonlyMap<string, PytorchTensorEntry>;
  /** State dict keys whose values are not tensors (e.g. a stored int), skipped. */
  readonly ignored: readonly string[];
  /** The archive's top folder (`archive`, `pytorch_model`, ...) and its `version` / `byteorder` records. */
  readonly archive: string;
  readonly version: string | undefined;
  readonly byteorder: 'little' | 'big';
  private fd: number | null;
  /** `archive/` or '' for a zip with data.pkl at its root. */
  private readonly prefix: string;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly zip: ZipReader,
    parts: { tensors: Map<string, PytorchTensorEntry>; ignored: string[]; archive: string; version: string | undefined; byteorder: 'little' | 'big' },
  ) {
    this.fd = fd;
    this.prefix = parts.archive === '' ? '' : `${parts.archive}/`;
    this.tensors = parts.tensors;
    this.ignored = parts.ignored;
    this.archive = parts.archive;
    this.version = parts.version;
    this.byteorder = parts.byteorder;
  }

  static open(path: string): PytorchBinFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (cause) {
      throw new PytorchBinError('E_FILE_NOT_FOUND', path, `cannot open (${(cause as NodeJS.ErrnoException).code ?? cause})`, { cause });
    }
    try {
      const size = fstatSync(fd).size;
      sniff(fd, size, path);
      const zip = ZipReader.open(fd, size, path);
      const archive = findArchive(zip, path);
      const text = (name: string) => (zip.entries.has(name) ? zip.readEntry(name).toString('utf8').trim() : undefined);
      const order = text(`${archive}byteorder`) ?? 'little';
      if (order !== 'little' && order !== 'big') throw new PytorchBinError('E_BAD_ZIP', path, `${archive}byteorder says ${JSON.stringify(order)}, expected little or big`);
      const root = unpickle(zip.readEntry(`${archive}data.pkl`), { file: path, resolveGlobal: resolveTorchGlobal, persistentLoad: storageFromPersistentId, acceptsBuild: isTensorRef });
      if (!(root instanceof PyDict)) throw new PytorchBinError('E_UNSUPPORTED_CHECKPOINT', path, `data.pkl holds a ${describe(root)}, not a state dict`);
      const tensors = new Map<string, PytorchTensorEntry>();
      const ignored: string[] = [];
      for (const [key, value] of root) {
        if (typeof key !== 'string') throw new PytorchBinError('E_BAD_PICKLE', path, `state dict key ${String(key)} is a ${describe(key)}, not a string`);
        if (!isTensorRef(value)) {
          ignored.push(key);
          continue;
        }
        const entry = `${archive}data/${value.storage.key}`;
        const stored = zip.entries.get(entry);
        const { dtype, numel, key: storage } = value.storage;
        if (!stored) throw new PytorchBinError('E_MISSING_ENTRY', path, `tensor ${key}: storage ${storage} has no zip entry ${entry}`, { tensor: key });
        if (stored.size < numel * BYTES[dtype]) {
          throw new PytorchBinError('E_STORAGE_TOO_SMALL', path, `tensor ${key}: ${entry} holds ${stored.size} bytes, its storage is ${numel} ${dtype} elements (${numel * BYTES[dtype]} bytes)`, { tensor: key });
        }
        const extent = value.offset + viewExtent(value.shape, value.stride);
        if (viewExtent(value.shape, value.stride) > 0 && extent > numel) {
          throw new PytorchBinError(
            'E_STORAGE_TOO_SMALL',
            path,
            `tensor ${key}: shape [${value.shape.join(', ')}] with stride [${value.stride.join(', ')}] at offset ${value.offset} reaches element ${extent - 1}, storage ${storage} has ${numel}`,
            { tensor: key },
          );
        }
        tensors.set(key, { name: key, dtype, shape: [...value.shape], stride: [...value.stride], storageOffset: value.offset, storage });
      }
      return new PytorchBinFile(path, fd, zip, { tensors, ignored, archive: archive.replace(/\/$/, ''), version: text(`${archive}version`) ?? text(`${archive}.data/version`), byteorder: order });
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  get file(): string {
    return this.path;
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  /** The stored shape, or undefined when there is no such tensor. */
  shape(name: string): readonly number[] | undefined {
    return this.tensors.get(name)?.shape;
  }

  /** The tensor's values as float32, row-major (F16 and BF16 widened, F64 rounded to nearest). */
  read(name: string): Float32Array {
    const entry = this.entry(name);
    if (entry.dtype !== 'F32' && entry.dtype !== 'F16' && entry.dtype !== 'BF16' && entry.dtype !== 'F64') {
      throw new PytorchBinError('E_UNSUPPORTED_DTYPE', this.path, `tensor ${JSON.stringify(name)} is ${entry.dtype}; only F32, F16, BF16 and F64 tensors can be read as weights (readRaw gives integers)`, { tensor: name });
    }
    const raw = this.readRaw(name);
    if (raw instanceof Float32Array) return raw;
    if (raw instanceof Float64Array) return Float32Array.from(raw);
    const out = new Float32Array(raw.length);
    if (entry.dtype === 'F16') f16ToF32Into(raw as Uint16Array, out);
    else bf16ToF32Into(raw as Uint16Array, out);
    return out;
  }

  /** The tensor in its stored dtype (I64 as BigInt64Array, F16/BF16 as Uint16Array bit patterns). */
  readRaw(name: string): RawTensorData {
    const entry = this.entry(name);
    if (this.fd === null) throw new Error(`${this.path}: file is closed`);
    const size = BYTES[entry.dtype];
    const zipEntry = `${this.prefix}data/${entry.storage}`;
    const out = new Uint8Array(elementCount(entry.shape) * size);
    if (out.length > 0) {
      if (isContiguous(entry.shape, entry.stride)) {
        this.zip.readRange(zipEntry, entry.storageOffset * size, out);
      } else {
        const span = new Uint8Array(viewExtent(entry.shape, entry.stride) * size);
        this.zip.readRange(zipEntry, entry.storageOffset * size, span);
        gatherStrided(span, size, entry.shape, entry.stride, out);
      }
    }
    if (this.byteorder === 'big' && size > 1) {
      const b = Buffer.from(out.buffer, out.byteOffset, out.length);
      if (size === 2) b.swap16();
      else if (size === 4) b.swap32();
      else b.swap64();
    }
    return typed(entry.dtype, out.buffer as ArrayBuffer);
  }

  /** Checks that every expected tensor exists with the expected shape; lists every problem at once. */
  expect(shapes: Record<string, readonly number[]>): void {
    const missing = Object.keys(shapes).filter((n) => !this.tensors.has(n));
    if (missing.length > 0) throw new PytorchBinError('E_MISSING_TENSORS', this.path, `missing ${missing.length} tensor(s): ${missing.join(', ')}`);
    const wrong = Object.entries(shapes)
      .filter(([n, shape]) => JSON.stringify(this.tensors.get(n)?.shape) !== JSON.stringify(shape))
      .map(([n, shape]) => `${n} is [${this.tensors.get(n)?.shape.join(', ')}], config.json implies [${shape.join(', ')}]`);
    if (wrong.length > 0) throw new PytorchBinError('E_SHAPE_MISMATCH', this.path, wrong.join('; '));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private entry(name: string): PytorchTensorEntry {
    const entry = this.tensors.get(name);
    if (!entry) throw new PytorchBinError('E_MISSING_TENSORS', this.path, `no tensor named ${JSON.stringify(name)}`, { tensor: name });
    return entry;
  }
}

function typed(dtype: SafetensorsDtype, buffer: ArrayBuffer): RawTensorData {
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer);
    case 'F64':
      return new Float64Array(buffer);
    case 'I64':
      return new BigInt64Array(buffer);
    case 'I32':
      return new Int32Array(buffer);
    case 'I16':
      return new Int16Array(buffer);
    case 'I8':
      return new Int8Array(buffer);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buffer);
    default:
      return new Uint8Array(buffer);
  }
}

/** Tells the formats a pytorch_model.bin may be in apart before treating it as a zip. */
function sniff(fd: number, size: number, path: string): void {
  const head = Buffer.alloc(Math.min(size, 512));
  readSync(fd, head, 0, head.length, 0);
  if (head.length >= 4 && head.readUInt32LE(0) === ZIP_MAGIC) return;
  const resave = 're-save it with PyTorch 1.6 or later (torch.save(torch.load(f), f)) or convert it to model.safetensors';
  if (head.length >= 2 && head[0] === 0x80 && (head[1] as number) <= 5) {
    // torch < 1.6 wrote a bare pickle stream starting with its magic number (LONG1 0x1950a86a20f9469cfc6c).
    const legacy = head[2] === 0x8a && head[3] === 0x0a;
    throw new PytorchBinError('E_UNSUPPORTED_CHECKPOINT', path, `${legacy ? 'legacy (PyTorch < 1.6) torch.save format' : 'a bare pickle, not a torch.save zip archive'}; ${resave}`);
  }
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') {
    throw new PytorchBinError('E_UNSUPPORTED_CHECKPOINT', path, `legacy tar-format torch.save checkpoint (PyTorch < 0.4); ${resave}`);
  }
  if (head.length >= 9 && head[8] === 0x7b) throw new PytorchBinError('E_UNSUPPORTED_CHECKPOINT', path, 'this looks like a safetensors file; open it with SafetensorsFile');
  if (size === 0) throw new PytorchBinError('E_TRUNCATED', path, 'file is empty');
  throw new PytorchBinError('E_BAD_ZIP', path, `not a torch.save zip archive (starts with ${head.subarray(0, 4).toString('hex')})`);
}

/** The archive's top folder prefix (`archive/`, `<name>/`) located by its data.pkl. */
function findArchive(zip: ZipReader, path: string): string {
  const pickles = [...zip.entries.keys()].filter((n) => /^([^/]+\/)?data\.pkl$/.test(n));
  if (pickles.length === 0) throw new PytorchBinError('E_MISSING_ENTRY', path, 'zip archive has no data.pkl: not a torch.save checkpoint');
  if (pickles.length > 1) throw new PytorchBinError('E_BAD_ZIP', path, `zip archive has ${pickles.length} data.pkl entries (${pickles.join(', ')})`);
  const archive = (pickles[0] as string).slice(0, -'data.pkl'.length);
  if (zip.entries.has(`${archive}constants.pkl`) || [...zip.entries.keys()].some((n) => n.startsWith(`${archive}code/`))) {
    throw new PytorchBinError('E_UNSUPPORTED_CHECKPOINT', path, 'this is a TorchScript archive (torch.jit.save), not a state dict saved by torch.save');
  }
  return archive;
}
