import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { requireShared } from '@bertkit/shared-data';
import { describe, expect, it } from 'vitest';
import { readEncoderSpec } from '../model/model-spec.js';
import { buildTrainingGraph } from '../model/task-graph.js';
import { standInDir } from '../testing/reference.js';
import { TrainingSession } from '../training-session.js';
import { evaluateExamples } from './evaluate.js';
import { keysOf, readAll, tempOut, toyExamples } from './testing-data.js';
import { trainModel } from './train-model.js';

const fixture = (name: string) => join(requireShared(), 'models', name, 'model.safetensors');

// transformers' *ForSequenceClassification state dicts, from real fine-tuned checkpoints of the same depth:
// distilbert-sst2 as it is; BERT = bert-ner (BertForTokenClassification, no pooler) + the pooler.
const expectedKeys = {
  distilbert: () => keysOf(fixture('distilbert-sst2')),
  bert: () => [...keysOf(fixture('bert-ner')), 'bert.pooler.dense.bias', 'bert.pooler.dense.weight'].sort(),
};

describe.each(['distilbert', 'bert'] as const)('trainModel classify on tiny-random-%s', (family) => {
  it('writes a Hugging Face directory whose ONNX export gives the logits of the training process', async () => {
    const out = tempOut(`classify-${family}`);
    const dev = toyExamples(12, 100);
    const evals: number[] = [];
    const summary = await trainModel({
      model: standInDir(family),
      task: 'classify',
      labelNames: ['negative', 'positive'],
      train: toyExamples(40),
      dev,
      out,
      epochs: 3,
      batchSize: 8,
      learningRate: 1e-2,
      warmupRatio: 0.1,
      threads: 1,
      onEvaluate: (e) => void evals.push(e.metrics.accuracy!),
    });
    expect(summary.steps).toBe(15);
    expect(evals).toHaveLength(3);
    expect(summary.best!.metrics.accuracy).toBe(1); // learned: both classes predicted, so the comparison below means something
    console.log(`${family}: dev accuracy per epoch ${evals.join(', ')}; best ${JSON.stringify(summary.best?.metrics)}; ${summary.tokensPerSecond.toFixed(0)} tokens/s`);
    expect(keysOf(join(out, 'model.safetensors'))).toEqual(expectedKeys[family]());
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.architectures).toEqual([family === 'bert' ? 'BertForSequenceClassification' : 'DistilBertForSequenceClassification']);
    expect(config.id2label).toEqual({ '0': 'negative', '1': 'positive' });
    expect(config.label2id).toEqual({ negative: 0, positive: 1 });
    expect(config.problem_type).toBe('single_label_classification');
    expect(existsSync(join(out, 'vocab.txt'))).toBe(true);
    const state = JSON.parse(readFileSync(join(out, 'trainer_state.json'), 'utf8')) as { log_history: Array<Record<string, number>>; best_global_step: number };
    expect(state.log_history.filter((l) => 'eval_accuracy' in l)).toHaveLength(3);
    expect(state.best_global_step).toBe(summary.best!.step);

    // The training process's own evaluation of the written weights ...
    const spec = readEncoderSpec(out);
    const session = await TrainingSession.create(buildTrainingGraph(spec, 'sequence-classification', { numLabels: 2 }), readAll(join(out, 'model.safetensors')), { threads: 1, dropout: false });
    const mine = await evaluateExamples({ session, task: 'sequence-classification', problemType: 'single_label_classification', numLabels: 2, labelNames: [], batchSize: 8 }, dev);
    await session.release();
    expect(mine.predictions).toEqual(summary.best!.predictions);
    // ... equals the converter's ONNX model of the written directory, example by example.
    const onnx = await ort.InferenceSession.create(join(out, 'onnx', 'model.onnx'), { intraOpNumThreads: 1 });
    let worst = 0;
    for (const [i, e] of dev.entries()) {
      const dims = [1, e.ids.length];
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(e.ids, BigInt), dims),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(e.ids.length).fill(1n), dims),
      };
      if (onnx.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(e.ids.length), dims);
      const logits = (await onnx.run(feeds)).logits!.data as Float32Array;
      for (let k = 0; k < 2; k++) worst = Math.max(worst, Math.abs(logits[k]! - mine.logits[i]![k]!));
    }
    await onnx.release();
    console.log(`${family}: ONNX export vs training evaluation, max |logit diff| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
  }, 60_000);
});

describe('trainModel masked-lm on tiny-random-bert', () => {
  it('lowers the dev masked-token loss on a repeated text and writes a BertForMaskedLM directory with the tied decoder left out', async () => {
    const out = tempOut('mlm');
    const text = [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102];
    const train = Array.from({ length: 32 }, () => ({ ids: text }));
    const losses: number[] = [];
    const summary = await trainModel({
      model: standInDir('bert'),
      task: 'masked-lm',
      train,
      dev: train.slice(0, 8),
      out,
      epochs: 3,
      batchSize: 8,
      learningRate: 1e-2,
      schedule: 'constant',
      mlm: { probability: 0.3 },
      threads: 1,
      onEvaluate: (e) => void losses.push(e.metrics.loss!),
    });
    console.log(`MLM dev loss per epoch ${losses.map((l) => l.toFixed(3)).join(' -> ')}; perplexity ${summary.metrics.perplexity?.toFixed(1)}`);
    expect(losses).toHaveLength(3);
    expect(losses[2]!).toBeLessThan(losses[0]! * 0.8);
    expect(summary.metrics.perplexity).toBeCloseTo(Math.exp(summary.metrics.loss!), 6);
    // BertForMaskedLM saved with safetensors: bert-ner's encoder keys (no pooler) + the MLM head, decoder weight/bias tied and not stored.
    const encoder = keysOf(fixture('bert-ner')).filter((k) => !k.startsWith('classifier.'));
    expect(keysOf(join(out, 'model.safetensors'))).toEqual([...encoder, 'cls.predictions.bias', 'cls.predictions.transform.LayerNorm.bias', 'cls.predictions.transform.LayerNorm.weight', 'cls.predictions.transform.dense.bias', 'cls.predictions.transform.dense.weight'].sort());
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.architectures).toEqual(['BertForMaskedLM']);
    expect(config.id2label).toBeUndefined();
    expect(existsSync(join(out, 'onnx', 'model.onnx'))).toBe(true);
  }, 60_000);

  it('pretrains roberta-tiny into exactly the key list of the RobertaForMaskedLM checkpoint it came from', async () => {
    const out = tempOut('mlm-roberta');
    const train = Array.from({ length: 16 }, (_, i) => ({ ids: [0, 713, 16, 10, 1296 + i, 4, 2] }));
    await trainModel({ model: join(requireShared(), 'models', 'roberta-tiny'), task: 'masked-lm', train, out, epochs: 1, batchSize: 8, threads: 1 });
    // As save_pretrained with safetensors: lm_head.decoder.{weight,bias} are tied (word table, lm_head.bias) and not stored.
    expect(keysOf(join(out, 'model.safetensors'))).toEqual(keysOf(fixture('roberta-tiny')));
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.architectures).toEqual(['RobertaForMaskedLM']);
  }, 60_000);
});

describe('trainModel best model and early stopping', () => {
  it('keeps the best evaluation in the output directory and stops after `patience` evaluations without improvement', async () => {
    const out = tempOut('early');
    const evals: Array<{ step: number; accuracy: number; best: boolean }> = [];
    const summary = await trainModel({
      model: standInDir('distilbert'),
      task: 'classify',
      labelNames: ['a', 'b'],
      train: toyExamples(32),
      dev: toyExamples(16, 200),
      out,
      epochs: 30,
      batchSize: 8,
      learningRate: 1e-2,
      warmupSteps: 2,
      evalEvery: 2,
      earlyStoppingPatience: 3,
      metricForBestModel: 'loss',
      threads: 1,
      onEvaluate: (e) => void evals.push({ step: e.step, accuracy: e.metrics.accuracy!, best: e.best }),
    });
    console.log(`early stopping: ${evals.length} evaluations, best at step ${summary.best?.step} (${JSON.stringify(summary.best?.metrics)}), stopped at ${summary.steps}`);
    expect(summary.stoppedEarly).toBe(true);
    expect(summary.steps).toBeLessThan(120);
    const bestIndex = evals.findLastIndex((e) => e.best);
    expect(evals.length - 1 - bestIndex).toBe(3);
    expect(summary.best!.step).toBe(evals[bestIndex]!.step);
    expect(summary.best!.metrics.accuracy).toBeGreaterThan(0.9);
    // The directory holds the best weights: evaluating them gives the best evaluation's loss.
    const session = await TrainingSession.create(buildTrainingGraph(readEncoderSpec(out), 'sequence-classification', { numLabels: 2 }), readAll(join(out, 'model.safetensors')), { threads: 1, dropout: false });
    const again = await evaluateExamples({ session, task: 'sequence-classification', problemType: 'single_label_classification', numLabels: 2, labelNames: [], batchSize: 8 }, toyExamples(16, 200));
    await session.release();
    expect(again.metrics.loss).toBeCloseTo(summary.best!.metrics.loss!, 6);
  }, 60_000);
});

describe('trainModel loading, freezing and progress', () => {
  it('trains from pytorch_model.bin exactly as from the same weights in model.safetensors', async () => {
    const run = async (name: string) => {
      const out = tempOut(name);
      const summary = await trainModel({ model: join(requireShared(), 'models', name), task: 'classify', labelNames: ['a', 'b'], train: toyExamples(16), out, epochs: 1, batchSize: 8, threads: 1 });
      // BertForPreTraining weights: the pooler is there, only the classifier is new.
      expect(summary.initialized).toEqual(['classifier.weight', 'classifier.bias']);
      return readFileSync(join(out, 'model.safetensors'));
    };
    expect((await run('legacy-bert-bin')).equals(await run('legacy-bert'))).toBe(true);
  }, 60_000);

  it('frozen embeddings and first layer: no update, no optimizer state; progress reports tokens/s and ETA', async () => {
    const out = tempOut('freeze');
    const initial = readAll(join(standInDir('distilbert'), 'model.safetensors'));
    const progress: Array<{ tps: number; eta: number }> = [];
    const summary = await trainModel({
      model: standInDir('distilbert'),
      task: 'classify',
      labelNames: ['a', 'b'],
      train: toyExamples(24),
      out,
      epochs: 1,
      batchSize: 8,
      learningRate: 1e-2,
      freezeEmbeddings: true,
      freezeLayers: 1,
      threads: 1,
      onStep: (s) => void progress.push({ tps: s.tokensPerSecond, eta: s.etaSeconds }),
    });
    const trained = readAll(join(out, 'model.safetensors'));
    for (const [name, before] of initial) {
      const after = trained.get(name)!;
      const frozen = name.includes('embeddings') || name.includes('transformer.layer.0.');
      expect(Buffer.from(after.buffer).equals(Buffer.from(before.buffer)), name).toBe(frozen);
    }
    const moments = keysOf(join(out, `checkpoint-${summary.steps}`, 'optimizer.safetensors'));
    expect(moments.some((k) => k.includes('embeddings') || k.includes('layer.0.'))).toBe(false);
    expect(moments).toContain('m.distilbert.transformer.layer.1.ffn.lin1.weight');
    expect(progress).toHaveLength(3);
    expect(progress.every((p) => p.tps > 0 && Number.isFinite(p.eta))).toBe(true);
    expect(progress.at(-1)!.eta).toBe(0);
    expect(summary.peakRssBytes).toBeGreaterThan(50e6);
    expect(summary.tokensPerSecond).toBeGreaterThan(0);
    expect(summary.trainLoss).toBeGreaterThan(0);
  }, 60_000);
});
