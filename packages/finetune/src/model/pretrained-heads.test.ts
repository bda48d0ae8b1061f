import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireShared } from '@bertkit/shared-data';
import { describe, expect, it } from 'vitest';
import { batchFromRows } from '../batch.js';
import { relativeError } from '../testing/run-graph.js';
import { TrainingSession } from '../training-session.js';
import { loadParameters } from './load-parameters.js';
import { readEncoderSpec } from './model-spec.js';
import { buildTrainingGraph } from './task-graph.js';

// Fine-tuned-layout checkpoints (../shared/models/bert-ner: BertForTokenClassification without pooler;
// distilbert-qa: DistilBertForQuestionAnswering) load into the task graphs key for key, and the graphs'
// logits equal the independent PyTorch outputs stored with them (reference.json, rounded to 6 decimals).
interface Reference {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  logits?: number[][][];
  hidden_states?: number[][][][];
  start_logits?: number[][];
  end_logits?: number[][];
}

const dir = (name: string) => join(requireShared(), 'models', name);
const references = (name: string) => JSON.parse(readFileSync(join(dir(name), 'reference.json'), 'utf8')) as Reference[];

describe('trained heads from Hugging Face checkpoints', () => {
  it('bert-ner: token classification logits of every batch', async () => {
    const graph = buildTrainingGraph(readEncoderSpec(dir('bert-ner')), 'token-classification', { numLabels: 9, gradients: false });
    const { parameters, initialized } = loadParameters(graph, join(dir('bert-ner'), 'model.safetensors'));
    expect(initialized).toEqual([]);
    const session = await TrainingSession.create(graph, parameters, { threads: 1 });
    for (const ref of references('bert-ner')) {
      const batch = batchFromRows({ ...ref, labels: ref.input_ids.map((r) => r.map(() => 0)) });
      const { logits } = await session.evaluate(batch);
      expect(relativeError(logits, ref.logits!.flat(2))).toBeLessThan(2e-5);
    }
    await session.release();
  });

  it('distilbert-qa: start and end logits of every batch', async () => {
    const graph = buildTrainingGraph(readEncoderSpec(dir('distilbert-qa')), 'question-answering', { gradients: false });
    const { parameters, initialized } = loadParameters(graph, join(dir('distilbert-qa'), 'model.safetensors'));
    expect(initialized).toEqual([]);
    const session = await TrainingSession.create(graph, parameters, { threads: 1 });
    for (const ref of references('distilbert-qa')) {
      const zeros = ref.input_ids.map(() => 0);
      const { startLogits, endLogits } = await session.evaluate(batchFromRows({ ...ref, start_positions: zeros, end_positions: zeros }));
      expect(relativeError(startLogits!, ref.start_logits!.flat())).toBeLessThan(2e-5);
      expect(relativeError(endLogits!, ref.end_logits!.flat())).toBeLessThan(2e-5);
    }
    await session.release();
  });

  it('roberta-tiny: the encoder (positions from pad + 1, padded batches) gives the stored last hidden states', async () => {
    // An identity token classifier (32 labels = hidden size) exposes the last hidden state as the logits.
    const spec = readEncoderSpec(dir('roberta-tiny'));
    const graph = buildTrainingGraph(spec, 'token-classification', { numLabels: spec.hidden, gradients: false });
    const { parameters, initialized } = loadParameters(graph, join(dir('roberta-tiny'), 'model.safetensors'));
    expect(initialized.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    const eye = parameters.get('classifier.weight')!.fill(0);
    for (let i = 0; i < spec.hidden; i++) eye[i * spec.hidden + i] = 1;
    const session = await TrainingSession.create(graph, parameters, { threads: 1 });
    let padded = 0;
    for (const ref of references('roberta-tiny')) {
      padded += ref.input_ids.flat().filter((id) => id === 1).length;
      const { logits } = await session.evaluate(batchFromRows({ ...ref, labels: ref.input_ids.map((r) => r.map(() => 0)) }));
      expect(relativeError(logits, ref.hidden_states!.at(-1)!.flat(2))).toBeLessThan(2e-5);
    }
    expect(padded).toBeGreaterThan(0); // the position offset of pad tokens was exercised
    await session.release();
  });
});
