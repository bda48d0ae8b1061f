import { describe, expect, it } from 'vitest';
import { lengthGroupedBatches } from './data/length-grouped.js';
import type { Example } from './data/length-grouped.js';
import { finetune } from './finetune.js';
import { readEncoderSpec } from './model/model-spec.js';
import { buildTrainingGraph } from './model/task-graph.js';
import { readTensors, standInDir } from './testing/reference.js';
import { relativeError } from './testing/run-graph.js';
import { TrainingSession } from './training-session.js';

const graph = buildTrainingGraph(readEncoderSpec(standInDir('distilbert')), 'sequence-classification');
const session = () => TrainingSession.create(graph, readTensors('distilbert', 'initial.safetensors'), { threads: 1, dropout: false });
// A learnable toy task: the label says which of two words follows [CLS].
const examples: Example[] = Array.from({ length: 32 }, (_, i) => ({ ids: [101, i % 2 ? 2204 : 2919, 1000 + i, 1012, 102], label: i % 2 }));

describe('lengthGroupedBatches', () => {
  it('covers every example once, similar lengths together, seeded', () => {
    const lengths = Array.from({ length: 1000 }, (_, i) => (i * 37) % 101);
    const batches = lengthGroupedBatches(lengths, 8, 3);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    for (const b of batches.slice(0, 49)) expect(lengths[b[0]!]!).toBeGreaterThanOrEqual(lengths[b.at(-1)!]!);
    expect(lengthGroupedBatches(lengths, 8, 3)).toEqual(batches);
    expect(lengthGroupedBatches(lengths, 8, 4)).not.toEqual(batches);
  });
});

describe('finetune', () => {
  it('accumulating 2 micro-batches of 4 equals one batch of 8', async () => {
    const [a, b] = [await session(), await session()];
    await finetune(a, examples.slice(0, 8), { batchSize: 8, schedule: { peak: 1e-3 }, groupByLength: false });
    await finetune(b, examples.slice(0, 8), { batchSize: 4, gradientAccumulation: 2, schedule: { peak: 1e-3 }, groupByLength: false });
    for (const [name, p] of a.parameters) expect(relativeError(b.parameters.get(name)!, p), name).toBeLessThan(1e-5);
  });

  it('learns a toy task: loss falls, onStep sees every step with the schedule', async () => {
    const s = await session();
    const seen: number[] = [];
    const log = await finetune(s, examples, { epochs: 8, batchSize: 8, schedule: { peak: 1e-2, warmupSteps: 2 }, onStep: (info) => void seen.push(info.learningRate) });
    expect(log).toHaveLength(32);
    expect(seen[0]).toBe(0);
    expect(seen[2]).toBeCloseTo(1e-2, 12);
    const first = log.slice(0, 4).reduce((x, l) => x + l.loss, 0) / 4;
    const last = log.slice(-4).reduce((x, l) => x + l.loss, 0) / 4;
    console.log(`toy task loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
    expect(last).toBeLessThan(first * 0.5);
  });
});

describe('finetune for masked LM', () => {
  it('masks each batch through collate and lowers the loss on a repeated text', async () => {
    const { maskTokens } = await import('./data/mlm-collator.js');
    const mlmGraph = buildTrainingGraph(readEncoderSpec(standInDir('distilbert')), 'masked-lm');
    const s = await TrainingSession.create(mlmGraph, readTensors('distilbert', 'mlm-initial.safetensors'), { threads: 1, dropout: false });
    const text = [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102];
    const corpus: Example[] = Array.from({ length: 16 }, () => ({ ids: text, label: 0 }));
    const log = await finetune(s, corpus, {
      epochs: 6,
      batchSize: 8,
      schedule: { kind: 'constant', peak: 1e-2 },
      collate: (b, step) => maskTokens(b, { vocabSize: 30522, specialIds: [0, 101, 102], probability: 0.3, seed: step }),
    });
    expect(log).toHaveLength(12);
    expect(log.every((l) => Number.isFinite(l.loss))).toBe(true);
    const first = (log[0]!.loss + log[1]!.loss) / 2;
    const last = (log[10]!.loss + log[11]!.loss) / 2;
    console.log(`MLM toy loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
    expect(last).toBeLessThan(first * 0.7);
  });
});
