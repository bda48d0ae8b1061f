import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { CliError } from './cli-error.js';

/** Partial files of the writes in progress: removed if the process is interrupted. */
const pending = new Set<string>();

/** Removes every partial output (called on SIGINT / SIGTERM before exiting). */
export function removePartialOutputs(): void {
  for (const p of pending) rmSync(p, { force: true });
  pending.clear();
}

/**
 * An output file written under a temporary name and renamed into place only when complete, so an
 * interrupted or failed run never leaves a file that looks finished.
 */
export class AtomicFile {
  private readonly temp: string;
  private fd: number;

  constructor(readonly path: string) {
    this.temp = `${path}.partial-${process.pid}`;
    try {
      this.fd = openSync(this.temp, 'w');
    } catch (cause) {
      throw new CliError('E_OUTPUT', `cannot write ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
    }
    pending.add(this.temp);
  }

  write(data: string | Uint8Array): void {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let at = 0;
    while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at);
  }

  /** Overwrites bytes already written (the .npy header's row count, known only at the end). */
  writeAt(position: number, data: Uint8Array): void {
    let at = 0;
    while (at < data.length) at += writeSync(this.fd, data, at, data.length - at, position + at);
  }

  commit(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.temp, this.path);
    pending.delete(this.temp);
  }

  abort(): void {
    closeSync(this.fd);
    rmSync(this.temp, { force: true });
    pending.delete(this.temp);
  }
}

/**
 * Bytes of every .npy header bertkit writes. Fixed, so that a stream can write the header before it
 * knows the row count and patch it in place at the end (any row count up to 20 digits fits), and so
 * that the same matrix always gives the same bytes however it was written (streamed, merged, whole).
 */
export const NPY_HEADER_BYTES = 128;

/** NumPy .npy (format 1.0) header for a little-endian float32 C-order matrix, NPY_HEADER_BYTES long. */
export function npyHeader(rows: number, cols: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // Magic (6) + version (2) + length (2) + dict, padded with spaces and a newline to a multiple of 64.
  const total = Math.max(NPY_HEADER_BYTES, Math.ceil((10 + dict.length + 1) / 64) * 64);
  const header = Buffer.alloc(total, 0x20);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(total - 10, 8);
  header.write(dict, 10, 'latin1');
  header[total - 1] = 0x0a;
  return header;
}

/** Float32 values as little-endian bytes (this platform is little-endian; checked once here). */
export function float32Bytes(data: Float32Array): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new CliError('E_PLATFORM', 'big-endian platforms are not supported for binary outputs');
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
