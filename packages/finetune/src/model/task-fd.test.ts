import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { padBatch } from '../data/length-grouped.js';
import type { ProblemType, TrainExample } from '../run/types.js';
import { taskLossRef } from '../testing/reference-encoder.js';
import { checkEntries } from '../testing/fd-check.js';
import { MULTI_LABEL_ROWS, REGRESSION_ROWS, TASK_ROWS, familyDir, familyPadId, perturbHeadBiases, rowsFor } from '../testing/task-examples.js';
import { TrainingSession } from '../training-session.js';
import { loadParameters } from './load-parameters.js';
import { readEncoderSpec } from './model-spec.js';
import type { TrainTask } from './model-spec.js';
import { buildTrainingGraph } from './task-graph.js';

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
