import { Worker } from 'node:worker_threads';
import { HeadsError } from './errors.js';
import type { FeatureMatrix } from './features.js';
import { partialLogLoss } from './log-loss-kernel.js';

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
parentPort.on('message', (job) => {
  const ctrl = new Int32Array(job.ctrl);
  const x = job.f32 ? new Float32Array(job.x) : new Float64Array(job.x);
  const y = new Int32Array(job.y);
  const sw = new Float64Array(job.sw);
  const params = new Float64Array(job.params);
  const n = params.length;
  const gradient = new Float64Array(job.out, job.slot * (n + 1) * 8, n);
  const loss = new Float64Array(job.out, (job.slot * (n + 1) + n) * 8, 1);
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
      loss[0] = partialLogLoss(x, job.cols, y, sw, job.K, job.fitIntercept, params, gradient, z, job.r0, job.r1);
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

function shared<T extends Float32Array | Float64Array | Int32Array>(a: T): SharedArrayBuffer {
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
  private readonly params: Float64Array;
  private readonly out: Float64Array;

  private constructor(
    readonly threads: number,
    readonly mainRows: [number, number],
    private readonly ctrl: Int32Array,
    paramsBuffer: SharedArrayBuffer,
    outBuffer: SharedArrayBuffer,
    private readonly workers: Worker[],
  ) {
    this.params = new Float64Array(paramsBuffer);
    this.out = new Float64Array(outBuffer);
  }

  /** Maps the data into `threads - 1` workers; null when they cannot start (the fit then runs here alone). */
  static start(x: FeatureMatrix, y: Int32Array, sw: Float64Array, K: number, fitIntercept: boolean, threads: number): LossWorkers | null {
    const n = K * (x.cols + 1);
    const cuts = Array.from({ length: threads + 1 }, (_, t) => Math.round((x.rows * t) / threads));
    const ctrl = new Int32Array(new SharedArrayBuffer(4 * 4));
    const paramsBuffer = new SharedArrayBuffer(n * 8);
    const outBuffer = new SharedArrayBuffer((threads - 1) * (n + 1) * 8);
    let workers: Worker[];
    try {
      workers = takeWorkers(threads - 1);
    } catch {
      return null;
    }
    const common = { ctrl: ctrl.buffer, x: shared(x.data), f32: x.data instanceof Float32Array, y: shared(y), sw: shared(sw), params: paramsBuffer, out: outBuffer, cols: x.cols, K, fitIntercept };
    workers.forEach((w, slot) => w.postMessage({ ...common, slot, r0: cuts[slot + 1], r1: cuts[slot + 2] }));
    const self = new LossWorkers(threads, [0, cuts[1] as number], ctrl, paramsBuffer, outBuffer, workers);
    if (!self.waitFor(READY, threads - 1, 10_000)) {
      self.close();
      // Workers that never came up are dropped from the pool, not reused.
      for (const w of workers) void w.terminate();
      pool = pool.filter((p) => !workers.includes(p));
      return null;
    }
    return self;
  }

  /** Hands `params` to the workers; the caller then computes its own share. */
  begin(params: Float64Array): void {
    this.params.set(params);
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
    let loss = 0;
    for (let slot = 0; slot < this.threads - 1; slot++) {
      const base = slot * (n + 1);
      for (let j = 0; j < n; j++) gradient[j] = (gradient[j] as number) + (this.out[base + j] as number);
      loss += this.out[base + n] as number;
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
