import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '@bertkit/encoder';
import type { EncoderSpec } from '@bertkit/finetune';
import { type FeatureMatrix, type Label, LogisticRegression } from '@bertkit/heads';
import { gridSearch } from '@bertkit/trainer';
import { writeEncoderDir } from './learn-model.js';
import { type McNemar, mcnemar } from './mcnemar.js';

export interface ProbeData {
  tokenizerDir: string;
  probeTrain: { texts: string[]; labels: number[] };
  probeDev: { texts: string[]; labels: number[] };
  threads: number;
}

/** One feature set's logistic regression: dev accuracy and predictions (for the paired test). */
export interface ProbeFit {
  features: string;
  accuracy: number;
  predicted: Label[];
  /** The C cross-validation chose (tuned probes only). */
  C?: number;
}

export interface ProbeFits {
  /** C=1 on the raw mean-pooled features, every hidden state (0 = embeddings) and layers 1..L together. */
  raw: ProbeFit[];
  /**
   * Standardised features (train mean and deviation) and C chosen by 5-fold cross-validation on train, for
   * the last layer and layers 1..L: a fixed C=1 on raw features favours whichever model's features happen to
   * have the scale that C suits, and a pretrained encoder's features are far from isotropic.
   */
  tuned: ProbeFit[];
}

export interface ProbeRow {
  features: string;
  random: number;
  pretrained: number;
  /** Paired test on the dev predictions: is the gap more than chance? */
  mcnemar: McNemar;
  /** Tuned probes: the C each model's cross-validation chose. */
  C?: { random: number; pretrained: number };
}

export const PROBE_C_GRID = [0.001, 0.01, 0.1, 1, 10];

/** Pairs one encoder's probes with the random encoder's, row by row. */
export function compareProbes(pretrained: ProbeFit[], random: ProbeFit[], labels: readonly number[]): ProbeRow[] {
  return random.map((r, i) => {
    const p = pretrained[i]!;
    const row: ProbeRow = { features: r.features, random: r.accuracy, pretrained: p.accuracy, mcnemar: mcnemar(p.predicted, r.predicted, labels) };
    if (r.C !== undefined && p.C !== undefined) row.C = { random: r.C, pretrained: p.C };
    return row;
  });
}

/**
 * One embedding pass gives every hidden state mean-pooled (layer-concat over 0..L); logistic regressions are
 * fitted on each one's columns and on layers 1..L together.
 */
export async function probeEncoder(spec: EncoderSpec, params: ReadonlyMap<string, Float32Array>, input: ProbeData): Promise<ProbeFits> {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-learn-'));
  const layers = Array.from({ length: spec.layers + 1 }, (_, i) => i);
  let train: Float32Array;
  let dev: Float32Array;
  try {
    const encoder = await Encoder.load(writeEncoderDir(dir, spec, params, input.tokenizerDir), { threads: input.threads });
    const embed = async (texts: string[]) => (await encoder.embed(texts, { pooling: 'layer-concat', layerPooling: 'mean', layers })).data;
    train = await embed(input.probeTrain.texts);
    dev = await embed(input.probeDev.texts);
    await encoder.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const h = spec.hidden;
  const width = h * layers.length;
  const yTrain = input.probeTrain.labels;
  const yDev = input.probeDev.labels;
  const fitted = (features: string, model: LogisticRegression, devX: FeatureMatrix, C?: number): ProbeFit => {
    const predicted = model.predict(devX);
    const accuracy = predicted.filter((p, i) => p === yDev[i]).length / predicted.length;
    return C === undefined ? { features, accuracy, predicted } : { features, accuracy, predicted, C };
  };
  const raw = (features: string, from: number, to: number) =>
    fitted(features, new LogisticRegression({ C: 1, maxIter: 1000 }).fit(columns(train, width, from, to), yTrain), columns(dev, width, from, to));
  const tuned = (features: string, from: number, to: number) => {
    const [x, devX] = standardize(columns(train, width, from, to), columns(dev, width, from, to)) as [FeatureMatrix, FeatureMatrix];
    const search = gridSearch<{ C: number }>((p) => new LogisticRegression({ C: p.C, maxIter: 1000 }), { C: PROBE_C_GRID }, x, yTrain, { folds: 5, seed: 0 });
    return fitted(features, search.model as LogisticRegression, devX, search.best.params.C);
  };
  const last = `layer ${spec.layers}`;
  const all = `layers 1-${spec.layers} concatenated`;
  return {
    raw: [...layers.map((l) => raw(l === 0 ? 'embeddings' : `layer ${l}`, l * h, (l + 1) * h)), raw(all, h, width)],
    tuned: [tuned(last, spec.layers * h, width), tuned(all, h, width)],
  };
}

function columns(data: Float32Array, width: number, from: number, to: number): FeatureMatrix {
  const rows = data.length / width;
  const out = new Float32Array(rows * (to - from));
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * width + from, r * width + to), r * (to - from));
  return { data: out, rows, cols: to - from };
}

/** z-scores both matrices with the first one's column means and deviations (a constant column stays 0). */
export function standardize(train: FeatureMatrix, ...others: FeatureMatrix[]): FeatureMatrix[] {
  const { rows, cols } = train;
  const mean = new Float64Array(cols);
  const sq = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += train.data[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c]! /= rows;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) sq[c]! += (train.data[r * cols + c]! - mean[c]!) ** 2;
  const scale = sq.map((s) => (s > 0 ? 1 / Math.sqrt(s / rows) : 0));
  return [train, ...others].map((m) => {
    const out = new Float32Array(m.data.length);
    for (let i = 0; i < m.data.length; i++) out[i] = (m.data[i]! - mean[i % cols]!) * scale[i % cols]!;
    return { data: out, rows: m.rows, cols };
  });
}
