import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEncoderSpec } from '../model/model-spec.js';
import { standInDir } from '../testing/reference.js';
import { listCheckpoints } from './checkpoint.js';
import { tempOut, toyExamples } from './testing-data.js';
import { trainModel } from './train-model.js';
import type { TrainModelOptions } from './types.js';

const train = toyExamples(40);

function options(family: 'distilbert' | 'bert', out: string, extra: Partial<TrainModelOptions> = {}): TrainModelOptions {
  return {
    model: standInDir(family),
    task: 'classify',
    labelNames: ['a', 'b'],
    train,
    out,
    epochs: 2,
    batchSize: 8,
    learningRate: 5e-3,
    warmupSteps: 2,
    checkpointEvery: 3,
    keepCheckpoints: 10,
    threads: 1,
    ...extra,
  };
}

const weights = (out: string) => readFileSync(join(out, 'model.safetensors'));

describe.each([
  ['distilbert', [7, 6, 3]],
  ['bert', [7, 5]],
] as const)('exact resume (%s, dropout on)', (family, froms) => {
  it('an interrupted run resumed from any checkpoint ends with the bytes of an uninterrupted run', async () => {
    const spec = readEncoderSpec(standInDir(family));
    expect(Math.min(spec.hiddenDropout, spec.attentionDropout)).toBeGreaterThan(0);
    const whole = tempOut('whole');
    const summary = await trainModel(options(family, whole));
    expect(summary.steps).toBe(10);
    const reference = weights(whole);

    // Same data, another seed: different dropout masks and batches, different weights (the comparison can fail).
    const other = tempOut('seed');
    await trainModel(options(family, other, { seed: 7 }));
    expect(weights(other).equals(reference)).toBe(false);

    // Abort after step index 6 (7 steps done): checkpoints at 3 and 6 (periodic), 5 (epoch end), 7 (abort).
    const cut = tempOut('cut');
    const controller = new AbortController();
    await expect(trainModel(options(family, cut, { signal: controller.signal, onStep: (s) => void (s.step === 6 && controller.abort()) }))).rejects.toMatchObject({
      code: 'E_INTERRUPTED',
      message: expect.stringMatching(/interrupted at step 7; .*checkpoint-7/),
    });
    expect(listCheckpoints(cut).map((c) => c.step)).toEqual([3, 5, 6, 7]);
    for (const from of froms) {
      // Each resume in its own copy (as a SIGKILL'd run resumes from its last periodic checkpoint, Ctrl-C from 7).
      const copy = join(tempOut(`resume-${from}`), 'out');
      cpSync(cut, copy, { recursive: true });
      const resumed = await trainModel(options(family, copy, { resume: join(copy, `checkpoint-${from}`) }));
      expect(resumed.steps, `resumed from ${from}`).toBe(10);
      expect(weights(copy).equals(reference), `resumed from checkpoint-${from}`).toBe(true);
    }
  }, 120_000);
});

describe('exact resume of masked-LM pretraining with gradient accumulation', () => {
  it('masks (seeded by the micro-step) and accumulated gradients continue exactly', async () => {
    const text = [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102];
    const corpus = Array.from({ length: 40 }, (_, i) => ({ ids: text.slice(0, 6 + (i % 7)).concat([102]) }));
    const mlm = (out: string, extra: Partial<TrainModelOptions> = {}): TrainModelOptions => ({
      model: standInDir('distilbert'),
      task: 'masked-lm',
      train: corpus,
      out,
      epochs: 2,
      batchSize: 4,
      gradientAccumulation: 2,
      learningRate: 5e-3,
      checkpointEvery: 2,
      keepCheckpoints: 10,
      mlm: { probability: 0.3 },
      threads: 1,
      ...extra,
    });
    const whole = tempOut('mlm-whole');
    expect((await trainModel(mlm(whole))).steps).toBe(10);
    const cut = tempOut('mlm-cut');
    const controller = new AbortController();
    await expect(trainModel(mlm(cut, { signal: controller.signal, onStep: (s) => void (s.step === 2 && controller.abort()) }))).rejects.toMatchObject({ code: 'E_INTERRUPTED' });
    await trainModel(mlm(cut, { resume: true })); // the newest checkpoint: the abort's
    expect(weights(cut).equals(weights(whole))).toBe(true);
  }, 60_000);
});

describe('resume checks', () => {
  it('refuses a checkpoint made with other options, in one line naming the option', async () => {
    const out = tempOut('mismatch');
    await trainModel(options('distilbert', out, { epochs: 1 }));
    for (const [extra, pattern] of [
      [{ batchSize: 4 }, /batchSize 8, this run has 4/],
      [{ seed: 1 }, /seed 42, this run has 1/],
      [{ train: toyExamples(39) }, /trainSize 40, this run has 39/],
      [{ model: standInDir('bert') }, /model .*tiny-random-distilbert.*tiny-random-bert/],
      [{ learningRate: 1e-3 }, /learningRate .*, this run has 0\.001/],
      [{ weightDecay: 0 }, /weightDecay 0\.01, this run has 0/],
    ] as const) {
      const err = await trainModel(options('distilbert', out, { epochs: 1, resume: true, ...extra })).then(
        () => new Error('resumed'),
        (e: unknown) => e as Error,
      );
      expect(err).toMatchObject({ code: 'E_RESUME_MISMATCH', message: expect.stringMatching(pattern) });
      expect(err.message).not.toContain('\n');
    }
    await expect(trainModel(options('distilbert', tempOut('none'), { resume: true }))).rejects.toMatchObject({ code: 'E_INVALID_OPTION', message: expect.stringMatching(/no checkpoint to resume from/) });
  }, 60_000);

  it('resumes with another thread count, warning that the bytes may differ; with the same count, silently', async () => {
    const out = tempOut('threads');
    await trainModel(options('distilbert', out, { epochs: 1, checkpointEvery: 2 }));
    const from = join(out, 'checkpoint-2');
    const warnings: string[] = [];
    await trainModel(options('distilbert', tempOut('threads-same'), { epochs: 1, resume: from, onWarning: (m) => void warnings.push(m) }));
    expect(warnings).toEqual([]);
    await trainModel(options('distilbert', tempOut('threads-other'), { epochs: 1, resume: from, threads: 2, onWarning: (m) => void warnings.push(m) }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/checkpoint-2 was trained with 1 thread\(s\), this run uses 2: the result can differ .* same --threads/);
  }, 60_000);
});
