import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureGemm } from './gemm.js';
import { formatTable } from './measure.js';
import { type BatchStats, timedStats, writeTrainBatches } from './train-batches.js';
import type { WorkerResult } from './train-worker.js';

export interface TrainSide {
  name: string;
  /** Real (unpadded) tokens per second over the timed steps. */
  tokensPerSecond: number;
  seconds: number;
  medianStepSeconds: number;
  /** Useful training FLOP/s (see flopPerBatch) over the machine's GEMM FLOP/s measured in the same run. */
  limitFraction: number;
  peakRssMb: number;
  /** Seconds per phase, summed over the timed steps. */
  phases: Record<string, number>;
  meanLoss: number;
  /** Real tokens per CPU-second of the whole process (all threads, spinning included): less sensitive to other load than tokensPerSecond. */
  tokensPerCpuSecond: number;
  /** 1-minute load average when the side started (the 2 cores may be shared). */
  loadBefore: number;
}

export interface TrainBenchResult {
  model: string;
  shape: { vocab: number; hidden: number; layers: number; heads: number; ffn: number; labels: number };
  batchSize: number;
  threads: number;
  warmupSteps: number;
  timedSteps: number;
  tokens: BatchStats & { paddedFraction: number };
  /** Non-embedding parameters (everything but the word and position tables). */
  nonEmbeddingParameters: number;
  /** 6·P_ne per real token + attention 12·L·H·Σ len² (see flopDefinition). */
  usefulFlop: number;
  flopDefinition: string;
  gemmGflops: number;
  /** Real tokens/s at 100% of the GEMM rate. */
  limitTokensPerSecond: number;
  sides: TrainSide[];
  /** bertkit tokens/s over PyTorch's (null without torch). */
  ratioVsTorch: number | null;
  /** PyTorch's peak RSS over bertkit's (above 1: bertkit uses less). */
  rssRatioVsTorch: number | null;
  note?: string;
}

/** The Python side prints the same JSON as the node worker. */
type WorkerOutput = WorkerResult;

const FLOP_DEFINITION =
  'per timed batch: 6 x non-embedding parameters x real tokens (2 forward + 4 backward per multiply-add) + attention 12 x layers x hidden x sum over sequences of (real length)^2 (QK^T and PV: 4 L H T^2 forward, x3 with backward); padding, dropout, softmax, LayerNorm and the optimizer count as zero';

function runSide(command: string, args: string[], label: string): WorkerOutput {
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = run.stdout?.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`train: ${label} failed (exit ${run.status}): ${(run.stderr || run.error?.message || '').slice(-2000)}`);
  return JSON.parse(line) as WorkerOutput;
}

