import type { StepInfo } from '../finetune.js';
import type { ScheduleKind } from '../optim/schedule.js';

/**
 * The contract between the high-level run (`trainModel`, packages/finetune/src/run/) and its callers
 * (the `bertkit finetune` / `bertkit pretrain` commands, library users). Keep it stable: the CLI is
 * written against it.
 */

/** What is trained: the Hugging Face head class that the output directory will hold. */
export type FinetuneTask = 'classify' | 'ner' | 'qa' | 'masked-lm';

/** transformers' `problem_type` for sequence classification. */
export type ProblemType = 'single_label_classification' | 'multi_label_classification' | 'regression';

/** One tokenized training example (ids include the special tokens, as the tokenizer's encode gives them). */
export interface TrainExample {
  ids: readonly number[];
  typeIds?: readonly number[];
  /** classify: the class index (single label) or the target value (regression). */
  label?: number;
  /** classify multi-label: one 0/1 per class. ner: one label id per token, -100 where ignored (special tokens, non-first subwords). */
  labels?: readonly number[];
  /** qa: token positions of the answer's first and last token; 0 and 0 ([CLS]) when the window has no answer. */
  start?: number;
  end?: number;
  /**
   * masked-lm with whole-word masking: token positions that continue the previous token's word beyond what
   * the vocabulary's "##" pieces say — transformers' `chinese_ref` (run_chinese_ref.py: the non-first
   * characters of each segmented Chinese word). Positions past the ids are ignored (truncation).
   */
  wordContinuations?: readonly number[];
}

export interface EvalInfo {
  epoch: number;
  step: number;
  /** Task metrics on the dev set: classify accuracy, f1 (macro) or mse/pearson; ner precision/recall/f1; qa exact/f1 on token spans; masked-lm loss, perplexity. Always `loss`. */
  metrics: Record<string, number>;
  /** Whether this evaluation is the best so far (by `metricForBestModel`). */
  best: boolean;
  /**
   * The dev predictions in dev order (absent for masked LM): classify single-label the class index, multi-label
   * 0/1 per class, regression the value; ner the label id at each labelled (non -100) position; qa [start, end].
   */
  predictions?: Predictions;
}

export type Predictions = ReadonlyArray<number | readonly number[]>;

export interface ProgressInfo extends StepInfo {
  /** Real (non-padding) tokens per second since the run (or the resume) started. */
  tokensPerSecond: number;
  /** Estimated seconds to the last step. */
  etaSeconds: number;
}

export interface TrainModelOptions {
  /** A model directory in Hugging Face layout: config.json, model.safetensors (or another format convert reads), tokenizer files. */
  model: string;
  task: FinetuneTask;
  /** classify only; default single_label_classification. */
  problemType?: ProblemType;
  /** id2label in order (classify, ner); required there, ignored for qa and masked-lm. */
  labelNames?: readonly string[];
  train: readonly TrainExample[];
  /** Evaluated at each epoch end (and every `evalEvery` steps when set). */
  dev?: readonly TrainExample[];
  /** The output directory (Hugging Face layout), created; checkpoints go to `<out>/checkpoint-<step>/`. */
  out: string;
  epochs?: number;
  /** Stop after this many optimizer steps (overrides epochs for the schedule, as the Trainer's max_steps). */
  maxSteps?: number;
  /** Examples per micro-batch. Default 8, the Trainer's per_device_train_batch_size (and the CLI's). */
  batchSize?: number;
  gradientAccumulation?: number;
  learningRate?: number;
  schedule?: ScheduleKind;
  warmupRatio?: number;
  warmupSteps?: number;
  weightDecay?: number;
  maxGradNorm?: number;
  seed?: number;
  groupByLength?: boolean;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Freeze the embedding tables / the first k encoder layers (no updates, no optimizer state). */
  freezeEmbeddings?: boolean;
  freezeLayers?: number;
  /** Save a checkpoint every this many optimizer steps (and always at each epoch end). Default 500. */
  checkpointEvery?: number;
  /** Checkpoints kept (oldest removed after a newer one is complete). Default 2. */
  keepCheckpoints?: number;
  /** Evaluate on `dev` every this many steps besides each epoch end (masked-lm pretraining uses it). */
  evalEvery?: number;
  /** Stop when the best metric has not improved for this many evaluations. */
  earlyStoppingPatience?: number;
  /** Default: accuracy (classify single-label), f1 (ner, qa), loss (regression, masked-lm); `loss` is minimized, others maximized. */
  metricForBestModel?: string;
  /** Resume from a checkpoint directory, or from the newest checkpoint in `out` when true. */
  resume?: string | boolean;
  /** Masked-LM collation (task masked-lm). */
  mlm?: { probability?: number; wholeWord?: boolean };
  /** Aborting saves a checkpoint, then trainModel rejects with FinetuneError code E_INTERRUPTED. */
  signal?: AbortSignal;
  onStep?: (info: ProgressInfo) => void | Promise<void>;
  onEvaluate?: (info: EvalInfo) => void | Promise<void>;
  onCheckpoint?: (info: { step: number; path: string }) => void | Promise<void>;
  /** Something the run went on despite, worth telling (e.g. a resume with another thread count). */
  onWarning?: (message: string) => void;
}

export interface TrainSummary {
  out: string;
  task: FinetuneTask;
  steps: number;
  epochs: number;
  /** The last evaluation's metrics (dev), or {} without dev. */
  metrics: Record<string, number>;
  /** The kept (best) model's evaluation when dev was given; the output directory holds that model. */
  best?: { step: number; metrics: Record<string, number>; predictions?: Predictions };
  /** The last evaluation's dev predictions (see EvalInfo.predictions). */
  predictions?: Predictions;
  /** Mean training loss of the last epoch. */
  trainLoss: number;
  tokensPerSecond: number;
  seconds: number;
  peakRssBytes: number;
  /** Set when early stopping ended the run. */
  stoppedEarly?: boolean;
  /** Parameters the input model did not have, initialised fresh as transformers does (the new head); absent on resume. */
  initialized?: string[];
}
