import type { Example } from './data/length-grouped.js';
import { lengthGroupedBatches, padBatch, permutation } from './data/length-grouped.js';
import { SeededRandom } from '@bertkit/onnx-builder';
import { FinetuneError } from './errors.js';
import type { AdamWOptions } from './optim/adamw.js';
import { AdamW } from './optim/adamw.js';
import { clipGradNorm } from './optim/clip.js';
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
  /** Examples per micro-batch. Default 16. */
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
 * accumulation, clipping, AdamW and the schedule; parameters are updated in place in the session.
 */
export async function finetune(session: TrainingSession, examples: readonly Example[], options: FinetuneOptions = {}): Promise<StepInfo[]> {
  const { epochs = 1, batchSize = 16, gradientAccumulation: accumulate = 1, maxGradNorm = 1, seed = 42, groupByLength = true } = options;
  if (examples.length === 0) throw new FinetuneError('E_INVALID_OPTION', 'finetune: no examples');
  if (!(batchSize >= 1 && accumulate >= 1 && epochs >= 1)) throw new FinetuneError('E_INVALID_OPTION', `finetune: batchSize, gradientAccumulation and epochs must be >= 1 (got ${batchSize}, ${accumulate}, ${epochs})`);
  const stepsPerEpoch = Math.ceil(Math.ceil(examples.length / batchSize) / accumulate);
  const totalSteps = stepsPerEpoch * epochs;
  const optimizer = new AdamW(session.parameters, options.optimizer);
  // Without accumulation the session's own gradient buffers are used as they are (no extra pass).
  const sums = accumulate > 1 ? new Map([...session.gradients].map(([name, g]) => [name, new Float32Array(g.length)])) : session.gradients;
  const log: StepInfo[] = [];
  let step = 0;
  let micro = 0;
  const collate = options.collate ?? ((b: TrainBatch) => b);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const batches = epochBatches(examples.map((e) => e.ids.length), batchSize, seed, epoch, groupByLength);
    for (let first = 0; first < batches.length; first += accumulate) {
      const group = batches.slice(first, first + accumulate);
      const loss = await accumulateGradients(session, group.length, (k) => collate(padBatch(group[k]!.map((i) => examples[i]!), session.graph.task, undefined, session.graph.padId), micro++), sums === session.gradients ? null : sums);
      const gradNorm = maxGradNorm > 0 ? clipGradNorm(sums.values(), maxGradNorm) : Number.NaN;
      const lr = learningRate(step, { ...options.schedule, totalSteps });
      optimizer.step(sums, lr);
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
    for (const [name, s] of sums) {
      const g = session.gradients.get(name)!;
      for (let i = 0; i < g.length; i++) s[i]! += g[i]! * w;
    }
  }
  return loss;
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
