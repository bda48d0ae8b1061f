import { SafetensorsError } from './errors.js';
import type { SafetensorsFile } from './safetensors.js';

/**
 * A checkpoint's tensors by name, whatever the file format: model.safetensors today, pytorch_model.bin
 * through the same interface (see checkpoint-files.ts).
 */
export interface TensorSource {
  /** The file the tensors come from, named in errors. */
  readonly file: string;
  names(): string[];
  /** The stored shape, or undefined when there is no such tensor. */
  shape(name: string): readonly number[] | undefined;
  /** The tensor's values as float32. */
  read(name: string): Float32Array;
  close(): void;
}

export function safetensorsSource(file: SafetensorsFile): TensorSource {
  return {
    file: file.path,
    names: () => file.names(),
    shape: (name) => file.tensors.get(name)?.shape,
    read: (name) => file.read(name),
    close: () => file.close(),
  };
}

/** Legacy names transformers renames on load, as [pattern, replacement] applied to each checkpoint key. */
export type Renames = ReadonlyArray<readonly [RegExp, string]>;

/**
 * A checkpoint seen through a family's names: legacy keys renamed (`LayerNorm.gamma` -> `.weight`), the
 * base model's prefix detected, every read recorded so that the unused tensors can be reported.
 */
export class CheckpointWeights {
  /** Canonical (renamed) name -> the name stored in the file. */
  private readonly stored = new Map<string, string>();
  private readonly used = new Set<string>();

  constructor(
    readonly source: TensorSource,
    renames: Renames,
  ) {
    for (const name of source.names()) {
      let canonical = name;
      for (const [pattern, replacement] of renames) canonical = canonical.replace(pattern, replacement);
      // A checkpoint holding both spellings keeps the modern one, as transformers would.
      if (!this.stored.has(canonical) || canonical === name) this.stored.set(canonical, name);
    }
  }

  get file(): string {
    return this.source.file;
  }

  has(name: string): boolean {
    return this.stored.has(name);
  }

  shape(name: string): readonly number[] | undefined {
    const stored = this.stored.get(name);
    return stored === undefined ? undefined : this.source.shape(stored);
  }

  read(name: string): Float32Array {
    const stored = this.stored.get(name);
    if (stored === undefined) throw new SafetensorsError('E_MISSING_TENSORS', this.file, `no tensor named ${JSON.stringify(name)}`);
    this.used.add(stored);
    return this.source.read(stored);
  }

  /** Every expected tensor exists with the expected shape; all missing or mismatched ones in one error. */
  expect(shapes: Record<string, readonly number[]>): void {
    const missing = Object.keys(shapes).filter((n) => !this.stored.has(n));
    if (missing.length > 0) throw new SafetensorsError('E_MISSING_TENSORS', this.file, `missing ${missing.length} tensor(s): ${missing.join(', ')}`);
    const wrong = Object.entries(shapes)
      .filter(([n, shape]) => JSON.stringify(this.shape(n)) !== JSON.stringify(shape))
      .map(([n, shape]) => `${this.stored.get(n)} is [${this.shape(n)?.join(', ')}], config.json implies [${shape.join(', ')}]`);
    if (wrong.length > 0) throw new SafetensorsError('E_SHAPE_MISMATCH', this.file, wrong.join('; '));
  }

  /** Stored names never read: heads and buffers the graph does not need. */
  unused(): string[] {
    return this.source.names().filter((n) => !this.used.has(n));
  }
}
