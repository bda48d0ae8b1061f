import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { padBatch } from '../data/length-grouped.js';
import type { ProblemType, TrainExample } from '../run/types.js';
import { mlmLossRef, taskLossRef } from '../testing/reference-encoder.js';
import { MULTI_LABEL_ROWS, REGRESSION_ROWS, TASK_ROWS, familyDir, familyPadId, perturbHeadBiases, rowsFor } from '../testing/task-examples.js';
import { TrainingSession } from '../training-session.js';
import { loadParameters } from './load-parameters.js';
import { readEncoderSpec } from './model-spec.js';
import type { EncoderSpec, TrainTask, TrainableType } from './model-spec.js';
import type { TrainBatch } from '../batch.js';
import { buildTrainingGraph } from './task-graph.js';
import type { TrainingGraph } from './task-graph.js';

// The new task graphs' whole backward (embedding tables completed by the session included) against float64
// central differences of the loss written independently from transformers' definitions
// (testing/reference-encoder taskLossRef), on randomly chosen entries of every parameter tensor.
interface Case {
  name: string;
  task: Exclude<TrainTask, 'masked-lm'>;
  numLabels: number;
  problemType?: ProblemType;
  examples: TrainExample[];
}

const cases: Case[] = [
  { name: 'token classification', task: 'token-classification', numLabels: 3, examples: TASK_ROWS },
  { name: 'question answering', task: 'question-answering', numLabels: 2, examples: TASK_ROWS },
  { name: 'multi-label classification (BCE)', task: 'sequence-classification', numLabels: 3, problemType: 'multi_label_classification', examples: MULTI_LABEL_ROWS },
  { name: 'regression, one target (MSE)', task: 'sequence-classification', numLabels: 1, problemType: 'regression', examples: REGRESSION_ROWS },
];

/** A small deterministic generator for picking entries (not the tested code's). */
function picker(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
}

/** Our gradient on `perTensor` entries per tensor (word table: 2, one in a looked-up row; other tables: one used row) against central differences of `ref`. */
function checkEntries(model: TrainableType, spec: EncoderSpec, graph: TrainingGraph, session: TrainingSession, batch: TrainBatch, f64: Map<string, Float64Array>, ref: () => number, seed: number, perTensor = 2): { checked: number; worst: number } {
  const pick = picker(seed);
  const usedRows = [...new Set(Array.from(batch.inputIds, Number))];
  let worst = 0;
  let checked = 0;
  for (const p of graph.parameters) {
    const grad = session.gradients.get(p.name)!;
    const scale = grad.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const width = p.shape[p.shape.length - 1]!;
    const entries = Array.from({ length: p.name === graph.tables.word ? 2 : perTensor }, () => pick(grad.length));
    // Tables: entries in looked-up rows (elsewhere the gradient is trivially 0), plus one random entry.
    if (p.name === graph.tables.word) entries[0] = usedRows[pick(usedRows.length)]! * width + pick(width);
    if (p.name === graph.tables.position) entries[0] = (pick(batch.seqLength) + (model === 'roberta' ? 2 : 0)) * width + pick(width); // RoBERTa: rows 2.. are used
    if (p.name === graph.tables.tokenType) entries[0] = (spec.typeVocabSize - 1) * width + pick(width); // the last type (RoBERTa has one)
    for (const i of entries) {
      const values = f64.get(p.name)!;
      const keep = values[i]!;
      const step = 1e-5;
      values[i] = keep + step;
      const up = ref();
      values[i] = keep - step;
      const down = ref();
      values[i] = keep;
      const fd = (up - down) / (2 * step);
      // Tensors whose gradient is structurally 0 (a key bias; the QA bias and the last LayerNorm bias, as
      // softmax over positions is shift-invariant) hold float32 noise only: judged by the 1e-7 floor.
      if (scale > 1e-6) worst = Math.max(worst, Math.abs(grad[i]! - fd) / scale);
      checked++;
      // Within 1e-4 of the tensor's largest gradient (as the PyTorch comparisons) and 1e-3 of the entry.
      expect(Math.abs(grad[i]! - fd), `${p.name}[${i}]: ours ${grad[i]}, finite differences ${fd}`).toBeLessThan(1e-4 * scale + 1e-3 * Math.abs(fd) + 1e-7);
    }
  }
  return { checked, worst };
}

for (const model of ['distilbert', 'bert', 'roberta'] as const) {
  describe(`${model} task graphs vs whole-model finite differences (float64)`, () => {
    for (const c of cases) {
      it(c.name, { timeout: 60_000 }, async () => {
        const spec = readEncoderSpec(familyDir(model));
        const graph = buildTrainingGraph(spec, c.task, { numLabels: c.numLabels, ...(c.problemType ? { problemType: c.problemType } : {}) });
        const { parameters } = loadParameters(graph, join(familyDir(model), 'model.safetensors'), { seed: 7 });
        perturbHeadBiases(parameters);
        const batch = padBatch(rowsFor(model, c.examples), c.task, c.problemType, familyPadId(model));
        const session = await TrainingSession.create(graph, parameters, { threads: 1, dropout: false });
        const { loss } = await session.computeGradients(batch);
        const f64 = new Map([...parameters].map(([k, v]) => [k, Float64Array.from(v)]));
        const ref = (): number => taskLossRef(spec, c.task, f64, batch, { numLabels: c.numLabels, ...(c.problemType ? { problemType: c.problemType } : {}) });
        expect(Math.abs(loss - ref()) / Math.abs(ref())).toBeLessThan(1e-5);
        expect([...session.gradients.keys()].sort()).toEqual(graph.parameters.map((p) => p.name).sort());
        const { checked, worst } = checkEntries(model, spec, graph, session, batch, f64, ref, model.length * 31 + c.name.length);
        console.log(`${model} ${c.name}: loss ${loss.toFixed(6)}, ${checked} entries, worst error ${worst.toExponential(2)} of the tensor's largest gradient`);
        await session.release();
      });
    }
  });
}

describe('roberta masked LM (lm_head, tied decoder) vs whole-model finite differences (float64)', () => {
  it('agrees on an entry of every tensor, on both uses of the tied word table', { timeout: 60_000 }, async () => {
    const spec = readEncoderSpec(familyDir('roberta'));
    const graph = buildTrainingGraph(spec, 'masked-lm');
    const { parameters, initialized } = loadParameters(graph, join(familyDir('roberta'), 'model.safetensors'));
    expect(initialized).toEqual([]); // RobertaForMaskedLM keys: roberta.*, lm_head.{dense,layer_norm,bias}
    const batch = padBatch(rowsFor('roberta', TASK_ROWS), 'masked-lm', undefined, 1);
    for (const [i, label] of [[2, 2003], [4, 5000], [7, 7592], [13, 2001]] as const) batch.labels[i] = BigInt(label);
    const session = await TrainingSession.create(graph, parameters, { threads: 1, dropout: false });
    const { loss } = await session.computeGradients(batch);
    const f64 = new Map([...parameters].map(([k, v]) => [k, Float64Array.from(v)]));
    const ref = (): number => mlmLossRef(spec, f64, batch);
    expect(Math.abs(loss - ref()) / ref()).toBeLessThan(1e-5);
    // One entry per tensor (two in the tied word table): every evaluation projects onto 50,265 words.
    const { checked, worst } = checkEntries('roberta', spec, graph, session, batch, f64, ref, 99, 1);
    console.log(`roberta masked LM: loss ${loss.toFixed(6)}, ${checked} entries, worst error ${worst.toExponential(2)} of the tensor's largest gradient`);
    await session.release();
  });
});
