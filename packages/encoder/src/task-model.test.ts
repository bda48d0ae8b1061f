// Fine-tuned task models run as shipped. Oracle: reference.json logits from an independent PyTorch
// implementation of DistilBertForSequenceClassification, through the fixture's own onnx/model.onnx.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncoderError, TaskModel, applyScores, maxAbsDiff, readTaskConfig } from './index.js';
import { modelDir } from './testing/reference.js';

interface ClassifyReference {
  texts: string[];
  input_ids: number[][];
  logits: number[][];
}

const SST2 = modelDir('distilbert-sst2');
const batches = JSON.parse(readFileSync(join(SST2, 'reference.json'), 'utf8')) as ClassifyReference[];

function softmax(row: number[]): number[] {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function copyModel(dir: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'bertkit-task-')), 'model');
  cpSync(dir, copy, { recursive: true });
  return copy;
}

describe('text classification (distilbert-sst2, its shipped logits-only ONNX)', () => {
  it('labels from id2label with the reference softmax probabilities within 1e-4', async () => {
    const model = await TaskModel.load(SST2);
    expect(model.task).toBe('text-classification');
    expect(model.labels).toEqual(['NEGATIVE', 'POSITIVE']);
    let compared = 0;
    for (const batch of batches) {
      const ours = await model.classify(batch.texts);
      ours.forEach((p, r) => {
        const expected = softmax(batch.logits[r]!);
        expect(maxAbsDiff([p.probs.NEGATIVE!, p.probs.POSITIVE!], expected)).toBeLessThan(1e-4);
        expect(p.label).toBe(expected[1]! > expected[0]! ? 'POSITIVE' : 'NEGATIVE');
        expect(p.score).toBe(Math.max(p.probs.NEGATIVE!, p.probs.POSITIVE!));
        compared++;
      });
    }
    expect(compared).toBe(9);
    await model.release();
  });

  it('problem_type: sigmoid per label for multi_label_classification, raw logits for regression', async () => {
    const batch = batches[0]!;
    for (const [problem, expect0] of [
      ['multi_label_classification', (l: number[]) => l.map((v) => 1 / (1 + Math.exp(-v)))],
      ['regression', (l: number[]) => l],
    ] as const) {
      const dir = copyModel(SST2);
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, problem_type: problem }));
      const model = await TaskModel.load(dir);
      const ours = await model.classify(batch.texts);
      ours.forEach((p, r) => expect(maxAbsDiff([p.probs.NEGATIVE!, p.probs.POSITIVE!], expect0(batch.logits[r]!))).toBeLessThan(1e-4));
      await model.release();
    }
  });

  it('without id2label the labels are LABEL_0, LABEL_1 as transformers names them', async () => {
    const dir = copyModel(SST2);
    const { id2label: _a, label2id: _b, ...config } = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    expect(readTaskConfig(join(dir, 'config.json'), 3).labels).toEqual(['LABEL_0', 'LABEL_1', 'LABEL_2']);
    const model = await TaskModel.load(dir);
    const [p] = await model.classify(['a gripping film']);
    expect(Object.keys(p!.probs)).toEqual(['LABEL_0', 'LABEL_1']);
    await model.release();
  });

  it('a graph without logits given as a task model: E_NOT_A_TASK_MODEL naming the outputs it has', async () => {
    const error = await TaskModel.load(modelDir('tiny-random-bert')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncoderError);
    expect((error as EncoderError).code).toBe('E_NOT_A_TASK_MODEL');
    expect((error as EncoderError).message).toMatch(/no "logits" or "start_logits" and "end_logits" output \(it has last_hidden_state/);
  });

  it('id2label that does not match the logits, a bad problem_type, the wrong method for the task', async () => {
    const dir = copyModel(SST2);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, id2label: { 0: 'A', 1: 'B', 2: 'C' } }));
    const model = await TaskModel.load(dir);
    await expect(model.classify(['x'])).rejects.toThrow(/id2label names 3 labels but the graph gives 2 logits/);
    await expect(model.ner(['x'])).rejects.toThrow(/ner\(\) needs a token-classification model/);
    await model.release();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, problem_type: 'ranking' }));
    await expect(TaskModel.load(dir)).rejects.toMatchObject({ code: 'E_BAD_CONFIG' });
  });

  it('applyScores: softmax rows sum to 1 and keep order', () => {
    const p = applyScores([1, 2, 3, 0, 0, 0], 3, 'softmax');
    expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 12);
    expect(Array.from(p.subarray(3))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });
});
