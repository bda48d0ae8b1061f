import { describe, expect, it } from 'vitest';
import { batchFromRows } from '../batch.js';
import { readEncoderSpec } from '../model/model-spec.js';
import { buildTrainingGraph } from '../model/task-graph.js';
import { readBatches, readSummary, readTensors, standInDir } from '../testing/reference.js';
import { relativeError } from '../testing/run-graph.js';
import { TrainingSession } from '../training-session.js';
import { AdamW } from './adamw.js';
import { clipCoefficient, globalNorm } from './clip.js';
import { learningRate } from './schedule.js';
import { TrainingMemory } from './training-memory.js';

// ten-steps.test.ts again, through the WebAssembly path: parameters, gradients (written by onnxruntime) and
// moments in one TrainingMemory, the norm by the sumsq kernel, clipping folded into the AdamW kernel.
for (const model of ['distilbert', 'bert'] as const) {
  describe(`${model}: 10 optimizer steps in a TrainingMemory`, () => {
    it('match the per-step loss, grad norm, lr and the final weights, every tensor on the kernel path', async () => {
      const placed = TrainingMemory.forTraining({ parameters: readTensors(model, 'initial.safetensors') });
      const graph = buildTrainingGraph(readEncoderSpec(standInDir(model)), 'sequence-classification');
      const session = await TrainingSession.create(graph, placed.parameters, { threads: 1, dropout: false, gradients: placed.gradients });
      for (const [name, g] of session.gradients) expect(g, name).toBe(placed.gradients.get(name));
      const optimizer = new AdamW(placed.parameters, { memory: placed.memory });
      const batches = readBatches(model).classify.map(batchFromRows);
      for (const expected of readSummary(model).classify_steps) {
        const { loss } = await session.computeGradients(batches[expected.step % batches.length]!);
        const norm = globalNorm(session.gradients.values());
        const lr = learningRate(expected.step, { kind: 'linear', peak: 1e-3, warmupSteps: 2, totalSteps: 10 });
        expect(loss, `loss at step ${expected.step}`).toBeCloseTo(expected.loss, 6);
        expect(Math.abs(norm - expected.grad_norm_before_clip) / expected.grad_norm_before_clip, `grad norm at step ${expected.step}`).toBeLessThan(1e-4);
        optimizer.step(session.gradients, lr, { gradScale: clipCoefficient(norm, 1.0) });
        expect(optimizer.lastStep).toEqual({ kernel: graph.parameters.length, js: 0 });
      }
      const after = readTensors(model, 'classify-after10.safetensors');
      let worstAbs = 0;
      let worstRel = 0;
      for (const [name, p] of placed.parameters) {
        const ref = after.get(name)!;
        for (let i = 0; i < p.length; i++) worstAbs = Math.max(worstAbs, Math.abs(p[i]! - ref[i]!));
        worstRel = Math.max(worstRel, relativeError(p, ref));
      }
      console.log(`${model} after 10 steps (WebAssembly path): max |Δw| ${worstAbs.toExponential(2)}, max relative ${worstRel.toExponential(2)}`);
      expect(worstAbs).toBeLessThan(1e-5);
      await session.release();
    });
  });
}

describe('TrainingSession gradients option', () => {
  const graph = buildTrainingGraph(readEncoderSpec(standInDir('distilbert')), 'sequence-classification');
  const parameters = readTensors('distilbert', 'initial.safetensors');
  const name = graph.parameters[0]!.name;
  it('refuses a buffer of the wrong size, a name the graph lacks, and a forward-only graph', async () => {
    await expect(TrainingSession.create(graph, parameters, { gradients: new Map([[name, new Float32Array(3)]]) })).rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(TrainingSession.create(graph, parameters, { gradients: new Map([['nope', new Float32Array(3)]]) })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
    const forward = buildTrainingGraph(readEncoderSpec(standInDir('distilbert')), 'sequence-classification', { gradients: false });
    await expect(TrainingSession.create(forward, parameters, { gradients: new Map() })).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
  });
  it('uses the buffers it is given and allocates the others', async () => {
    const mine = new Float32Array(parameters.get(name)!.length);
    const session = await TrainingSession.create(graph, parameters, { threads: 1, dropout: false, gradients: new Map([[name, mine]]) });
    expect(session.gradients.get(name)).toBe(mine);
    expect(session.gradients.size).toBe(graph.parameters.length);
    await session.release();
  });
});
