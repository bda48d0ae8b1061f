import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { padBatch } from '../data/length-grouped.js';
import { TASK_ROWS, familyDir, familyPadId, rowsFor } from '../testing/task-examples.js';
import { TrainingSession } from '../training-session.js';
import { loadParameters } from './load-parameters.js';
import type { EncoderSpec, TrainTask, TrainableType } from './model-spec.js';
import { readEncoderSpec } from './model-spec.js';
import { buildTrainingGraph } from './task-graph.js';

// Where transformers puts (or does not put) a dropout in each head: with the encoder's rates at 0, a
// training-mode pass differs from the eval pass exactly when the head has a dropout at a non-zero rate.
const cases: Array<[TrainableType, TrainTask, Partial<EncoderSpec>, boolean]> = [
  ['distilbert', 'token-classification', { hiddenDropout: 0.5, classifierDropout: 0 }, true], // config.dropout (the encoder's hidden rate fed to the head)
  ['distilbert', 'token-classification', { hiddenDropout: 0, classifierDropout: 0.5 }, false], // not seq_classif_dropout
  ['distilbert', 'question-answering', { qaDropout: 0.5 }, true],
  ['distilbert', 'question-answering', { qaDropout: 0, classifierDropout: 0.5 }, false],
  ['bert', 'token-classification', { classifierDropout: 0.5 }, true],
  ['bert', 'question-answering', { classifierDropout: 0.5 }, false], // BertForQuestionAnswering has no dropout
  ['roberta', 'sequence-classification', { classifierDropout: 0.5 }, true], // before dense and before out_proj
  ['roberta', 'question-answering', { classifierDropout: 0.5 }, false],
];

describe('head dropout per family and task', () => {
  for (const [family, task, rates, drops] of cases) {
    it(`${family} ${task} ${JSON.stringify(rates)}: ${drops ? 'dropout in training mode' : 'no head dropout'}`, async () => {
      const base = readEncoderSpec(familyDir(family));
      // The encoder's own dropout off (a DistilBERT token classifier's head rate is the hidden rate: that case keeps it).
      const spec: EncoderSpec = { ...base, attentionDropout: 0, hiddenDropout: 0, ...rates };
      const graph = buildTrainingGraph(spec, task, { numLabels: 3 });
      const { parameters } = loadParameters(graph, join(familyDir(family), 'model.safetensors'));
      const batch = padBatch(rowsFor(family, TASK_ROWS), task, undefined, familyPadId(family));
      const session = await TrainingSession.create(graph, parameters, { threads: 1 });
      const evalLoss = (await session.evaluate(batch)).loss;
      const trainLoss = (await session.computeGradients(batch)).loss;
      if (drops) expect(trainLoss).not.toBe(evalLoss);
      else expect(trainLoss).toBe(evalLoss);
      await session.release();
    });
  }
});
