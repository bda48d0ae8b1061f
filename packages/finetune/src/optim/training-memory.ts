import { FinetuneError } from '../errors.js';
import type { OptimKernels, WasmMemory } from './optim-kernels.js';
import { instantiateKernels, newWasmMemory } from './optim-kernels.js';

/** 64 bytes: every array starts on its own cache line (and on a 16-byte SIMD boundary). */
const ALIGN = 64;
const PAGE = 65536;
/** wasm32 addresses at most 4 GiB (65536 pages). */
const MAX_PAGES = 65536;
/** Pre-touch stride: one write per 4 KiB page faults it in. */
const OS_PAGE = 4096;

const aligned = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN;

/** A TrainingMemory asked for more than it holds or can hold (a FinetuneError with code E_MEMORY_CAPACITY). */
export class TrainingMemoryError extends FinetuneError {
  constructor(message: string) {
    super('E_MEMORY_CAPACITY', message);
    this.name = 'TrainingMemoryError';
  }
}

/** What a training run keeps in a TrainingMemory (see TrainingMemory.forTraining). */
export interface TrainingLayout {
  /** Copied in; the returned views replace them. */
  parameters: ReadonlyMap<string, Float32Array>;
  /** Names the optimizer updates: room for their two moments (allocated by AdamW). Default: all. */
  trainable?: Iterable<string>;
  /** Room for gradient-accumulation sums of the trainable names too (allocated by the training loop). */
  accumulate?: boolean;
}

/** A run's parameters and gradient buffers, by parameter name: views into one TrainingMemory, or plain arrays. */
export interface TrainingViews {
  /**
   * The memory they live in; null when the run does not fit one (beyond wasm32's 4 GiB, e.g. BERT-large, or
   * no WebAssembly SIMD): then they are plain Float32Arrays and the optimizer steps with its JS loops.
   * Either way, pass it on as AdamW's `memory`.
   */
  memory: TrainingMemory | null;
  /** Copies of the layout's parameters. */
  parameters: Map<string, Float32Array>;
  /** One zeroed buffer per parameter, for TrainingSession.create's `gradients`. */
  gradients: Map<string, Float32Array>;
}

const owners = new WeakMap<ArrayBuffer, TrainingMemory>();

/**
 * One non-shared WebAssembly memory holding a run's float32 arrays (parameters, gradients, moments, sums) as
 * 64-byte-aligned Float32Array views, with the SIMD kernels of the optimizer step bound to it. onnxruntime
 * reads the parameters and writes the gradients in these views in place; AdamW, clipping and accumulation
 * run on them as WebAssembly (optim-kernels.ts). The capacity is fixed at construction: growing a memory
 * detaches every view of it, so it never grows. All pages are written once on creation, so the first
 * optimizer step does not pay the page faults (~0.8 s for DistilBERT's 1 GB).
 */
export class TrainingMemory {
  /** What wasm32 can address. */
  static readonly MAX_BYTES = MAX_PAGES * PAGE;
  readonly kernels: OptimKernels;
  readonly buffer: ArrayBuffer;
  /** Bytes that can be allocated in all. */
  readonly capacity: number;
  private readonly memory: WasmMemory;
  private next = 0;

  private constructor(capacity: number) {
    this.capacity = capacity;
    this.memory = newWasmMemory(Math.max(1, Math.ceil(capacity / PAGE)));
    this.buffer = this.memory.buffer;
    this.kernels = instantiateKernels(this.memory);
    const words = new Int32Array(this.buffer);
    for (let i = 0; i < words.length; i += OS_PAGE / 4) words[i] = 0;
    owners.set(this.buffer, this);
  }

  /** Bytes that `lengths` float32 arrays take, each starting aligned. */
  static bytesFor(lengths: Iterable<number>): number {
    let bytes = 0;
    for (const n of lengths) bytes += aligned(n * 4);
    return bytes;
  }

