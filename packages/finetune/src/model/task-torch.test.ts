// PyTorch as a live oracle for whole task graphs: model/task-torch.py re-implements transformers'
// DistilBert/Bert/Roberta/Electra/Albert For{TokenClassification,QuestionAnswering,SequenceClassification,
// MaskedLM} (eval mode, float64)
// from the stand-in's model.safetensors; loss, logits and every parameter gradient must agree. Skipped
// with a message when no python3 imports torch; in CI (env CI set) a missing oracle is a failure.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { padBatch } from '../data/length-grouped.js';
import type { ProblemType, TrainExample } from '../run/types.js';
import { relativeError } from '../testing/run-graph.js';
import { MULTI_LABEL_ROWS, REGRESSION_ROWS, TASK_ROWS, familyDir, familyPadId, perturbHeadBiases, rowsFor } from '../testing/task-examples.js';
import { runTorchScript, torchPythonOrSkip } from '../testing/torch.js';
import { TrainingSession } from '../training-session.js';
import { loadParameters } from './load-parameters.js';
import { embeddingWidth, readEncoderSpec } from './model-spec.js';
import type { TrainTask } from './model-spec.js';
import { buildTrainingGraph } from './task-graph.js';

const script = fileURLToPath(new URL('./task-torch.py', import.meta.url));

interface TorchResult {
  loss: number;
  logits: number[];
  grads: Record<string, number[] | { rows: number[]; values: number[] }>;
}

const cases: Array<{ task: TrainTask; numLabels: number; problemType?: ProblemType; rows: TrainExample[] }> = [
  { task: 'token-classification', numLabels: 3, rows: TASK_ROWS },
  { task: 'question-answering', numLabels: 2, rows: TASK_ROWS },
  { task: 'sequence-classification', numLabels: 3, problemType: 'single_label_classification', rows: TASK_ROWS },
  { task: 'sequence-classification', numLabels: 3, problemType: 'multi_label_classification', rows: MULTI_LABEL_ROWS },
  { task: 'sequence-classification', numLabels: 1, problemType: 'regression', rows: REGRESSION_ROWS },
  { task: 'masked-lm', numLabels: 2, rows: TASK_ROWS },
];

/** Masked-LM targets at a few real tokens of TASK_ROWS' padded batch (flat b·T + t), the rest ignored. */
const MLM_TARGETS = [[2, 2003], [4, 5000], [7, 7592], [13, 2001]] as const;

describe('task graphs vs PyTorch (live, python3-torch re-implementation of transformers heads)', () => {
  const python = torchPythonOrSkip('the PyTorch task-graph comparisons');
  if (!python) return;
  // Every case's graph, parameters and batch first, so one python process (torch's import costs seconds) serves all.
  const prepared = (['distilbert', 'bert', 'roberta', 'electra', 'albert', 'mpnet'] as const).flatMap((model) =>
    cases.map((c) => {
      const dir = familyDir(model);
      const spec = readEncoderSpec(dir);
      const graph = buildTrainingGraph(spec, c.task, { numLabels: c.numLabels, ...(c.problemType ? { problemType: c.problemType } : {}) });
      const { parameters, initialized } = loadParameters(graph, join(dir, 'model.safetensors'), { seed: 11 });
      perturbHeadBiases(parameters);
      const batch = padBatch(rowsFor(model, c.rows), c.task, c.problemType, familyPadId(model));
      if (c.task === 'masked-lm') for (const [i, label] of MLM_TARGETS) batch.labels[i] = BigInt(label);
      const shapes = new Map(graph.parameters.map((p) => [p.name, p.shape]));
      const request = {
        model_dir: dir,
        family: model,
        task: c.task,
        num_labels: c.numLabels,
        problem_type: c.problemType ?? 'single_label_classification',
        head: Object.fromEntries(initialized.map((n) => [n, { shape: shapes.get(n)!, values: [...parameters.get(n)!] }])),
        batch: {
          batch_size: batch.batchSize,
          seq_length: batch.seqLength,
          input_ids: Array.from(batch.inputIds, Number),
          attention_mask: Array.from(batch.attentionMask, Number),
          token_type_ids: Array.from(batch.tokenTypeIds ?? batch.inputIds.map(() => 0n), Number),
          labels: Array.from(batch.labels, Number),
          float_labels: batch.floatLabels ? [...batch.floatLabels] : [],
          start_positions: Array.from(batch.startPositions ?? [], Number),
          end_positions: Array.from(batch.endPositions ?? [], Number),
        },
      };
      return { label: `${model} ${c.task}${c.problemType ? ` (${c.problemType})` : ''}: PyTorch loss, logits and every gradient`, spec, graph, parameters, batch, request };
    }),
  );
  const results = runTorchScript<TorchResult[]>(python, script, prepared.map((p) => p.request));
  prepared.forEach(({ label, spec, graph, parameters, batch }, index) => {
      it(label, { timeout: 60_000 }, async () => {
        const expected = results[index]!;
        const session = await TrainingSession.create(graph, parameters, { threads: 1, dropout: false });
        const { loss, logits } = await session.computeGradients(batch);
        expect(Math.abs(loss - expected.loss) / Math.abs(expected.loss)).toBeLessThan(1e-5);
        expect(relativeError(logits, expected.logits)).toBeLessThan(1e-5);
        // The same parameter set under the same (Hugging Face) names.
        expect([...session.gradients.keys()].sort()).toEqual(Object.keys(expected.grads).sort());
        const errors: Array<[string, number]> = [];
        for (const [name, grad] of session.gradients) {
          const ref = expected.grads[name]!;
          let mine: ArrayLike<number> = grad;
          let theirs: ArrayLike<number>;
          if (Array.isArray(ref)) theirs = ref;
          else {
            // Word table: PyTorch's used rows; every other row of ours must be exactly 0.
            const h = embeddingWidth(spec);
            const rows = new Set(ref.rows);
            // Masked LM: a sample of the rows (the tied decoder reaches all of them).
            if (graph.task !== 'masked-lm') for (let r = 0; r < grad.length / h; r++) if (!rows.has(r)) for (let j = 0; j < h; j++) if (grad[r * h + j] !== 0) throw new Error(`${name} row ${r} should be 0`);
            mine = Float32Array.from(ref.rows.flatMap((r) => [...grad.subarray(r * h, (r + 1) * h)]));
            theirs = ref.values;
          }
          const scale = Math.max(...Array.from(theirs, Math.abs));
          if (scale < 1e-9) {
            // Structurally zero (key biases; QA bias and last LayerNorm bias by the softmax's shift invariance).
            expect(Math.max(...Array.from(mine, Math.abs)), name).toBeLessThan(1e-6);
            continue;
          }
          errors.push([name, relativeError(mine, theirs)]);
        }
        errors.sort((a, b) => b[1] - a[1]);
        console.log(`${label}: loss ${loss.toFixed(6)} vs ${expected.loss.toFixed(6)}; worst gradients ${errors.slice(0, 2).map(([n, e]) => `${n} ${e.toExponential(2)}`).join(', ')}`);
        for (const [name, e] of errors) expect(e, name).toBeLessThan(1e-4);
        await session.release();
      });
  });
});
