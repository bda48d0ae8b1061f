import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { padBatch } from '../data/length-grouped.js';
import type { ProblemType, TrainExample } from '../run/types.js';
import { taskLossRef } from '../testing/reference-encoder.js';
import { standInDir } from '../testing/reference.js';
import { MULTI_LABEL_ROWS, REGRESSION_ROWS, TASK_ROWS, perturbHeadBiases } from '../testing/task-examples.js';
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

/** A small deterministic generator for picking entries (not the tested code's). */
function picker(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
}

for (const model of ['distilbert', 'bert'] as const) {
  describe(`${model} task graphs vs whole-model finite differences (float64)`, () => {
    for (const c of cases) {
      it(c.name, { timeout: 60_000 }, async () => {
        const spec = readEncoderSpec(standInDir(model));
        const graph = buildTrainingGraph(spec, c.task, { numLabels: c.numLabels, ...(c.problemType ? { problemType: c.problemType } : {}) });
        const { parameters } = loadParameters(graph, join(standInDir(model), 'model.safetensors'), { seed: 7 });
        perturbHeadBiases(parameters);
        const batch = padBatch(c.examples, c.task, c.problemType);
        const session = await TrainingSession.create(graph, parameters, { threads: 1, dropout: false });
        const { loss } = await session.computeGradients(batch);
        const f64 = new Map([...parameters].map(([k, v]) => [k, Float64Array.from(v)]));
        const ref = (): number => taskLossRef(spec, c.task, f64, batch, { numLabels: c.numLabels, ...(c.problemType ? { problemType: c.problemType } : {}) });
        expect(Math.abs(loss - ref()) / Math.abs(ref())).toBeLessThan(1e-5);
        expect([...session.gradients.keys()].sort()).toEqual(graph.parameters.map((p) => p.name).sort());
        const pick = picker(model.length * 31 + c.name.length);
        const usedRows = [...new Set(Array.from(batch.inputIds, Number))];
        let worst = 0;
        let checked = 0;
        for (const p of graph.parameters) {
          const grad = session.gradients.get(p.name)!;
          const scale = grad.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
          const width = p.shape[p.shape.length - 1]!;
          const entries = [pick(grad.length), pick(grad.length)];
          // Tables: entries in looked-up rows (elsewhere the gradient is trivially 0), plus one random entry.
          if (p.name === graph.tables.word) entries[0] = usedRows[pick(usedRows.length)]! * width + pick(width);
          if (p.name === graph.tables.position) entries[0] = pick(batch.seqLength) * width + pick(width);
          if (p.name === graph.tables.tokenType) entries[0] = width + pick(width);
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
        console.log(`${model} ${c.name}: loss ${loss.toFixed(6)}, ${checked} entries, worst error ${worst.toExponential(2)} of the tensor's largest gradient`);
        await session.release();
      });
    }
  });
}