function torchAvailable(python: string): string | null {
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/**
 * Training speed side by side with PyTorch: a DistilBERT-base-shaped sequence classifier (random weights;
 * --quick: the tiny stand-in) trained on the same length-grouped SST-2 batches of 32, fp32, 2 threads,
 * dropout on, clipping and AdamW. Each side runs in its own child process (its own peak RSS), one after
 * the other, after a few warm-up steps.
 */
export async function trainBench(shared: string, appDir: string, cacheDir: string, quick: boolean): Promise<TrainBenchResult> {
  const threads = 2;
  const configPath = quick ? join(shared, 'models', 'tiny-random-distilbert', 'config.json') : join(shared, 'tokenizers', 'bert-base-uncased', 'distilbert-config.json');
  const batchPath = join(cacheDir, `train-batches${quick ? '-quick' : ''}.json`);
  const file = writeTrainBatches(shared, batchPath, { configPath, warmup: quick ? 2 : 3, timed: quick ? 5 : 20, threads });
  const c = file.config as Record<string, number>;
  const shape = { vocab: c.vocab_size!, hidden: c.dim!, layers: c.n_layers!, heads: c.n_heads!, ffn: c.hidden_dim!, labels: 2 };
  const stats = timedStats(file);
  const gemm = await measureGemm(quick ? { rows: 256, pairs: 2, runs: 3 } : {});
  const here = dirname(fileURLToPath(import.meta.url));

  const sides: TrainSide[] = [];
  let parameters = 0;
  const side = (name: string, out: WorkerOutput, loadBefore: number): TrainSide => {
    const seconds = out.stepSeconds.reduce((a, b) => a + b, 0);
    const sorted = [...out.stepSeconds].sort((a, b) => a - b);
    return {
      name,
      tokensPerSecond: stats.realTokens / seconds,
      seconds,
      medianStepSeconds: sorted[Math.floor(sorted.length / 2)]!,
      limitFraction: 0,
      peakRssMb: out.peakRssMb,
      phases: out.phases,
      tokensPerCpuSecond: stats.realTokens / out.cpuSeconds,
      meanLoss: out.losses.reduce((a, b) => a + b, 0) / out.losses.length,
      loadBefore,
    };
  };
  let load = loadavg()[0]!;
  const ours = runSide(process.execPath, [join(here, 'train-worker.js'), batchPath], 'bertkit');
  parameters = ours.parameters;
  sides.push(side('bertkit (onnxruntime-node)', ours, load));

  const python = process.env.BERTKIT_PYTHON ?? '/usr/bin/python3';
  const torch = torchAvailable(python);
  let note: string | undefined;
  if (torch) {
    load = loadavg()[0]!;
    const peer = runSide(python, [join(appDir, 'python', 'train_torch.py'), batchPath], 'PyTorch');
    if (peer.parameters !== parameters) throw new Error(`train: PyTorch's model has ${peer.parameters} parameters, bertkit's ${parameters}: not the same shape`);
    sides.push(side(`PyTorch ${torch}`, peer, load));
  } else {
    note = `PyTorch not importable by ${python} (set BERTKIT_PYTHON): bertkit side only`;
  }

  const nonEmbedding = parameters - shape.vocab * shape.hidden - (c.max_position_embeddings ?? 512) * shape.hidden;
  const usefulFlop = 6 * nonEmbedding * stats.realTokens + 12 * shape.layers * shape.hidden * stats.sumSquares;
  for (const s of sides) s.limitFraction = usefulFlop / s.seconds / 1e9 / gemm.gflops;
  const [a, b] = sides;
  return {
    model: quick ? 'tiny-random-distilbert (stand-in)' : 'DistilBERT-base shape, random weights',
    shape,
    batchSize: 32,
    threads,
    warmupSteps: file.warmup,
    timedSteps: file.batches.length - file.warmup,
    tokens: { ...stats, paddedFraction: (stats.paddedTokens - stats.realTokens) / stats.paddedTokens },
    nonEmbeddingParameters: nonEmbedding,
    usefulFlop,
    flopDefinition: FLOP_DEFINITION,
    gemmGflops: gemm.gflops,
    limitTokensPerSecond: (gemm.gflops * 1e9 * stats.realTokens) / usefulFlop,
    sides,
    ratioVsTorch: b ? a!.tokensPerSecond / b.tokensPerSecond : null,
    rssRatioVsTorch: b ? b.peakRssMb / a!.peakRssMb : null,
    ...(note ? { note } : {}),
  };
}

export function printTrainBench(r: TrainBenchResult): void {
  console.log(`\n## train: ${r.model}, batch ${r.batchSize} of SST-2 train (length-grouped), fp32, ${r.threads} threads, dropout on, clip 1.0 + AdamW`);
  console.log(
    `${r.timedSteps} timed steps after ${r.warmupSteps} warm-up; ${r.tokens.realTokens} real tokens (${(r.tokens.paddedFraction * 100).toFixed(1)}% padding); GEMM ${r.gemmGflops.toFixed(0)} GFLOP/s -> limit ${r.limitTokensPerSecond.toFixed(0)} real tokens/s`,
  );
  const rows = r.sides.map((s) => [
    s.name,
    s.tokensPerSecond.toFixed(1),
    `${(s.limitFraction * 100).toFixed(1)}%`,
    s.medianStepSeconds.toFixed(3),
    s.peakRssMb.toFixed(0),
    Object.entries(s.phases)
      .map(([k, v]) => `${k} ${(v / r.timedSteps).toFixed(3)}`)
      .join(', '),
    s.tokensPerCpuSecond.toFixed(1),
    s.meanLoss.toFixed(3),
    s.loadBefore.toFixed(2),
  ]);
  console.log(formatTable(['side', 'real tokens/s', '% of limit', 'median step s', 'peak RSS MB', 'per step s', 'tokens/CPU-s', 'mean loss', 'load'], rows));
  if (r.ratioVsTorch !== null) console.log(`bertkit / PyTorch: ${r.ratioVsTorch.toFixed(2)}x tokens/s; peak RSS PyTorch / bertkit ${r.rssRatioVsTorch!.toFixed(2)}x`);
  if (r.note) console.log(`note: ${r.note}`);
}
