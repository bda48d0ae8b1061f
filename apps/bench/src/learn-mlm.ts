import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '@bertkit/encoder';
import type { EncoderSpec, TrainBatch, TrainExample } from '@bertkit/finetune';
import { TrainingMemory, TrainingSession, buildTrainingGraph, finetune, maskTokens, padBatch } from '@bertkit/finetune';
import { LogisticRegression } from '@bertkit/heads';
import { randomParameters, writeEncoderDir } from './learn-model.js';
import { type McNemar, mcnemar } from './mcnemar.js';

export interface MlmLearnResult {
  steps: number;
  trainLines: number;
  heldOutLines: number;
  heldOutMasked: number;
  /** Held-out masked-token loss at step 0 and every `evalEvery` steps. */
  heldOut: Array<{ step: number; loss: number }>;
  decreasingAtEveryEvaluation: boolean;
  /**
   * Mean-pooled last-layer features + logistic regression (C=1) on SST-2 train, accuracy on SST-2 dev;
   * `byLayer` the same for every hidden state (0 = embeddings) and the concatenation of layers 1..L.
   */
  probe: { random: number; pretrained: number; byLayer: ProbeRow[] };
  seconds: number;
  tokensPerSecond: number;
}

export interface ProbeRow {
  features: string;
  random: number;
  pretrained: number;
  /** Paired test on the dev predictions: is the gap more than chance? */
  mcnemar: McNemar;
}

export interface MlmLearnInput {
  spec: EncoderSpec;
  corpus: TrainExample[];
  tokenizerDir: string;
  probeTrain: { texts: string[]; labels: number[] };
  probeDev: { texts: string[]; labels: number[] };
  steps: number;
  evalEvery: number;
  threads: number;
  log: (line: string) => void;
}

// bert-base-uncased: [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103.
const SPECIAL = [0, 100, 101, 102, 103];

/**
 * Issue 15's pretraining check: masked-LM from random initialisation on the SST-2 and AG News text (15%
 * masking, 80/10/10), held-out masked-token loss on fixed lines with fixed masks every `evalEvery` steps,
 * then a linear probe on mean-pooled features against the same architecture's random features.
 */
