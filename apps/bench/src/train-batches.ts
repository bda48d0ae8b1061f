import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lengthGroupedBatches } from '@bertkit/finetune';
import { WordPieceTokenizer } from '@bertkit/wordpiece';
import { tsvRows } from './shared.js';

/**
 * What both sides of the train suite read: the model config (Hugging Face config.json fields) and the
 * batches as unpadded token ids; each side pads a batch to its longest row with id 0, so padding is identical.
 */
export interface TrainBatchFile {
  config: Record<string, unknown>;
  threads: number;
  /** Leading batches run untimed. */
  warmup: number;
  learningRate: number;
  batches: Array<{ ids: number[][]; labels: number[] }>;
}

export interface BatchStats {
  realTokens: number;
  paddedTokens: number;
  /** Σ over sequences of length² (the attention term of the FLOP count). */
  sumSquares: number;
}

/** Token counts of the timed batches (everything after the warm-up). */
export function timedStats(file: TrainBatchFile): BatchStats {
  const stats = { realTokens: 0, paddedTokens: 0, sumSquares: 0 };
  for (const b of file.batches.slice(file.warmup)) {
    const longest = Math.max(...b.ids.map((r) => r.length));
    stats.paddedTokens += longest * b.ids.length;
    for (const r of b.ids) {
      stats.realTokens += r.length;
      stats.sumSquares += r.length * r.length;
    }
  }
  return stats;
}

/**
 * SST-2 train sentences tokenized with bert-base-uncased, grouped by length as the Trainer does (seed 42,
 * batch 32), then `warmup + timed` batches picked evenly over the epoch so their lengths are typical of
 * the whole epoch rather than of one mega-batch.
 */
export function writeTrainBatches(shared: string, path: string, options: { configPath: string; warmup: number; timed: number; threads: number; batchSize?: number }): TrainBatchFile {
  const batchSize = options.batchSize ?? 32;
  const tokenizer = WordPieceTokenizer.fromFile(join(shared, 'tokenizers', 'bert-base-uncased', 'tokenizer.json'));
  const { texts, labels } = tsvRows(join(shared, 'data', 'sst2', 'train.tsv'));
  const ids = texts.map((t) => Array.from(tokenizer.encode(t).ids, Number));
  const order = lengthGroupedBatches(
    ids.map((r) => r.length),
    batchSize,
    42,
  ).filter((b) => b.length === batchSize);
  const wanted = options.warmup + options.timed;
  const picked = Array.from({ length: wanted }, (_, i) => order[Math.floor((i * order.length) / wanted)]!);
  const file: TrainBatchFile = {
    config: JSON.parse(readFileSync(options.configPath, 'utf8')) as Record<string, unknown>,
    threads: options.threads,
    warmup: options.warmup,
    learningRate: 5e-5,
    batches: picked.map((rows) => ({ ids: rows.map((i) => ids[i]!), labels: rows.map((i) => labels[i]!) })),
  };
  writeFileSync(path, JSON.stringify(file));
  return file;
}
