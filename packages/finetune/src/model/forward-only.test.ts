import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchFromRows } from '../batch.js';
import { padBatch } from '../data/length-grouped.js';
import type { TrainExample } from '../run/types.js';
import { readBatches, readSummary, readTensors, standInDir } from '../testing/reference.js';
import { relativeError } from '../testing/run-graph.js';
import { TrainingSession } from '../training-session.js';
import { loadParameters } from './load-parameters.js';
import { readEncoderSpec } from './model-spec.js';
import type { TrainTask } from './model-spec.js';
import { buildTrainingGraph } from './task-graph.js';

const examples: TrainExample[] = [
  { ids: [101, 2023, 2003, 1037, 3231, 102], label: 1, labels: [-100, 1, 2, 0, 2, -100], start: 1, end: 3 },
  { ids: [101, 7592, 102], label: 0, labels: [-100, 2, -100], start: 2, end: 2 },
];

describe('forward-only graphs (gradients: false)', () => {
  for (const model of ['distilbert', 'bert'] as const) {
    for (const task of ['sequence-classification', 'token-classification', 'question-answering'] as const satisfies TrainTask[]) {
      it(`${model} ${task}: same loss and logits as the training graph at dropout 0; evaluate() on a training session turns dropout off`, async () => {
        const spec = readEncoderSpec(standInDir(model));
        const train = buildTrainingGraph(spec, task, { numLabels: 3 });
        const forward = buildTrainingGraph(spec, task, { numLabels: 3, gradients: false });
        expect(forward.graphGradients).toEqual([]);
        expect(forward.parameters).toEqual(train.parameters);
        expect(forward.model.length).toBeLessThan(train.model.length);
        const { parameters } = loadParameters(train, join(standInDir(model), 'model.safetensors'));
        const batch = padBatch(examples, task);
        const trainEval = await TrainingSession.create(train, parameters, { threads: 1, dropout: false });
        const trainDrop = await TrainingSession.create(train, parameters, { threads: 1 });
        const evalOnly = await TrainingSession.create(forward, parameters, { threads: 1 });
        expect(evalOnly.gradients.size).toBe(0);
        const step = await trainEval.computeGradients(batch);
        const fwd = await evalOnly.evaluate(batch);
        expect(fwd.loss).toBe(step.loss);
        expect(relativeError(fwd.logits, step.logits)).toBe(0);
        const widths = { 'sequence-classification': 2 * 3, 'token-classification': 2 * 6 * 3, 'question-answering': 2 * 6 * 2 };
        expect(fwd.logits.length).toBe(widths[task]);
        // The training session with dropout on: evaluate() is the dropout-free pass, gradients untouched.
        const before = Float32Array.from(trainDrop.gradients.get('classifier.weight') ?? trainDrop.gradients.get('qa_outputs.weight')!);
        const viaTrain = await trainDrop.evaluate(batch);
        expect(viaTrain.loss).toBe(step.loss);
        expect([...(trainDrop.gradients.get('classifier.weight') ?? trainDrop.gradients.get('qa_outputs.weight')!)]).toEqual([...before]);
        if (task === 'question-answering') {
          // Layout [B, T, 2]: start and end interleaved, also given split.
          expect(fwd.startLogits!.length).toBe(12);
          expect(fwd.startLogits![7]).toBe(fwd.logits[14]);
          expect(fwd.endLogits![7]).toBe(fwd.logits[15]);
        }
        await expect(evalOnly.computeGradients(batch)).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
        for (const s of [trainEval, trainDrop, evalOnly]) await s.release();
      });
    }
  }

  it('sequence classification evaluation reproduces PyTorch eval-mode logits (train-reference fixture)', async () => {
    const model = 'distilbert';
    const graph = buildTrainingGraph(readEncoderSpec(standInDir(model)), 'sequence-classification', { gradients: false });
    const session = await TrainingSession.create(graph, readTensors(model, 'initial.safetensors'), { threads: 1 });
    const { loss, logits } = await session.evaluate(batchFromRows(readBatches(model).classify[0]!));
    const summary = readSummary(model);
    expect(loss).toBeCloseTo(summary.classify.loss, 6);
    expect(relativeError(logits, summary.classify.logits.flat())).toBeLessThan(1e-4);
    await session.release();
  });
});