export async function learnMlm(input: MlmLearnInput): Promise<MlmLearnResult> {
  const { spec } = input;
  // Every 25th line is held out (fixed), the rest is the training corpus.
  const heldOutLines = input.corpus.filter((_, i) => i % 25 === 0).slice(0, 512);
  const train = input.corpus.filter((_, i) => i % 25 !== 0);
  const mask = (b: TrainBatch, seed: number) => maskTokens(b, { vocabSize: spec.vocabSize, maskTokenId: 103, specialIds: SPECIAL, seed });
  const heldOut: TrainBatch[] = [];
  for (let i = 0; i < heldOutLines.length; i += 64) heldOut.push(mask(padBatch(heldOutLines.slice(i, i + 64)), 1_000_000 + i));
  const heldOutMasked = heldOut.reduce((a, b) => a + b.labels.filter((l) => l !== -100n).length, 0);

  const graph = buildTrainingGraph(spec, 'masked-lm');
  const initial = randomParameters(spec, 'masked-lm', 7);
  // Parameters and gradients in a TrainingMemory (a copy: `initial` stays the random features of the probe);
  // finetune then puts the moments there and steps with its kernels.
  const placed = TrainingMemory.forTraining({ parameters: initial });
  const params = placed?.parameters ?? new Map([...initial].map(([k, v]) => [k, v.slice()]));
  const session = await TrainingSession.create(graph, params, { threads: input.threads, dropout: true, ...(placed ? { gradients: placed.gradients } : {}) });
  const evaluator = await TrainingSession.create(buildTrainingGraph(spec, 'masked-lm', { gradients: false }), params, { threads: input.threads });
  const evaluate = async (): Promise<number> => {
    let sum = 0;
    for (const b of heldOut) {
      const masked = b.labels.filter((l) => l !== -100n).length;
      if (masked > 0) sum += (await evaluator.evaluate(b)).loss * masked;
    }
    return sum / heldOutMasked;
  };
  const curve = [{ step: 0, loss: await evaluate() }];
  input.log(`  mlm step 0: held-out loss ${curve[0]!.loss.toFixed(4)}`);
  const epochs = Math.ceil((input.steps * 32) / train.length);
  const t0 = performance.now();
  let tokens = 0;
  let evalSeconds = 0;
  const stop = new Error('steps done');
  try {
    await finetune(session, train, {
      epochs, batchSize: 32, seed: 11, schedule: { kind: 'linear', peak: 5e-4, warmupRatio: 0.06 },
      collate: (b, micro) => {
        tokens += b.attentionMask.reduce((a, m) => a + Number(m), 0);
        return mask(b, micro);
      },
      onStep: async (info) => {
        const step = info.step + 1;
        if (step % input.evalEvery === 0) {
          const e0 = performance.now();
          curve.push({ step, loss: await evaluate() });
          evalSeconds += (performance.now() - e0) / 1000;
          input.log(`  mlm step ${step}: train loss ${info.loss.toFixed(4)}, held-out loss ${curve.at(-1)!.loss.toFixed(4)}`);
        }
        if (step >= input.steps) throw stop;
      },
    });
  } catch (error) {
    if (error !== stop) throw error;
  }
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all([session.release(), evaluator.release()]);
  const random = await linearProbes(spec, initial, input);
  const pretrained = await linearProbes(spec, params, input);
  const byLayer = random.map((r, i) => ({ features: r.features, random: r.accuracy, pretrained: pretrained[i]!.accuracy, mcnemar: mcnemar(pretrained[i]!.predicted, r.predicted, input.probeDev.labels) }));
  const last = byLayer[spec.layers]!;
  const probe = { random: last.random, pretrained: last.pretrained, byLayer };
  return {
    steps: input.steps, trainLines: train.length, heldOutLines: heldOutLines.length, heldOutMasked, heldOut: curve,
    decreasingAtEveryEvaluation: curve.every((c, i) => i === 0 || c.loss < curve[i - 1]!.loss),
    probe, seconds, tokensPerSecond: tokens / (seconds - evalSeconds),
  };
}

/**
 * One embedding pass gives every hidden state mean-pooled (layer-concat over 0..L); a logistic regression is
 * fitted on each one's columns and on layers 1..L together.
 */
async function linearProbes(spec: EncoderSpec, params: ReadonlyMap<string, Float32Array>, input: MlmLearnInput): Promise<Array<{ features: string; accuracy: number; predicted: ArrayLike<unknown> }>> {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-learn-'));
  const layers = Array.from({ length: spec.layers + 1 }, (_, i) => i);
  try {
    const encoder = await Encoder.load(writeEncoderDir(dir, spec, params, input.tokenizerDir), { threads: input.threads });
    const embed = async (texts: string[]) => (await encoder.embed(texts, { pooling: 'layer-concat', layerPooling: 'mean', layers })).data;
    const train = await embed(input.probeTrain.texts);
    const dev = await embed(input.probeDev.texts);
    await encoder.release();
    const h = spec.hidden;
    const width = h * layers.length;
    const columns = (data: Float32Array, from: number, to: number) => {
      const rows = data.length / width;
      const out = new Float32Array(rows * (to - from));
      for (let r = 0; r < rows; r++) out.set(data.subarray(r * width + from, r * width + to), r * (to - from));
      return { data: out, rows, cols: to - from };
    };
    const probe = (features: string, from: number, to: number) => {
      const model = new LogisticRegression({ C: 1, maxIter: 1000 }).fit(columns(train, from, to), input.probeTrain.labels);
      const predicted = model.predict(columns(dev, from, to));
      return { features, predicted, accuracy: predicted.filter((p, i) => p === input.probeDev.labels[i]).length / predicted.length };
    };
    const rows = layers.map((l) => probe(l === 0 ? 'embeddings' : `layer ${l}`, l * h, (l + 1) * h));
    rows.push(probe(`layers 1-${spec.layers} concatenated`, h, width));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
