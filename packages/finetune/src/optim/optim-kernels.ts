import { OPTIM_WASM } from './optim-wasm.js';

/**
 * The kernels of wasm/optim.wat. Pointers are byte offsets into the memory they were instantiated with
 * (a Float32Array view's byteOffset), `n` counts float32 values, scalars are rounded to float32 inside.
 */
export interface OptimKernels {
  /** torch.optim.AdamW's update of one tensor in place, the gradient multiplied by `gradScale` first. */
  adamw(p: number, g: number, m: number, v: number, n: number, beta1: number, beta2: number, eps: number, keep: number, stepSize: number, invSqrtBiasCorrection2: number, gradScale: number): void;
  /** Σ x², accumulated in float64. */
  sumsq(x: number, n: number): number;
  /** x ← x·c in float32. */
  scale(x: number, n: number, c: number): void;
  /** dst ← dst + w·src in float32. */
  axpy(dst: number, src: number, n: number, w: number): void;
}

/** A WebAssembly.Memory as used here: never grown, so `buffer` stays the same ArrayBuffer. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/*
 * The slice of the WebAssembly JS API this file uses, typed here: TypeScript's ES libs leave WebAssembly to
 * lib.dom, which a Node package should not pull in, and a global declaration would clash with the one
 * @bertkit/heads carries in the workspace-wide typecheck.
 */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | null = null;

/** Compiles the module once per process; throws where WebAssembly SIMD is missing (Node < 16.4). */
function kernelModule(): object {
  compiled ??= new wasm.Module(Buffer.from(OPTIM_WASM, 'base64'));
  return compiled;
}

/** A non-shared memory of exactly `pages` 64 KiB pages (onnxruntime-node refuses SharedArrayBuffer views). */
export function newWasmMemory(pages: number): WasmMemory {
  return new wasm.Memory({ initial: pages, maximum: pages });
}

/**
 * The kernels bound to `memory`, as a plain object (the instance's own exports object is frozen, and tests
 * watch these calls to prove the fast path is taken).
 */
export function instantiateKernels(memory: WasmMemory): OptimKernels {
  const exports = new wasm.Instance(kernelModule(), { env: { memory } }).exports as unknown as OptimKernels;
  return { adamw: exports.adamw, sumsq: exports.sumsq, scale: exports.scale, axpy: exports.axpy };
}