  /** A memory for `bytes` bytes of arrays (see bytesFor). Throws TrainingMemoryError beyond 4 GiB. */
  static create(bytes: number): TrainingMemory {
    if (!(Number.isSafeInteger(bytes) && bytes >= 0)) throw new TrainingMemoryError(`TrainingMemory: capacity must be a whole number of bytes, got ${bytes}`);
    const capacity = aligned(bytes);
    if (capacity > TrainingMemory.MAX_BYTES) throw new TrainingMemoryError(`TrainingMemory: ${capacity} bytes asked, WebAssembly (wasm32) addresses at most ${TrainingMemory.MAX_BYTES}`);
    return new TrainingMemory(capacity);
  }

  /**
   * create, or null when the memory cannot be had: more than 4 GiB, the allocation refused, or a runtime
   * without WebAssembly SIMD. Callers then keep plain Float32Arrays (and the JS loops).
   */
  static tryCreate(bytes: number): TrainingMemory | null {
    if (!(aligned(bytes) <= TrainingMemory.MAX_BYTES)) return null;
    try {
      return TrainingMemory.create(bytes);
    } catch {
      return null;
    }
  }

  /** The TrainingMemory `array` is a view of, if any. */
  static of(array: Float32Array): TrainingMemory | null {
    return owners.get(array.buffer as ArrayBuffer) ?? null;
  }

  /**
   * Bytes a training run takes in a memory: the parameters, a gradient buffer per parameter, and the two
   * AdamW moments of every trainable one, with `accumulate` their accumulation sums too.
   */
  static bytesForTraining(layout: TrainingLayout): number {
    const { parameters } = layout;
    const trainable = [...(layout.trainable ?? parameters.keys())];
    const lengthOf = (name: string) => {
      const p = parameters.get(name);
      if (!p) throw new TrainingMemoryError(`TrainingMemory: trainable ${name} is not among the parameters`);
      return p.length;
    };
    const all = [...parameters.values()].map((p) => p.length);
    const perTrainable = trainable.map(lengthOf);
    return 2 * TrainingMemory.bytesFor(all) + (2 + (layout.accumulate ? 1 : 0)) * TrainingMemory.bytesFor(perTrainable);
  }

  /**
   * A training run's parameters (copied in) and gradient buffers, in a memory sized by bytesForTraining:
   * `new AdamW(..., { memory })` then allocates the moments there, finetune and trainModel the accumulation
   * sums, and the optimizer step runs as the SIMD kernels. When no such memory can be had (`memory` null),
   * the same views are plain arrays, so callers never branch.
   */
  static forTraining(layout: TrainingLayout): TrainingViews {
    const { parameters } = layout;
    const memory = TrainingMemory.tryCreate(TrainingMemory.bytesForTraining(layout));
    const copy = (p: Float32Array) => (memory ? memory.copyOf(p) : p.slice());
    const zeros = (length: number) => (memory ? memory.alloc(length) : new Float32Array(length));
    return {
      memory,
      parameters: new Map([...parameters].map(([name, p]) => [name, copy(p)])),
      gradients: new Map([...parameters].map(([name, p]) => [name, zeros(p.length)])),
    };
  }

  /** Bytes allocated so far. */
  get used(): number {
    return this.next;
  }

  /** Bytes left. */
  get available(): number {
    return this.capacity - this.next;
  }

  /** Whether arrays of these lengths can still be allocated. */
  fits(lengths: Iterable<number>): boolean {
    return TrainingMemory.bytesFor(lengths) <= this.available;
  }

  /** Whether `array` is a view of this memory (the kernels can work on it). */
  owns(array: Float32Array): boolean {
    return array.buffer === this.buffer;
  }

  /** A zero-filled, 64-byte-aligned view of `length` floats; TrainingMemoryError when the capacity is exceeded. */
  alloc(length: number): Float32Array {
    if (!(Number.isSafeInteger(length) && length >= 0)) throw new TrainingMemoryError(`TrainingMemory: length must be a whole number >= 0, got ${length}`);
    const bytes = aligned(length * 4);
    if (bytes > this.available) throw new TrainingMemoryError(`TrainingMemory: ${length} floats (${bytes} bytes) do not fit: ${this.available} of ${this.capacity} bytes left`);
    const view = new Float32Array(this.buffer, this.next, length);
    this.next += bytes;
    return view;
  }

  /** A view holding a copy of `source`. */
  copyOf(source: Float32Array): Float32Array {
    const view = this.alloc(source.length);
    view.set(source);
    return view;
  }
}
