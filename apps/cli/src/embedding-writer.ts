import { CliError } from './cli-error.js';
import { AtomicFile, NPY_HEADER_BYTES, float32Bytes, npyHeader } from './outputs.js';

export type VectorFormat = 'npy' | 'f32' | 'jsonl';

/** The vector format an output path names, or null for an unknown extension. */
export function vectorFormat(path: string): VectorFormat | null {
  const m = /\.(npy|f32|jsonl)$/.exec(path);
  return m ? (m[1] as VectorFormat) : null;
}

/**
 * Writes embedding rows as they come: .jsonl and .f32 append; .npy writes its header with the row
 * count still unknown (fixed width) and patches it when the stream ends. A file is written under a
 * temporary name and renamed into place only by `finish`, so an interrupted run leaves nothing behind;
 * with no path, JSON lines go to stdout.
 */
export class EmbeddingWriter {
  readonly format: VectorFormat;
  private readonly file: AtomicFile | null;
  rows = 0;
  dim = -1;

  constructor(
    readonly path: string | null,
    /** Index of the first row in the whole input (a shard's start), used by JSON lines' `index`. */
    private readonly firstIndex = 0,
  ) {
    this.format = path ? (vectorFormat(path) ?? fail(path)) : 'jsonl';
    this.file = path ? new AtomicFile(path) : null;
    // The header's place, written for real once the width is known.
    if (this.file && this.format === 'npy') this.file.write(new Uint8Array(NPY_HEADER_BYTES));
  }

  /** Appends `rows` x `dim` row-major vectors. */
  write(data: Float32Array, rows: number, dim: number): void {
    if (rows === 0) return;
    if (this.dim === -1) this.dim = dim;
    else if (dim !== this.dim) throw new Error(`embedding width changed from ${this.dim} to ${dim} mid-stream`);
    if (this.format === 'jsonl') {
      const lines: string[] = [];
      for (let r = 0; r < rows; r++) {
        lines.push(JSON.stringify({ index: this.firstIndex + this.rows + r, embedding: Array.from(data.subarray(r * dim, (r + 1) * dim)) }));
        if (lines.length === 256) this.out(`${lines.splice(0).join('\n')}\n`);
      }
      if (lines.length) this.out(`${lines.join('\n')}\n`);
    } else this.file?.write(float32Bytes(data.subarray(0, rows * dim)));
    this.rows += rows;
  }

  private out(s: string): void {
    if (this.file) this.file.write(s);
    else process.stdout.write(s);
  }

  /** Completes the file (the .npy row count patched in) and renames it into place. */
  finish(): void {
    if (!this.file) return;
    if (this.format === 'npy') this.file.writeAt(0, npyHeader(this.rows, Math.max(this.dim, 0)));
    this.file.commit();
  }

  abort(): void {
    this.file?.abort();
  }
}

function fail(path: string): never {
  throw new CliError('E_USAGE', `--output must end in .npy, .f32 or .jsonl, got ${JSON.stringify(path)}`);
}
