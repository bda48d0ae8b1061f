import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NamedTensor } from '@bertkit/onnx-builder';
import { writeSafetensors } from '@bertkit/onnx-builder';
import { FinetuneError } from '../errors.js';

/** A file-system error as a one-line FinetuneError naming the path: E_DISK_FULL for a full disk or quota, E_IO otherwise. */
export function ioError(path: string, cause: unknown, doing = 'writing'): FinetuneError {
  if (cause instanceof FinetuneError) return cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new FinetuneError('E_DISK_FULL', `disk full while ${doing} ${path}`, { cause });
  return new FinetuneError('E_IO', `${doing} ${path} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}

/** fsync of a directory, so a rename inside it is durable; some file systems refuse it, which is harmless. */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes through a temporary name in the same directory, fsyncs, then renames over `path`: a reader sees
 * the old file or the whole new one, never half of it. On failure the temporary file is removed.
 */
function atomically(path: string, write: (temp: string) => void): void {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    write(temp);
    syncFile(temp);
    renameSync(temp, path);
  } catch (cause) {
    rmSync(temp, { force: true });
    throw ioError(path, cause);
  }
  syncDir(dirname(path));
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  atomically(path, (temp) => {
    const fd = openSync(temp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    } finally {
      closeSync(fd);
    }
  });
}

/** F32 tensors streamed to a .safetensors file (never concatenated in memory), atomically. */
export function writeSafetensorsAtomic(path: string, tensors: NamedTensor[], metadata: Record<string, string> = { format: 'pt' }): void {
  atomically(path, (temp) => writeSafetensors(temp, tensors, metadata));
}
