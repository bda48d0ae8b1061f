import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireShared } from '@bertkit/shared-data';
import { describe, expect, it } from 'vitest';
import { specFromConfig } from '../model/model-spec.js';
import { standInDir } from '../testing/reference.js';
import { listCheckpoints, loadCheckpoint } from './checkpoint.js';
import { tempOut, toyExamples } from './testing-data.js';
import { trainModel } from './train-model.js';
import type { TrainModelOptions } from './types.js';

const base = (out: string, extra: Partial<TrainModelOptions> = {}): TrainModelOptions => ({
  model: standInDir('distilbert'),
  task: 'classify',
  labelNames: ['a', 'b'],
  train: toyExamples(24),
  out,
  epochs: 1,
  batchSize: 8,
  threads: 1,
  ...extra,
});

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Error & { code: string });

describe('trainModel bad input: one-line errors with a stable code', () => {
  it('an empty training set', async () => {
    const err = await failure(trainModel(base(tempOut('empty'), { train: [] })));
    expect(err).toMatchObject({ code: 'E_EMPTY_DATA', message: 'no training examples (the training set is empty)' });
  });

  it('a dev label outside the training labels, naming the example', async () => {
    const dev = toyExamples(6, 50);
    dev[3] = { ...dev[3]!, label: 5 };
    const err = await failure(trainModel(base(tempOut('dev-label'), { dev })));
    expect(err).toMatchObject({ code: 'E_INVALID_OPTION', message: 'dev example 3: label 5 is not one of the 2 labels (0..1)' });
    const ner = await failure(trainModel(base(tempOut('ner-label'), { task: 'ner', labelNames: ['O', 'B-X', 'I-X'], train: [{ ids: [101, 5, 102], labels: [-100, 7, -100] }] })));
    expect(ner).toMatchObject({ code: 'E_INVALID_OPTION', message: 'train example 0: label 7 is not one of the 3 labels (0..2) nor -100' });
  });

  it('a model without a trainable architecture, naming config.json and model_type', async () => {
    const dir = join(tempOut('gpt2'), '..', 'gpt2');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', n_layer: 2 }));
    const err = await failure(trainModel(base(tempOut('unsupported'), { model: dir })));
    expect(err?.code).toBe('E_UNSUPPORTED_MODEL');
    expect(err?.message).toMatch(/config\.json: model_type "gpt2" cannot be trained/);
    expect(err?.message).not.toContain('\n');
  });

  it('ALBERT variants it cannot train and a partial freeze of its shared layers, each named', async () => {
    const albert = JSON.parse(readFileSync(join(requireShared(), 'models', 'albert-tiny', 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(() => specFromConfig({ ...albert, num_hidden_groups: 2 }, 'albert/config.json')).toThrow(/albert\/config\.json: num_hidden_groups 2 is not supported for training/);
    expect(() => specFromConfig({ ...albert, hidden_act: 'relu' }, 'albert/config.json')).toThrow(/hidden_act relu is not supported for training \(gelu or gelu_new\)/);
    const err = await failure(trainModel(base(tempOut('albert-freeze'), { model: join(requireShared(), 'models', 'albert-tiny'), freezeLayers: 1 })));
    expect(err?.code).toBe('E_INVALID_OPTION');
    expect(err?.message).toMatch(/freezeLayers 1: ALBERT's 2 layers share one set of weights, so only 0 or 2/);
  });

  it('a loss that becomes NaN/inf: no update applied, stops naming the step and learning rate, the last good weights saved', async () => {
    const out = tempOut('nan');
    const err = await failure(trainModel(base(out, { learningRate: 1e7, schedule: 'constant', epochs: 40 })));
    expect(err?.code).toBe('E_NON_FINITE');
    console.log(err?.message);
    const m = /^(loss became (NaN|-?Infinity)|the gradient norm became (NaN|-?Infinity)) at step (\d+) \(learning rate 10000000\); the last good weights are in (.*checkpoint-(\d+))$/.exec(err!.message);
    expect(m, err!.message).not.toBeNull();
    expect(m![6]).toBe(m![4]);
    const saved = loadCheckpoint(m![5]!);
    expect(saved.state.position.step).toBe(Number(m![4]));
    for (const [name, p] of saved.parameters) expect(p.every(Number.isFinite), name).toBe(true);
    expect(listCheckpoints(out).at(-1)?.step).toBe(Number(m![4]));
  }, 60_000);
});
