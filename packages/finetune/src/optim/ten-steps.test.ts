import { describe, expect, it } from 'vitest';
import { batchFromRows } from '../batch.js';
import { readEncoderSpec } from '../model/model-spec.js';
import { buildTrainingGraph } from '../model/task-graph.js';
import { readBatches, readSummary, readTensors, standInDir } from '../testing/reference.js';
import { relativeError } from '../testing/run-graph.js';
import { TrainingSession } from '../training-session.js';
import { AdamW } from './adamw.js';
import { clipGradNorm } from './clip.js';
import { learningRate } from './schedule.js';

// Oracle: 10 PyTorch AdamW steps with the Trainer's defaults (train-reference/classify-after10.safetensors, summary.json).
for (const model of ['distilbert', 'bert'] as const) {
  describe(`${model}: 10 optimizer steps`, () => {
    it('match the per-step loss, grad norm, lr and the final weights', async () => {
      const params = readTensors(model, 'initial.safetensors');
      const session = await TrainingSession.create(buildTrainingGraph(readEncoderSpec(standInDir(model)), 'sequence-classification'), params, { threads: 1, dropout: false });
      const optimizer = new AdamW(params);
      const batches = readBatches(model).classify.map(batchFromRows);
      const summary = readSummary(model);
      for (const expected of summary.classify_steps) {
        const { loss } = await session.computeGradients(batches[expected.step % batches.length]!);
        const norm = clipGradNorm(session.gradients.values(), 1.0);
        const lr = learningRate(expected.step, { kind: 'linear', peak: 1e-3, warmupSteps: 2, totalSteps: 10 });
        expect(loss, `loss at step ${expected.step}`).toBeCloseTo(expected.loss, 6);
        expect(Math.abs(norm - expected.grad_norm_before_clip) / expected.grad_norm_before_clip, `grad norm at step ${expected.step}`).toBeLessThan(1e-4);
        expect(lr).toBeCloseTo(expected.lr, 12);
        optimizer.step(session.gradients, lr);
      }
      const after = readTensors(model, 'classify-after10.safetensors');
      let worstAbs = 0;
      let worstRel = 0;
      for (const [name, p] of params) {
        const ref = after.get(name)!;
        let abs = 0;
        for (let i = 0; i < p.length; i++) abs = Math.max(abs, Math.abs(p[i]! - ref[i]!));
        worstAbs = Math.max(worstAbs, abs);
        worstRel = Math.max(worstRel, relativeError(p, ref));
      }
      console.log(`${model} after 10 steps: max |Δw| ${worstAbs.toExponential(2)}, max relative ${worstRel.toExponential(2)}`);
      expect(worstAbs).toBeLessThan(1e-5);
      await session.release();
    });
  });
}
