import { Worker } from 'node:worker_threads';
import { HeadsError } from './errors.js';
import { LOG_LOSS_WASM } from './log-loss-wasm.js';
import { type LossMemory, partialLogLoss } from './log-loss-kernel.js';

// Slots of the shared control array.
const GEN = 0; // evaluation number; -1 ends the fit
const DONE = 1; // worker evaluations finished, cumulative
const READY = 2; // workers that have mapped the shared memory
const FAILED = 3; // set when a worker's evaluation threw

/** How long a fit waits for a worker before calling it lost (a healthy evaluation takes milliseconds). */
const STALL_MS = 60_000;

// The workers run the kernel from its own source text: one file serves tests on the TypeScript sources
// and the built package alike, with no second entry point to resolve at run time.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const partialLogLoss = (${partialLogLoss.toString()});
let module = null;
parentPort.on('message', (job) => {
  const ctrl = new Int32Array(job.ctrl);
  module = module ?? new WebAssembly.Module(job.wasm);
  const k = new WebAssembly.Instance(module, { env: { memory: job.memory } }).exports;
  const buffer = job.memory.buffer;
  const y = new Int32Array(job.y);
  const sw = new Float64Array(job.sw);
  const params = new Float64Array(buffer, job.paramsAt, job.n);
  const gradient = new Float64Array(buffer, job.slotAt, job.n);
  const loss = new Float64Array(buffer, job.lossAt, 1);
  const z = new Float64Array(job.K);
  let gen = 0;
  Atomics.add(ctrl, ${READY}, 1);
  Atomics.notify(ctrl, ${READY});
  for (;;) {
    Atomics.wait(ctrl, ${GEN}, gen);
    const next = Atomics.load(ctrl, ${GEN});
    if (next < 0) return;
    gen = next;
    try {
      loss[0] = partialLogLoss(k, job.f32, job.cols, y, sw, job.K, job.fitIntercept, job.paramsAt, params, job.slotAt, gradient, z, job.r0, job.r1);
    } catch {
      Atomics.store(ctrl, ${FAILED}, 1);
    }
    Atomics.add(ctrl, ${DONE}, 1);
    Atomics.notify(ctrl, ${DONE});
  }
});
`;

/** Idle workers kept between fits (a grid search runs dozens); unref'd so they never hold the process open. */
let pool: Worker[] = [];

function takeWorkers(count: number): Worker[] {
  while (pool.length < count) {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    w.on('error', () => {
      pool = pool.filter((p) => p !== w);
    });
    pool.push(w);
  }
  return pool.slice(0, count);
}

function shared<T extends Float64Array | Int32Array>(a: T): SharedArrayBuffer {
  if (a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a.buffer;
  const buffer = new SharedArrayBuffer(a.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return buffer;
}

/**
 * Rows of the loss split over worker threads, the calling thread taking the first share. The caller
 * blocks in Atomics.wait while the workers finish (fit is synchronous, as in scikit-learn), so each
 * evaluation costs one hand-off rather than a message round trip through the event loop.
 */
export class LossWorkers {
  private gen = 0;

  private constructor(
    readonly threads: number,
    readonly mainRows: [number, number],
    private readonly ctrl: Int32Array,
    private readonly memory: LossMemory,
  ) {}

  /** Maps the shared memory into `threads - 1` workers; null when they cannot start (the fit then runs here alone). */
  static start(memory: LossMemory, y: Int32Array, sw: Float64Array, K: number, fitIntercept: boolean, threads: number, rows: number, cols: number): LossWorkers | null {
    const cuts = Array.from({ length: threads + 1 }, (_, t) => Math.round((rows * t) / threads));
    const ctrl = new Int32Array(new SharedArrayBuffer(4 * 4));
    let workers: Worker[];
    try {
      workers = takeWorkers(threads - 1);
    } catch {
      return null;
    }
    const common = { ctrl: ctrl.buffer, wasm: WASM_BYTES, memory: memory.memory, f32: memory.f32, y: shared(y), sw: shared(sw), paramsAt: memory.paramsAt, n: memory.n, cols, K, fitIntercept };
    workers.forEach((w, i) => w.postMessage({ ...common, slotAt: memory.slotAt(i + 1), lossAt: memory.lossesAt + 8 * (i + 1), r0: cuts[i + 1], r1: cuts[i + 2] }));
    const self = new LossWorkers(threads, [0, cuts[1] as number], ctrl, memory);
    if (!self.waitFor(READY, threads - 1, 10_000)) {
      self.close();
      // Workers that never came up are dropped from the pool, not reused.
      for (const w of workers) void w.terminate();
      pool = pool.filter((p) => !workers.includes(p));
      return null;
    }
    return self;
  }

  /** Starts an evaluation at the parameters already in the shared memory; the caller then computes its share. */
  begin(): void {
    this.gen++;
    Atomics.store(this.ctrl, GEN, this.gen);
    Atomics.notify(this.ctrl, GEN);
  }

  /** Waits for the workers and adds their gradients into `gradient` in slot order; returns their loss. */
  collect(gradient: Float64Array): number {
    if (!this.waitFor(DONE, this.gen * (this.threads - 1), STALL_MS)) {
      throw new HeadsError('E_WORKER', `a loss worker thread stopped answering (${STALL_MS / 1000} s without progress)`);
    }
    if (Atomics.load(this.ctrl, FAILED) !== 0) throw new HeadsError('E_WORKER', 'a loss worker thread failed while evaluating the objective');
    const n = gradient.length;
    const losses = new Float64Array(this.memory.memory.buffer, this.memory.lossesAt, this.threads);
    let loss = 0;
    for (let t = 1; t < this.threads; t++) {
      const g = this.memory.slot(t);
      for (let j = 0; j < n; j++) gradient[j] = (gradient[j] as number) + (g[j] as number);
      loss += losses[t] as number;
    }
    return loss;
  }

  /** Ends the fit: the workers return to the pool. */
  close(): void {
    Atomics.store(this.ctrl, GEN, -1);
    Atomics.notify(this.ctrl, GEN);
  }

  private waitFor(slot: number, target: number, stallMs: number): boolean {
    for (;;) {
      const seen = Atomics.load(this.ctrl, slot);
      if (seen >= target) return true;
      if (Atomics.wait(this.ctrl, slot, seen, stallMs) === 'timed-out' && Atomics.load(this.ctrl, slot) === seen) return false;
    }
  }
}

const WASM_BYTES = Buffer.from(LOG_LOSS_WASM, 'base64');
