import { describe, expect, it } from 'vitest';
import { batchFromRows } from '../batch.js';
import { readBatches, readSummary, readTensors } from '../testing/reference.js';
import type { StandIn } from '../testing/reference.js';
import { relativeError } from '../testing/run-graph.js';
import { TrainingSession } from '../training-session.js';
import { readEncoderSpec } from './model-spec.js';
import { buildTrainingGraph } from './task-graph.js';
import { standInDir } from '../testing/reference.js';

// Oracle: PyTorch's gradients of the mean cross-entropy on classify[0] (train-reference/classify-grads.safetensors).
for (const model of ['distilbert', 'bert'] as const satisfies StandIn[]) {
  describe(`${model} sequence classification: one backward pass`, () => {
    it('gives the loss, logits and every gradient of PyTorch', async () => {
      const graph = buildTrainingGraph(readEncoderSpec(standInDir(model)), 'sequence-classification');
      const params = readTensors(model, 'initial.safetensors');
      const expected = readTensors(model, 'classify-grads.safetensors');
      const session = await TrainingSession.create(graph, params, { threads: 1, dropout: false });
      const { loss, logits } = await session.computeGradients(batchFromRows(readBatches(model).classify[0]!));
      const summary = readSummary(model);
      expect(loss).toBeCloseTo(summary.classify.loss, 6);
      expect(relativeError(logits, summary.classify.logits.flat())).toBeLessThan(1e-4);
      expect([...session.gradients.keys()].sort()).toEqual([...expected.keys()].sort());
      const errors: Record<string, number> = {};
      for (const [name, grad] of session.gradients) {
        const ref = expected.get(name)!;
        // The key bias cannot change softmax(q·k) (it adds q·b to a whole row): its gradient is exactly 0,
        // PyTorch's holds rounding noise (~1e-13), so compare it in absolute terms.
        if (/(k_lin|self\.key)\.bias$/.test(name)) {
          expect(Math.max(...ref.map(Math.abs)), name).toBeLessThan(1e-11);
          expect(Math.max(...grad.map(Math.abs)), name).toBeLessThan(1e-9);
          continue;
        }
        errors[name] = relativeError(grad, ref);
      }
      const worst = Object.entries(errors).sort((a, b) => b[1] - a[1]);
      console.log(`${model} worst relative gradient errors:`, worst.slice(0, 3).map(([n, e]) => `${n} ${e.toExponential(2)}`).join(', '));
      for (const [name, error] of worst) expect(error, name).toBeLessThan(1e-4);
      await session.release();
    });
  });
}

describe('dropout in training mode', () => {
  it('masks differ between runs (different losses); eval mode repeats exactly', async () => {
    const model = 'distilbert';
    const graph = buildTrainingGraph(readEncoderSpec(standInDir(model)), 'sequence-classification');
    const batch = batchFromRows(readBatches(model).classify[1]!);
    const train = await TrainingSession.create(graph, readTensors(model, 'initial.safetensors'), { threads: 1 });
    const evalMode = await TrainingSession.create(graph, readTensors(model, 'initial.safetensors'), { threads: 1, dropout: false });
    const [a, b] = [(await train.computeGradients(batch)).loss, (await train.computeGradients(batch)).loss];
    const [c, d] = [(await evalMode.computeGradients(batch)).loss, (await evalMode.computeGradients(batch)).loss];
    expect(a).not.toBe(b);
    expect(c).toBe(d);
    expect(a).not.toBe(c);
    await train.release();
    await evalMode.release();
  });
});
