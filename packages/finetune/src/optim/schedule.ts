import { FinetuneError } from '../errors.js';

export type ScheduleKind = 'linear' | 'cosine' | 'constant';

export interface ScheduleOptions {
  /** Default 'linear' (the Trainer's default). */
  kind?: ScheduleKind;
  /** Peak learning rate. Default 5e-5 (the Trainer's default). */
  peak?: number;
  /** Total optimizer steps (the decay reaches 0 there). */
  totalSteps: number;
  /** Warmup steps; default 0 (or warmupRatio · totalSteps, rounded up, as the Trainer). */
  warmupSteps?: number;
  warmupRatio?: number;
}

/**
 * transformers' get_{linear,cosine,constant}_schedule_with_warmup as a function of the 0-based optimizer
 * step: the Trainer steps the optimizer with the current rate, then the scheduler, so step s uses lr(s)
 * (step 0 runs at 0 when there is warmup).
 */
export function learningRate(step: number, options: ScheduleOptions): number {
  const { kind = 'linear', peak = 5e-5, totalSteps } = options;
  if (!(totalSteps > 0)) throw new FinetuneError('E_INVALID_OPTION', `totalSteps must be > 0, got ${totalSteps}`);
  const warmup = options.warmupSteps ?? Math.ceil((options.warmupRatio ?? 0) * totalSteps);
  if (step < warmup) return (peak * step) / Math.max(1, warmup);
  if (kind === 'constant') return peak;
  const progress = (step - warmup) / Math.max(1, totalSteps - warmup);
  if (kind === 'linear') return peak * Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmup));
  if (kind === 'cosine') return peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
  throw new FinetuneError('E_INVALID_OPTION', `schedule kind must be linear, cosine or constant, got ${JSON.stringify(kind)}`);
}
