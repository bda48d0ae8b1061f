import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SafetensorsError } from './errors.js';
import { bf16ToF32Into, f16ToF32Into } from './half-float.js';

/** Float dtypes are readable (widened to F32); the others can be listed (e.g. a position_ids buffer) but not read. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range of the data in the file. */
  begin: number;
  end: number;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** A header larger than this is a corrupt length field, not a real header. */
const MAX_HEADER = 100 * 1024 * 1024;

/**
 * A .safetensors file opened for reading: the JSON header is parsed at once, tensor data is read on
 * demand straight into the returned Float32Array (one copy, never the whole file in memory).
 */
export class SafetensorsFile {
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  readonly metadata: Readonly<Record<string, string>>;
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
    tensors: Map<string, TensorEntry>,
    metadata: Record<string, string>,
  ) {
    this.fd = fd;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  static open(path: string): SafetensorsFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (cause) {
      throw new SafetensorsError('E_FILE_NOT_FOUND', path, `cannot open (${(cause as NodeJS.ErrnoException).code ?? cause})`, cause);
    }
    try {
      const size = fstatSync(fd).size;
      if (size < 8) throw new SafetensorsError('E_TRUNCATED', path, `${size} bytes: too short for the 8-byte header length`);
      const lengthBytes = Buffer.alloc(8);
      readSync(fd, lengthBytes, 0, 8, 0);
      const headerLength = Number(lengthBytes.readBigUInt64LE(0));
      if (headerLength > MAX_HEADER) throw new SafetensorsError('E_BAD_HEADER', path, `header length ${headerLength} is not plausible; not a safetensors file?`);
      if (8 + headerLength > size) throw new SafetensorsError('E_TRUNCATED', path, `header says ${headerLength} bytes but the file has ${size - 8} after the length`);
      const headerBytes = Buffer.alloc(headerLength);
      readSync(fd, headerBytes, 0, headerLength, 8);
      const { tensors, metadata } = parseHeader(headerBytes.toString('utf8'), path, 8 + headerLength, size);
      return new SafetensorsFile(path, fd, tensors, metadata);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  /** The tensor's values as float32 (F16 and BF16 are widened). */
  read(name: string): Float32Array {
    const entry = this.tensors.get(name);
    if (!entry) throw new SafetensorsError('E_MISSING_TENSORS', this.path, `no tensor named ${JSON.stringify(name)}`);
    if (this.fd === null) throw new Error(`${this.path}: file is closed`);
    if (entry.dtype !== 'F32' && entry.dtype !== 'F16' && entry.dtype !== 'BF16') {
      throw new SafetensorsError('E_UNSUPPORTED_DTYPE', this.path, `tensor ${JSON.stringify(name)} is ${entry.dtype}; only F32, F16 and BF16 tensors can be read as weights`);
    }
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(count);
    if (entry.dtype === 'F32') {
      this.readInto(new Uint8Array(out.buffer), entry.begin);
      return out;
    }
    const half = new Uint16Array(count);
    this.readInto(new Uint8Array(half.buffer), entry.begin);
    if (entry.dtype === 'F16') f16ToF32Into(half, out);
    else bf16ToF32Into(half, out);
    return out;
  }

  /**
   * Checks that every expected tensor exists with the expected shape; lists all that are missing or
   * mismatched in one error rather than the first.
   */
  expect(shapes: Record<string, readonly number[]>): void {
    const missing = Object.keys(shapes).filter((n) => !this.tensors.has(n));
    if (missing.length > 0) {
      throw new SafetensorsError('E_MISSING_TENSORS', this.path, `missing ${missing.length} tensor(s): ${missing.join(', ')}`);
    }
    const wrong = Object.entries(shapes)
      .filter(([n, shape]) => JSON.stringify(this.tensors.get(n)?.shape) !== JSON.stringify(shape))
      .map(([n, shape]) => `${n} is [${this.tensors.get(n)?.shape.join(', ')}], config.json implies [${shape.join(', ')}]`);
    if (wrong.length > 0) throw new SafetensorsError('E_SHAPE_MISMATCH', this.path, wrong.join('; '));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private readInto(target: Uint8Array, position: number): void {
    let done = 0;
    while (done < target.length) {
      const n = readSync(this.fd as number, target, done, target.length - done, position + done);
      if (n === 0) throw new SafetensorsError('E_TRUNCATED', this.path, `file ends inside tensor data at byte ${position + done}`);
      done += n;
    }
  }
}

function parseHeader(
  text: string,
  path: string,
  dataStart: number,
  fileSize: number,
): { tensors: Map<string, TensorEntry>; metadata: Record<string, string> } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SafetensorsError('E_BAD_HEADER', path, `header is not valid JSON (${(cause as Error).message})`, cause);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new SafetensorsError('E_BAD_HEADER', path, 'header must be a JSON object');
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const bad = (what: string) => new SafetensorsError('E_BAD_HEADER', path, `tensor ${JSON.stringify(name)}: ${what}`);
    if (typeof v !== 'object' || v === null) throw bad('entry must be an object');
    if (typeof v.dtype !== 'string' || !(v.dtype in BYTES)) {
      throw new SafetensorsError('E_UNSUPPORTED_DTYPE', path, `tensor ${JSON.stringify(name)} has unknown dtype ${JSON.stringify(v.dtype)}`);
    }
    const dtype = v.dtype as SafetensorsDtype;
    if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad('shape must be a list of non-negative integers');
    const offsets = v.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) throw bad('data_offsets must be [begin, end]');
    const [begin, end] = offsets as [number, number];
    const count = (v.shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * BYTES[dtype]) throw bad(`data_offsets span ${end - begin} bytes but shape [${v.shape.join(', ')}] of ${dtype} needs ${count * BYTES[dtype]}`);
    if (dataStart + end > fileSize) {
      throw new SafetensorsError('E_TRUNCATED', path, `tensor ${JSON.stringify(name)} ends at byte ${dataStart + end} but the file has ${fileSize}`);
    }
    tensors.set(name, { name, dtype, shape: v.shape as number[], begin: dataStart + begin, end: dataStart + end });
  }
  // A header that lies about offsets can make two tensors share bytes; weights read that way are garbage.
  const spans = [...tensors.values()].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    const [prev, next] = [spans[i - 1] as TensorEntry, spans[i] as TensorEntry];
    if (next.begin < prev.end && next.end > next.begin) {
      throw new SafetensorsError('E_BAD_HEADER', path, `tensors ${JSON.stringify(prev.name)} and ${JSON.stringify(next.name)} overlap (data_offsets lie about the layout)`);
    }
  }
  return { tensors, metadata };
}
