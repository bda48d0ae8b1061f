import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { requireShared } from '@bertkit/shared-data';
import { describe, expect, it } from 'vitest';
import { standInDir } from '../testing/reference.js';
import { familyDir } from '../testing/task-examples.js';
import { bestSpan } from './metrics.js';
import { keysOf, tempOut, toyExamples, toyMultiLabel, toyNer, toyQa, toyRegression } from './testing-data.js';
import { trainModel } from './train-model.js';
import type { TrainExample, TrainModelOptions } from './types.js';


/** Predictions from the converter's ONNX model of the written directory, one example at a time (no padding). */
async function onnxPredictions(dir: string, dev: readonly TrainExample[], decode: (out: ort.InferenceSession.OnnxValueMapType, e: TrainExample) => number | number[]): Promise<Array<number | number[]>> {
  const session = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'), { intraOpNumThreads: 1 });
  const result: Array<number | number[]> = [];
  for (const e of dev) {
    const dims = [1, e.ids.length];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(e.ids, BigInt), dims),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(e.ids.length).fill(1n), dims),
    };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', BigInt64Array.from(e.typeIds ?? e.ids.map(() => 0), BigInt), dims);
    result.push(decode(await session.run(feeds), e));
  }
  await session.release();
  return result;
}

const logitsOf = (out: ort.InferenceSession.OnnxValueMapType, name = 'logits') => out[name]!.data as Float32Array;
const argmaxRow = (x: Float32Array, from: number, width: number) => {
  let best = 0;
  for (let k = 1; k < width; k++) if (x[from + k]! > x[from + best]!) best = k;
  return best;
};

interface Case {
  name: string;
  options: Partial<TrainModelOptions>;
  train: TrainExample[];
  dev: TrainExample[];
  architecture: string;
  /** transformers' key list: a fine-tuned fixture of the same class and depth. */
  fixtureKeys: () => string[];
  metric: string;
  decode: (out: ort.InferenceSession.OnnxValueMapType, e: TrainExample) => number | number[];
}

const fixtureKeys = (name: string) => keysOf(join(requireShared(), 'models', name, 'model.safetensors'));
const distilClassifier = () => fixtureKeys('distilbert-sst2');

