import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EvalInfo, ProgressInfo, TrainModelOptions, TrainSummary } from '@bertkit/finetune';
import { cachedSnapshot } from '@bertkit/hub';
import { HUB_ID } from './hub.js';
import { type ParseArgsConfig } from 'node:util';
import { type Parsed, flag, int, num, oneOf, str } from './args.js';
import { CliError } from './cli-error.js';
import { InterruptedError, claimInterrupt } from './interrupt.js';
import { type ProgressMode, formatBytes, formatSeconds } from './progress.js';

/** Options of `finetune` and `pretrain` that configure the run itself (optimizer, schedule, checkpoints, output). */
export const RUN_OPTIONS = {
  model: { type: 'string' },
  out: { type: 'string' },
  epochs: { type: 'string' },
  'max-steps': { type: 'string' },
  lr: { type: 'string' },
  batch: { type: 'string' },
  accumulate: { type: 'string' },
  'warmup-ratio': { type: 'string' },
  'warmup-steps': { type: 'string' },
  'weight-decay': { type: 'string' },
  schedule: { type: 'string' },
  'max-grad-norm': { type: 'string' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  'max-length': { type: 'string' },
  'freeze-embeddings': { type: 'boolean' },
  'freeze-layers': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'keep-checkpoints': { type: 'string' },
  'eval-every': { type: 'string' },
  'early-stopping': { type: 'string' },
  metric: { type: 'string' },
  resume: { type: 'string' },
  'no-group-by-length': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  progress: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const RUN_USAGE = `  --epochs <n>             passes over the training data (default 3)
  --max-steps <n>          stop after n optimizer steps (the schedule ends there; overrides --epochs)
  --lr <x>                 peak learning rate (default 5e-5, the Trainer's)
  --batch <n>              examples per micro-batch (default 8, the Trainer's)
  --accumulate <n>         micro-batches per optimizer step (default 1)
  --schedule <s>           linear | cosine | constant, after warmup (default linear)
  --warmup-ratio <x>, --warmup-steps <n>   linear warmup (default none)
  --weight-decay <x>       AdamW decoupled decay, not on biases and LayerNorm weights (default 0.01)
  --max-grad-norm <x>      global-norm clipping, 0 disables (default 1)
  --seed <n>               shuffling, dropout, initialisation of new heads, masking (default 42)
  --threads <n>            onnxruntime threads (default: all cores)
  --freeze-embeddings      do not train the embedding tables
  --freeze-layers <k>      do not train the first k encoder layers
  --no-group-by-length     shuffle freely instead of batching similar lengths together
  --checkpoint-every <n>   save <out>/checkpoint-<step> every n steps and at each epoch end (default 500)
  --keep-checkpoints <n>   checkpoints kept, oldest removed (default 2)
  --eval-every <n>         evaluate every n steps besides each epoch end
  --early-stopping <p>     stop when the best metric has not improved for p evaluations
  --metric <name>          metric that picks the kept model (default accuracy, f1, or loss)
  --resume [<dir>]         continue from a checkpoint directory, or the newest one in --out
  --progress <m>           bar | json | none (default: bar on a terminal, else a line a minute;
                           BERTKIT_PROGRESS=0 silences it)
  --quiet                  no progress and no evaluation lines (errors only)
  --json                   the run's summary as one JSON object on stdout
  Ctrl-C / SIGTERM: the current step finishes, a checkpoint is saved, exit 130 (again: quit at once).`;

/**
 * "--resume" may stand alone (the newest checkpoint in --out): parseArgs wants a value for a string
 * option, so a bare one becomes "--resume=" (empty: true).
 */
export function bareResume(argv: readonly string[]): string[] {
  return argv.map((a, i) => (a === '--resume' && (i === argv.length - 1 || (argv[i + 1] as string).startsWith('--')) ? '--resume=' : a));
}

const positive = (p: Parsed, name: string): number | undefined => {
  if (str(p, name) === undefined) return undefined;
  const v = num(p, name, 0);
  if (!(v > 0)) throw new CliError('E_USAGE', `--${name} must be positive, got ${v}`);
  return v;
};
const nonNegative = (p: Parsed, name: string): number | undefined => {
  if (str(p, name) === undefined) return undefined;
  const v = num(p, name, 0);
  if (!(v >= 0)) throw new CliError('E_USAGE', `--${name} must be >= 0, got ${v}`);
  return v;
};
const count = (p: Parsed, name: string, min = 1): number | undefined => (str(p, name) === undefined ? undefined : int(p, name, 0, min));

/** The run options the shared flags give (undefined where the library's default applies). */
export function runOptions(p: Parsed): Omit<TrainModelOptions, 'model' | 'task' | 'train' | 'out'> {
  const warmupRatio = nonNegative(p, 'warmup-ratio');
  if (warmupRatio !== undefined && warmupRatio >= 1) throw new CliError('E_USAGE', `--warmup-ratio must be below 1, got ${warmupRatio}`);
  const resume = str(p, 'resume');
  const options: Omit<TrainModelOptions, 'model' | 'task' | 'train' | 'out'> = {
    epochs: positive(p, 'epochs') ?? 3,
    maxSteps: count(p, 'max-steps'),
    learningRate: positive(p, 'lr') ?? 5e-5,
    batchSize: count(p, 'batch') ?? 8,
    gradientAccumulation: count(p, 'accumulate'),
    schedule: str(p, 'schedule') === undefined ? undefined : oneOf(p, 'schedule', ['linear', 'cosine', 'constant'] as const, 'linear'),
    warmupRatio,
    warmupSteps: count(p, 'warmup-steps', 0),
    weightDecay: nonNegative(p, 'weight-decay'),
    maxGradNorm: nonNegative(p, 'max-grad-norm'),
    seed: count(p, 'seed', 0) ?? 42,
    groupByLength: !flag(p, 'no-group-by-length'),
    threads: count(p, 'threads'),
    freezeEmbeddings: flag(p, 'freeze-embeddings'),
    freezeLayers: count(p, 'freeze-layers', 0),
    checkpointEvery: count(p, 'checkpoint-every'),
    keepCheckpoints: count(p, 'keep-checkpoints'),
    evalEvery: count(p, 'eval-every'),
    earlyStoppingPatience: count(p, 'early-stopping'),
    metricForBestModel: str(p, 'metric'),
    resume: resume === undefined ? undefined : resume === '' ? true : resume,
  };
  for (const key of Object.keys(options) as Array<keyof typeof options>) if (options[key] === undefined) delete options[key];
  return options;
}

const WEIGHTS = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json'];

/** A --model to train from: a model directory with weights, or a Hub id whose snapshot (with weights) is in the Hugging Face cache. */
export function trainableModel(arg: string): string {
  let dir: string | null = null;
  if (existsSync(arg)) {
    if (!statSync(arg).isDirectory()) throw new CliError('E_MODEL', `${arg}: training needs a model directory (config.json, weights, tokenizer files), not a file`);
    dir = resolve(arg);
  } else {
    const [id, revision] = arg.split('@') as [string, string | undefined];
    if (!HUB_ID.test(id) || arg.startsWith('.') || arg.startsWith('/')) throw new CliError('E_MODEL', `${arg}: no such model directory`);
    dir = cachedSnapshot(id, revision ?? 'main');
    if (!dir) throw new CliError('E_MODEL', `model "${arg}" is not a local path and is not in the Hugging Face cache; download it (with its weights) or pass a model directory`);
  }
  if (!existsSync(join(dir, 'config.json'))) throw new CliError('E_MODEL', `${arg} is not a model directory: it has no config.json`);
  if (!WEIGHTS.some((w) => existsSync(join(dir, w)))) throw new CliError('E_MODEL', `${arg}: no weights to train (${WEIGHTS.join(', ')}); an ONNX graph alone cannot be fine-tuned`);
  return dir;
}

/**
 * --max-length within the model's position table (the default is capped by it, an explicit value above
 * it is a usage error), so every row the library gets fits.
 */
export function maxLengthFor(p: Parsed, modelDir: string, fallback: number): number {
  let positions = Number.POSITIVE_INFINITY;
  try {
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as { max_position_embeddings?: unknown; model_type?: unknown };
    // RoBERTa's (XLM-R's, CamemBERT's) and MPNet's tables start after the padding index: two rows fewer usable positions.
    const padOffset = ['roberta', 'xlm-roberta', 'camembert', 'mpnet'].includes(config.model_type as string);
    if (typeof config.max_position_embeddings === 'number') positions = config.max_position_embeddings - (padOffset ? 2 : 0);
  } catch (cause) {
    throw new CliError('E_MODEL', `${modelDir}/config.json: cannot read it (${(cause as Error).message})`);
  }
  if (str(p, 'max-length') === undefined) return Math.min(fallback, positions);
  const n = int(p, 'max-length', fallback, 3);
  if (n > positions) throw new CliError('E_USAGE', `--max-length ${n} is longer than the model's position table (${positions})`);
  return n;
}

export interface Reporting {
  json: boolean;
  quiet: boolean;
  progress: ProgressMode | undefined;
}

export function reporting(p: Parsed): Reporting {
  const raw = str(p, 'progress');
  return { json: flag(p, 'json'), quiet: flag(p, 'quiet'), progress: raw === undefined ? undefined : oneOf<ProgressMode>(p, 'progress', ['bar', 'json', 'none'], 'bar') };
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 0.01 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toPrecision(4));
const metricText = (m: Record<string, number>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');

/**
 * Runs trainModel with the CLI's reporting: a progress line on stderr, one line per evaluation, Ctrl-C
 * turned into a checkpoint and exit 130, library errors about the user's input as one-line errors, and
 * the summary on stdout (JSON with --json).
 */
export async function runTraining(options: TrainModelOptions, r: Reporting): Promise<TrainSummary> {
  // Without a terminal (a log file, CI) the bar becomes a plain line a minute, unless BERTKIT_PROGRESS=0.
  const auto = process.stderr.isTTY === true || process.env.BERTKIT_PROGRESS === '1' ? 'bar' : process.env.BERTKIT_PROGRESS === '0' ? 'none' : 'log';
  const mode: ProgressMode | 'log' = r.quiet ? 'none' : (r.progress ?? auto);
  const controller = new AbortController();
  const release = claimInterrupt(() => controller.abort());
  let lastCheckpoint: string | null = null;
  let drawn = false;
  let lastDraw = Number.NEGATIVE_INFINITY;
  const endLine = () => {
    if (drawn) process.stderr.write('\n');
    drawn = false;
  };
  const onStep = (info: ProgressInfo) => {
    if (mode === 'json') {
      process.stderr.write(`${JSON.stringify({ progress: 'train', ...info, rssBytes: process.memoryUsage.rss() })}\n`);
      return;
    }
    if (mode === 'none') return;
    const now = performance.now();
    if (now - lastDraw < (mode === 'bar' ? 200 : 60_000) && info.step + 1 < info.totalSteps) return;
    lastDraw = now;
    const eta = Number.isFinite(info.etaSeconds) ? `, ETA ${formatSeconds(info.etaSeconds)}` : '';
    const line = `epoch ${info.epoch + 1} step ${info.step + 1}/${info.totalSteps} loss ${info.loss.toFixed(4)} lr ${info.learningRate.toExponential(2)} ${info.tokensPerSecond.toFixed(0)} tokens/s${eta}`;
    if (mode === 'log') return void process.stderr.write(`${line}\n`);
    drawn = true;
    process.stderr.write(`\r${line}   `);
  };
  const onEvaluate = (info: EvalInfo) => {
    if (r.quiet) return;
    endLine();
    if (mode === 'json') process.stderr.write(`${JSON.stringify({ evaluation: { epoch: info.epoch, step: info.step, metrics: info.metrics, best: info.best } })}\n`);
    else process.stderr.write(`eval epoch ${info.epoch.toFixed(2)} step ${info.step}: ${metricText(info.metrics)}${info.best ? ' (best so far)' : ''}\n`);
  };
  let summary: TrainSummary;
  try {
    // Loaded on use: the training graphs and optimizer are not needed by the other commands.
    const { trainModel } = await import('@bertkit/finetune');
    summary = await trainModel({
      ...options,
      signal: controller.signal,
      onStep,
      onEvaluate,
      onCheckpoint: (info: { step: number; path: string }) => {
        lastCheckpoint = info.path;
      },
      onWarning: (message: string) => {
        endLine();
        process.stderr.write(`bertkit: warning: ${message}\n`);
      },
    });
  } catch (error) {
    endLine();
    if (isFinetuneError(error) && error.code === 'E_INTERRUPTED') {
      const where = lastCheckpoint ?? checkpointIn(error.message) ?? options.out;
      throw new InterruptedError(`interrupted; checkpoint saved in ${where} (resume with --resume)`);
    }
    throw asUserError(error);
  } finally {
    release();
  }
  endLine();
  if (r.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (!r.quiet) {
    const dev = summary.best ? `; dev ${metricText(summary.best.metrics)} (kept: step ${summary.best.step})` : '';
    process.stdout.write(
      `saved ${summary.out}: ${summary.steps} steps, ${fmt(summary.epochs)} epoch${summary.epochs === 1 ? '' : 's'}, train loss ${summary.trainLoss.toFixed(4)}${dev}; ${summary.tokensPerSecond.toFixed(0)} tokens/s, ${formatSeconds(summary.seconds)}, peak RSS ${formatBytes(summary.peakRssBytes)}${summary.stoppedEarly ? ' (stopped early)' : ''}\n`,
    );
  }
  return summary;
}

function isFinetuneError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && error.name === 'FinetuneError' && typeof (error as { code?: unknown }).code === 'string';
}

/** A checkpoint path named in the library's message, when no onCheckpoint call told us. */
function checkpointIn(message: string): string | null {
  return /(\S*checkpoint-\d+)/.exec(message)?.[1] ?? null;
}

/**
 * The library's errors about what the user gave (options, model, data, a NaN loss at some learning rate,
 * a full disk) are one-line user errors; E_RUNTIME and E_SHAPE (the commands size every row to fit) stay
 * internal errors, bugs of ours.
 */
function asUserError(error: unknown): unknown {
  if (isFinetuneError(error) && error.code !== 'E_RUNTIME' && error.code !== 'E_SHAPE') return new CliError(error.code, error.message);
  return error;
}
