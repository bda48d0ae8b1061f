import type { FeatureMatrix } from './features.js';
import { LossMemory, partialLogLoss } from './log-loss-kernel.js';
import { LossWorkers } from './loss-workers.js';

export interface LossObjective {
  /** Writes the gradient at `params` into `gradient` and returns the objective. */
  evaluate(params: Float64Array, gradient: Float64Array): number;
  /** Threads the evaluation runs on (1: this thread only). */
  threads: number;
  /** Releases the worker threads for the next fit. */
  close(): void;
}

/** Multiply-adds per evaluation below which threads cost more (hand-off ~50 us) than they save. */
const PARALLEL_WORK = 2_000_000;

/**
 * The L2-penalised log loss of a linear model and its gradient, scikit-learn's objective for
 * solver='lbfgs': sum_i sw_i * loss_i + ||W||^2 / (2C), intercepts unpenalised. Parameters are laid out
 * as K rows of `cols` weights followed by K intercepts (K = 1 for the binary, sigmoid case). The rows go
 * through WebAssembly SIMD kernels; large problems split them over `threads` threads sharing one
 * memory, and the partial sums are added in a fixed order, so a fit is reproducible for a thread count.
 */
export function logLossObjective(x: FeatureMatrix, y: Int32Array, sampleWeight: Float64Array, classes: number, C: number, fitIntercept: boolean, threads = 1): LossObjective {
  const { rows, cols } = x;
  const K = classes === 2 ? 1 : classes;
  const n = K * (cols + 1);
  const z = new Float64Array(K);
  const wanted = Math.min(threads, Math.floor(rows / 64));
  const parallel = wanted > 1 && rows * cols * K >= PARALLEL_WORK;
  const memory = new LossMemory(x, n, parallel ? wanted : 1);
  const workers = parallel ? LossWorkers.start(memory, y, sampleWeight, K, fitIntercept, wanted, rows, cols) : null;
  const mine = workers ? workers.mainRows : [0, rows];
  const slot = memory.slot(0);
  return {
    threads: workers ? workers.threads : 1,
    evaluate(params: Float64Array, gradient: Float64Array): number {
      memory.params.set(params);
      workers?.begin();
      let loss = partialLogLoss(memory.exports, memory.f32, cols, y, sampleWeight, K, fitIntercept, memory.paramsAt, memory.params, memory.slotAt(0), slot, z, mine[0] as number, mine[1] as number);
      gradient.set(slot);
      if (workers) loss += workers.collect(gradient);
      let penalty = 0;
      for (let j = 0; j < K * cols; j++) {
        const w = params[j] as number;
        penalty += w * w;
        gradient[j] = (gradient[j] as number) + w / C;
      }
      return loss + penalty / (2 * C);
    },
    close(): void {
      workers?.close();
    },
  };
}
