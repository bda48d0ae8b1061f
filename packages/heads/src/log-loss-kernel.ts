import type { FeatureMatrix } from './features.js';
import { HeadsError } from './errors.js';
import { LOG_LOSS_WASM } from './log-loss-wasm.js';

/** The WebAssembly kernels (src/wasm/log-loss.wat); offsets are bytes into the shared memory. */
export interface KernelExports {
  dot32(x: number, w: number, n: number): number;
  axpy32(g: number, r: number, x: number, n: number): void;
  dot64(x: number, w: number, n: number): number;
  axpy64(g: number, r: number, x: number, n: number): void;
}

let compiled: WebAssembly.Module | null = null;
export function kernelModule(): WebAssembly.Module {
  if (!compiled) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(LOG_LOSS_WASM, 'base64'));
    } catch (e) {
      throw new HeadsError('E_UNSUPPORTED', `this runtime cannot compile the WebAssembly SIMD loss kernel (${(e as Error).message}); Node 20 or newer is needed`);
    }
  }
  return compiled;
}

const align = (n: number) => Math.ceil(n / 16) * 16;

/**
 * One fit's shared WebAssembly memory: the feature rows (kept in their own precision), the parameters,
 * one gradient slot and one loss per thread. Every thread maps the same memory, so the rows exist once.
 */
export class LossMemory {
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  readonly f32: boolean;
  readonly paramsAt: number;
  readonly params: Float64Array;
  private readonly slotsAt: number;
  readonly lossesAt: number;

  constructor(x: FeatureMatrix, readonly n: number, readonly slots: number) {
    this.f32 = x.data instanceof Float32Array;
    const xBytes = x.data.byteLength;
    this.paramsAt = align(xBytes);
    this.slotsAt = align(this.paramsAt + n * 8);
    this.lossesAt = align(this.slotsAt + slots * align(n * 8));
    const bytes = this.lossesAt + slots * 8;
    const pages = Math.ceil(bytes / 65536);
    if (pages > 65536) throw new HeadsError('E_SHAPE', `X takes ${xBytes} bytes; the loss kernel addresses at most 4 GiB (use float32 features)`);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.exports = new WebAssembly.Instance(kernelModule(), { env: { memory: this.memory } }).exports as unknown as KernelExports;
    new Uint8Array(this.memory.buffer, 0, xBytes).set(new Uint8Array(x.data.buffer, x.data.byteOffset, xBytes));
    this.params = new Float64Array(this.memory.buffer, this.paramsAt, n);
  }

  slotAt(t: number): number {
    return this.slotsAt + t * align(this.n * 8);
  }

  slot(t: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.slotAt(t), this.n);
  }
}

/**
 * Unpenalised loss of rows [r0, r1) and its gradient, written into the slot at `gradAt` (zeroed first;
 * `gradient` is a view of it). It is self-contained (no imports, no outer variables) because worker
 * threads run it from its source text; the row arithmetic is the WebAssembly kernels'.
 */
export function partialLogLoss(
  k: KernelExports,
  f32: boolean,
  cols: number,
  y: Int32Array,
  sw: Float64Array,
  K: number,
  fitIntercept: boolean,
  paramsAt: number,
  params: Float64Array,
  gradAt: number,
  gradient: Float64Array,
  z: Float64Array,
  r0: number,
  r1: number,
): number {
  gradient.fill(0);
  let loss = 0;
  const b0 = K * cols;
  const rowBytes = cols * (f32 ? 4 : 8);
  for (let i = r0; i < r1; i++) {
    const row = i * rowBytes;
    const w = sw[i] as number;
    const label = y[i] as number;
    for (let c = 0; c < K; c++) {
      const dot = f32 ? k.dot32(row, paramsAt + c * cols * 8, cols) : k.dot64(row, paramsAt + c * cols * 8, cols);
      z[c] = (fitIntercept ? (params[b0 + c] as number) : 0) + dot;
    }
    if (K === 1) {
      const zi = z[0] as number;
      // log(1 + e^z) - y z, computed without overflow on either side.
      loss += w * ((zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi))) - label * zi);
      const p = zi >= 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi));
      const r = w * (p - label);
      if (f32) k.axpy32(gradAt, r, row, cols);
      else k.axpy64(gradAt, r, row, cols);
      if (fitIntercept) gradient[b0] = (gradient[b0] as number) + r;
    } else {
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < K; c++) max = Math.max(max, z[c] as number);
      let sum = 0;
      for (let c = 0; c < K; c++) sum += Math.exp((z[c] as number) - max);
      const logSum = max + Math.log(sum);
      loss += w * (logSum - (z[label] as number));
      for (let c = 0; c < K; c++) {
        const r = w * (Math.exp((z[c] as number) - logSum) - (c === label ? 1 : 0));
        if (f32) k.axpy32(gradAt + c * cols * 8, r, row, cols);
        else k.axpy64(gradAt + c * cols * 8, r, row, cols);
        if (fitIntercept) gradient[b0 + c] = (gradient[b0 + c] as number) + r;
      }
    }
  }
  return loss;
}
