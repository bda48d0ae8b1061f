import type { Example } from './data/length-grouped.js';
import { lengthGroupedBatches, padBatch, permutation } from './data/length-grouped.js';
import { SeededRandom } from '@bertkit/onnx-builder';
import { FinetuneError } from './errors.js';
import type { AdamWOptions } from './optim/adamw.js';
import { AdamW } from './optim/adamw.js';
import { clipCoefficient, globalNorm } from './optim/clip.js';
import { TrainingMemory } from './optim/training-memory.js';
import { addScaled } from './optim/vector-ops.js';
import type { ScheduleOptions } from './optim/schedule.js';
import { learningRate } from './optim/schedule.js';
import type { TrainBatch } from './batch.js';
import type { TrainingSession } from './training-session.js';

export interface StepInfo {
  /** 0-based optimizer step. */
  step: number;
  totalSteps: number;
  epoch: number;
  /** Mean loss over the accumulated micro-batches. */
  loss: number;
  gradNorm: number;
  learningRate: number;
}

export interface FinetuneOptions {
  epochs?: number;
  /** Examples per micro-batch. Default 8, the Trainer's per_device_train_batch_size (and the CLI's). */
  batchSize?: number;
  /** Micro-batches per optimizer step (their gradients averaged). Default 1. */
  gradientAccumulation?: number;
  /** Schedule without totalSteps (computed from the data). Default linear, peak 5e-5, no warmup. */
  schedule?: Omit<ScheduleOptions, 'totalSteps'>;
  /** Global-norm clipping; default 1.0, 0 disables. */
  maxGradNorm?: number;
  optimizer?: AdamWOptions;
  /** Seed of the batch order. Default 42. */
  seed?: number;
  /** Group similar lengths per batch (LengthGroupedSampler); default true. */
  groupByLength?: boolean;
  onStep?: (info: StepInfo) => void | Promise<void>;
  /**
   * Turns each padded batch into what the session's task needs; for masked LM, e.g.
   * `(b, step) => maskTokens(b, { vocabSize, specialIds, seed: step })`. Default: the batch as padded.
   */
  collate?: (batch: TrainBatch, microStep: number) => TrainBatch;
}

/**
 * The Trainer's loop (sequence classification; masked LM with `collate`): seeded (length-grouped) batches, gradient
 * accumulation, clipping, AdamW and the schedule; parameters are updated in place in the session. When the
 * session's parameters and gradients are views of a TrainingMemory (TrainingMemory.forTraining), the moments
 * and accumulation sums go there too, if it has room, and the optimizer step runs as its SIMD kernels.
 */
export async function finetune(session: TrainingSession, examples: readonly Example[], options: FinetuneOptions = {}): Promise<StepInfo[]> {
  const { epochs = 1, batchSize = 8, gradientAccumulation: accumulate = 1, maxGradNorm = 1, seed = 42, groupByLength = true } = options;
  if (examples.length === 0) throw new FinetuneError('E_INVALID_OPTION', 'finetune: no examples');
  if (!(batchSize >= 1 && accumulate >= 1 && epochs >= 1)) throw new FinetuneError('E_INVALID_OPTION', `finetune: batchSize, gradientAccumulation and epochs must be >= 1 (got ${batchSize}, ${accumulate}, ${epochs})`);
  const stepsPerEpoch = Math.ceil(Math.ceil(examples.length / batchSize) / accumulate);
  const totalSteps = stepsPerEpoch * epochs;
  const memory = options.optimizer?.memory ?? memoryFor(session, accumulate > 1);
  const optimizer = new AdamW(session.parameters, { ...options.optimizer, memory });
  // Without accumulation the session's own gradient buffers are used as they are (no extra pass).
  const sumsIn = memory?.fits([...session.gradients.values()].map((g) => g.length)) ? memory : null;
  const sums = accumulate > 1 ? new Map([...session.gradients].map(([name, g]) => [name, sumsIn ? sumsIn.alloc(g.length) : new Float32Array(g.length)])) : session.gradients;
  const log: StepInfo[] = [];
  let step = 0;
  let micro = 0;
  const collate = options.collate ?? ((b: TrainBatch) => b);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const batches = epochBatches(examples.map((e) => e.ids.length), batchSize, seed, epoch, groupByLength);
    for (let first = 0; first < batches.length; first += accumulate) {
      const group = batches.slice(first, first + accumulate);
      const loss = await accumulateGradients(session, group.length, (k) => collate(padBatch(group[k]!.map((i) => examples[i]!), session.graph.task, undefined, session.graph.padId), micro++), sums === session.gradients ? null : sums);
      // Clipping folded into the update (gradScale): the same step as scaling the gradients first, one pass less.
      const gradNorm = maxGradNorm > 0 ? globalNorm(sums.values()) : Number.NaN;
      const lr = learningRate(step, { ...options.schedule, totalSteps });
      optimizer.step(sums, lr, { gradScale: maxGradNorm > 0 ? clipCoefficient(gradNorm, maxGradNorm) : 1 });
      const info = { step, totalSteps, epoch, loss, gradNorm, learningRate: lr };
      log.push(info);
      await options.onStep?.(info);
      step++;
    }
  }
  return log;
}

/**
 * Forward + backward over the `count` micro-batches of one optimizer step (made on demand by `batchAt`);
 * returns their mean loss. With `sums` the gradients are averaged into it (accumulation; only the names
 * `sums` holds); without, a single micro-batch's gradients stay in the session's buffers (no extra pass).
 */
export async function accumulateGradients(session: TrainingSession, count: number, batchAt: (k: number) => TrainBatch, sums: ReadonlyMap<string, Float32Array> | null): Promise<number> {
  if (sums) for (const s of sums.values()) s.fill(0);
  let loss = 0;
  const w = 1 / count;
  for (let k = 0; k < count; k++) {
    const result = await session.computeGradients(batchAt(k));
    loss += result.loss * w;
    if (!sums) continue;
    // SIMD (axpy) when the sums and the gradients are views of one TrainingMemory.
    for (const [name, s] of sums) addScaled(s, session.gradients.get(name)!, w);
  }
  return loss;
}

/**
 * The TrainingMemory holding the session's parameters and gradients, if it has room for the moments (and the
 * sums) besides; null otherwise, and then everything the optimizer adds is a plain array.
 */
function memoryFor(session: TrainingSession, accumulate: boolean): TrainingMemory | null {
  const first = session.parameters.values().next().value;
  const memory = first ? TrainingMemory.of(first) : null;
  if (!memory || ![...session.gradients.values()].every((g) => memory.owns(g))) return null;
  const lengths = [...session.parameters.values()].map((p) => p.length);
  return memory.fits([...lengths, ...lengths, ...(accumulate ? lengths : [])]) ? memory : null;
}

/** The batches (example indexes) of one epoch: seeded by seed + epoch, length-grouped or a plain shuffle. */
export function epochBatches(lengths: readonly number[], batchSize: number, seed: number, epoch: number, groupByLength = true): number[][] {
  return groupByLength ? lengthGroupedBatches(lengths, batchSize, seed + epoch) : chunk(permutation(lengths.length, new SeededRandom(seed + epoch)), batchSize);
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