const cases: Case[] = [
  {
    name: 'ner (BERT)',
    options: { model: standInDir('bert'), task: 'ner', labelNames: ['O', 'B-X', 'I-X'] },
    train: toyNer(48),
    dev: toyNer(12, 100),
    architecture: 'BertForTokenClassification',
    fixtureKeys: () => fixtureKeys('bert-ner'),
    metric: 'f1',
    decode: (out, e) => {
      const l = logitsOf(out);
      return (e.labels ?? []).flatMap((label, t) => (label === -100 ? [] : [argmaxRow(l, t * 3, 3)]));
    },
  },
  {
    name: 'qa (DistilBERT)',
    options: { model: standInDir('distilbert'), task: 'qa' },
    train: toyQa(48),
    dev: toyQa(12, 100),
    architecture: 'DistilBertForQuestionAnswering',
    fixtureKeys: () => fixtureKeys('distilbert-qa'),
    metric: 'f1',
    decode: (out, e) => bestSpan(logitsOf(out, 'start_logits'), logitsOf(out, 'end_logits'), e.ids.length),
  },
  {
    name: 'multi-label (DistilBERT)',
    options: { model: standInDir('distilbert'), task: 'classify', problemType: 'multi_label_classification', labelNames: ['x', 'y', 'z'] },
    train: toyMultiLabel(48),
    dev: toyMultiLabel(16, 100),
    architecture: 'DistilBertForSequenceClassification',
    fixtureKeys: distilClassifier,
    metric: 'f1',
    decode: (out) => Array.from(logitsOf(out), (x) => (x > 0 ? 1 : 0)),
  },
  {
    name: 'regression (DistilBERT)',
    options: { model: standInDir('distilbert'), task: 'classify', problemType: 'regression' },
    train: toyRegression(48),
    dev: toyRegression(12, 100),
    architecture: 'DistilBertForSequenceClassification',
    fixtureKeys: distilClassifier,
    metric: 'mse',
    decode: (out) => logitsOf(out)[0]!,
  },
  {
    name: 'classify (RoBERTa)',
    options: { model: join(requireShared(), 'models', 'roberta-tiny'), task: 'classify', labelNames: ['a', 'b'] },
    train: toyExamples(48),
    dev: toyExamples(12, 100),
    architecture: 'RobertaForSequenceClassification',
    // roberta-tiny is a RobertaForMaskedLM checkpoint as the Hub's roberta-base: its encoder keys, and in
    // place of lm_head.* the classification head of RobertaClassificationHead (no pooler).
    fixtureKeys: () => [...fixtureKeys('roberta-tiny').filter((k) => !k.startsWith('lm_head.')), 'classifier.dense.bias', 'classifier.dense.weight', 'classifier.out_proj.bias', 'classifier.out_proj.weight'].sort(),
    metric: 'accuracy',
    decode: (out) => argmaxRow(logitsOf(out), 0, 2),
  },
  {
    name: 'classify (ELECTRA)',
    options: { model: join(requireShared(), 'models', 'electra-tiny'), task: 'classify', labelNames: ['a', 'b'] },
    train: toyExamples(48),
    dev: toyExamples(12, 100),
    architecture: 'ElectraForSequenceClassification',
    // electra-tiny is an ElectraForPreTraining checkpoint (the discriminator, as google/electra-*-discriminator):
    // its encoder keys, and in place of discriminator_predictions.* ElectraClassificationHead's.
    fixtureKeys: () => [...fixtureKeys('electra-tiny').filter((k) => k.startsWith('electra.')), 'classifier.dense.bias', 'classifier.dense.weight', 'classifier.out_proj.bias', 'classifier.out_proj.weight'].sort(),
    metric: 'accuracy',
    decode: (out) => argmaxRow(logitsOf(out), 0, 2),
  },
  {
    name: 'qa (MPNet)',
    options: { model: familyDir('mpnet'), task: 'qa' },
    train: toyQa(48),
    dev: toyQa(12, 100),
    architecture: 'MPNetForQuestionAnswering',
    // A bare MPNetModel checkpoint (as sentence-transformers' all-mpnet-base-v2): its keys under `mpnet.`, then qa_outputs.
    fixtureKeys: () => [...keysOf(join(familyDir('mpnet'), 'model.safetensors')).map((k) => `mpnet.${k}`), 'qa_outputs.bias', 'qa_outputs.weight'].sort(),
    metric: 'f1',
    decode: (out, e) => bestSpan(logitsOf(out, 'start_logits'), logitsOf(out, 'end_logits'), e.ids.length),
  },
  {
    name: 'ner (ALBERT)',
    options: { model: join(requireShared(), 'models', 'albert-tiny'), task: 'ner', labelNames: ['O', 'B-X', 'I-X'] },
    train: toyNer(48),
    dev: toyNer(12, 100),
    architecture: 'AlbertForTokenClassification',
    // AlbertForTokenClassification has no pooler (add_pooling_layer=False) and no MLM head: albert-tiny's
    // shared-layer encoder keys and the classifier.
    fixtureKeys: () => [...fixtureKeys('albert-tiny').filter((k) => k.startsWith('albert.') && !k.startsWith('albert.pooler.')), 'classifier.bias', 'classifier.weight'].sort(),
    metric: 'f1',
    decode: (out, e) => {
      const l = logitsOf(out);
      return (e.labels ?? []).flatMap((label, t) => (label === -100 ? [] : [argmaxRow(l, t * 3, 3)]));
    },
  },
];

describe.each(cases)('trainModel $name', (c) => {
  it('trains, evaluates, and writes a directory whose ONNX export predicts as the training process did', async () => {
    const out = tempOut(c.name.replace(/\W+/g, '-'));
    const metrics: Array<Record<string, number>> = [];
    const summary = await trainModel({
      task: 'classify',
      model: '',
      train: c.train,
      dev: c.dev,
      out,
      epochs: 4,
      batchSize: 8,
      learningRate: 1e-2,
      warmupSteps: 2,
      threads: 1,
      onEvaluate: (e) => void metrics.push(e.metrics),
      ...c.options,
    });
    console.log(`${c.name}: ${c.metric} per epoch ${metrics.map((m) => m[c.metric]!.toFixed(3)).join(', ')}`);
    expect(metrics).toHaveLength(4);
    expect(keysOf(join(out, 'model.safetensors'))).toEqual(c.fixtureKeys());
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.architectures).toEqual([c.architecture]);
    const predictions = summary.best!.predictions!;
    expect(predictions).toHaveLength(c.dev.length);
    const fromOnnx = await onnxPredictions(out, c.dev, c.decode);
    if (c.metric === 'mse') (fromOnnx as number[]).forEach((v, i) => expect(v).toBeCloseTo(predictions[i] as number, 4));
    else expect(fromOnnx).toEqual(predictions);
  }, 60_000);
});
