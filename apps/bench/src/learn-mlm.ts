import type { EncoderSpec, TrainBatch, TrainExample } from '@bertkit/finetune';
import { TrainingMemory, TrainingSession, buildTrainingGraph, finetune, maskTokens, padBatch } from '@bertkit/finetune';
import { randomParameters } from './learn-model.js';
import { type ProbeRow, compareProbes, probeEncoder } from './learn-probe.js';

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
   * `byLayer` the same for every hidden state (0 = embeddings) and the concatenation of layers 1..L;
   * `tuned` standardised features with C chosen by cross-validation (last layer, layers 1..L).
   */
  probe: { random: number; pretrained: number; byLayer: ProbeRow[]; tuned: ProbeRow[] };
  /** The last-layer probes every `probeEvery` steps against the same random features. */
  probeCurve: Array<{ step: number; raw: ProbeRow; tuned: ProbeRow }>;
  seconds: number;
  tokensPerSecond: number;
}

export type { ProbeRow } from './learn-probe.js';

export interface CorpusLine {
  text: string;
  ids: number[];
}

export interface MlmLearnInput {
  spec: EncoderSpec;
  /** Lines held out (every 25th, the first 512 of them) or trained on. */
  corpus: CorpusLine[];
  /**
   * Lines only ever trained on: the SST-2 GLUE phrases (fragments of the SST-2 train sentences). Any that
   * occurs inside a held-out line is dropped, so the held-out loss stays held out.
   */
  trainOnly?: CorpusLine[];
  tokenizerDir: string;
  probeTrain: { texts: string[]; labels: number[] };
  probeDev: { texts: string[]; labels: number[] };
  steps: number;
  evalEvery: number;
  /** Probe the encoder every this many steps too (the final probe always runs). */
  probeEvery?: number;
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
  const heldOutTexts = heldOutLines.map((l) => l.text.toLowerCase());
  const trainOnly = (input.trainOnly ?? []).filter((l) => l.text.trim() !== '' && !heldOutTexts.some((h) => h.includes(l.text.trim().toLowerCase())));
  const train: TrainExample[] = [...input.corpus.filter((_, i) => i % 25 !== 0), ...trainOnly].map((l) => ({ ids: l.ids, label: 0 }));
  const mask = (b: TrainBatch, seed: number) => maskTokens(b, { vocabSize: spec.vocabSize, maskTokenId: 103, specialIds: SPECIAL, seed });
  const heldOut: TrainBatch[] = [];
  for (let i = 0; i < heldOutLines.length; i += 64) heldOut.push(mask(padBatch(heldOutLines.slice(i, i + 64).map((l) => ({ ids: l.ids, label: 0 }))), 1_000_000 + i));
  const heldOutMasked = heldOut.reduce((a, b) => a + b.labels.filter((l) => l !== -100n).length, 0);

  const graph = buildTrainingGraph(spec, 'masked-lm');
  const initial = randomParameters(spec, 'masked-lm', 7);
  // Parameters and gradients in a TrainingMemory (a copy: `initial` stays the random features of the probe);
  // finetune then puts the moments there and steps with its kernels.
  const placed = TrainingMemory.forTraining({ parameters: initial });
  const params = placed.parameters;
  const session = await TrainingSession.create(graph, params, { threads: input.threads, dropout: true, gradients: placed.gradients });
  const evaluator = await TrainingSession.create(buildTrainingGraph(spec, 'masked-lm', { gradients: false }), params, { threads: input.threads });
  const evaluate = async (): Promise<number> => {
    let sum = 0;
    for (const b of heldOut) {
      const masked = b.labels.filter((l) => l !== -100n).length;
      if (masked > 0) sum += (await evaluator.evaluate(b)).loss * masked;
    }
    return sum / heldOutMasked;
  };
  const random = await probeEncoder(spec, initial, input);
  const labels = input.probeDev.labels;
  const probeCurve: MlmLearnResult['probeCurve'] = [];
  const probeAt = async (step: number) => {
    const fits = await probeEncoder(spec, params, input);
    const raw = compareProbes(fits.raw, random.raw, labels);
    const tuned = compareProbes(fits.tuned, random.tuned, labels);
    probeCurve.push({ step, raw: raw[spec.layers]!, tuned: tuned[0]! });
    const p = (r: ProbeRow) => `${(100 * r.pretrained).toFixed(2)}% vs random ${(100 * r.random).toFixed(2)}% (p ${r.mcnemar.p.toFixed(3)})`;
    input.log(`  mlm step ${step}: probe last layer C=1 ${p(raw[spec.layers]!)}; standardised, C by CV ${p(tuned[0]!)}`);
    return { raw, tuned };
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
        if (input.probeEvery && step % input.probeEvery === 0 && step < input.steps) {
          const e0 = performance.now();
          await probeAt(step);
          evalSeconds += (performance.now() - e0) / 1000;
        }
        if (step >= input.steps) throw stop;
      },
    });
  } catch (error) {
    if (error !== stop) throw error;
  }
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all([session.release(), evaluator.release()]);
  const final = await probeAt(input.steps);
  const last = final.raw[spec.layers]!;
  const probe = { random: last.random, pretrained: last.pretrained, byLayer: final.raw, tuned: final.tuned };
  return {
    steps: input.steps, trainLines: train.length, heldOutLines: heldOutLines.length, heldOutMasked, heldOut: curve,
    decreasingAtEveryEvaluation: curve.every((c, i) => i === 0 || c.loss < curve[i - 1]!.loss),
    probe, probeCurve, seconds, tokensPerSecond: tokens / (seconds - evalSeconds),
  };
}
