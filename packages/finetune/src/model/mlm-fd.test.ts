import { describe, expect, it } from 'vitest';
import { batchFromRows } from '../batch.js';
import { join } from 'node:path';
import { padBatch } from '../data/length-grouped.js';
import { checkEntries } from '../testing/fd-check.js';
import { mlmLossRef } from '../testing/reference-encoder.js';
import { TASK_ROWS, familyDir, rowsFor } from '../testing/task-examples.js';
import { loadParameters } from './load-parameters.js';
import { readBatches, readTensors, standInDir } from '../testing/reference.js';
import { TrainingSession } from '../training-session.js';
import { readEncoderSpec } from './model-spec.js';
import { buildTrainingGraph } from './task-graph.js';

// A second, graph-independent oracle for the masked-LM backward: float64 central differences of the whole
// model's loss (composed from testing/reference-ops) on the entries where PyTorch's fixture disagrees most.
for (const model of ['distilbert', 'bert'] as const) {
  describe(`${model} masked LM gradients vs whole-model finite differences (float64)`, () => {
    it('agree on the entries where the PyTorch fixture disagrees most', { timeout: 60_000 }, async () => {
      const spec = readEncoderSpec(standInDir(model));
      const params = readTensors(model, 'mlm-initial.safetensors');
      const batch = batchFromRows(readBatches(model).mlm);
      const session = await TrainingSession.create(buildTrainingGraph(spec, 'masked-lm'), params, { threads: 1, dropout: false });
      await session.computeGradients(batch);
      const reference = readTensors(model, 'mlm-grads.safetensors');
      const f64 = new Map([...params].map(([k, v]) => [k, Float64Array.from(v)]));
      // The three worst disagreements with the fixture (relative to each tensor's scale), and one head entry.
      const gaps: Array<[string, number, number]> = [];
      for (const [name, grad] of session.gradients) {
        const ref = reference.get(name)!;
        if (/(k_lin|self\.key)\.bias$/.test(name)) continue; // exactly 0; the fixture holds rounding noise
        const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
        let worst = 0;
        for (let i = 1; i < grad.length; i++) if (Math.abs(grad[i]! - ref[i]!) > Math.abs(grad[worst]! - ref[worst]!)) worst = i;
        gaps.push([name, worst, Math.abs(grad[worst]! - ref[worst]!) / scale]);
      }
      gaps.sort((x, y) => y[2] - x[2]);
      const probes = [...gaps.slice(0, 3), gaps.find(([n]) => /vocab_transform\.bias|transform\.dense\.bias/.test(n))!];
      for (const [name, i] of probes) {
        const values = f64.get(name)!;
        const keep = values[i]!;
        const step = 1e-4;
        values[i] = keep + step;
        const up = mlmLossRef(spec, f64, batch);
        values[i] = keep - step;
        const down = mlmLossRef(spec, f64, batch);
        values[i] = keep;
        const fd = (up - down) / (2 * step);
        const ours = session.gradients.get(name)![i]!;
        console.log(`${name}[${i}]: finite differences ${fd.toExponential(5)}, ours ${ours.toExponential(5)}, PyTorch fixture ${reference.get(name)![i]!.toExponential(5)}`);
        expect(Math.abs(ours - fd), name).toBeLessThan(1e-7 + 1e-3 * Math.abs(fd));
      }
      await session.release();
    });
  });
}

describe('roberta masked LM (lm_head, tied decoder) vs whole-model finite differences (float64)', () => {
  it('agrees on an entry of every tensor, on both uses of the tied word table', { timeout: 60_000 }, async () => {
    const spec = readEncoderSpec(familyDir('roberta'));
    const graph = buildTrainingGraph(spec, 'masked-lm');
    const { parameters, initialized } = loadParameters(graph, join(familyDir('roberta'), 'model.safetensors'));
    expect(initialized).toEqual([]); // RobertaForMaskedLM keys: roberta.*, lm_head.{dense,layer_norm,bias}
    const batch = padBatch(rowsFor('roberta', TASK_ROWS), 'masked-lm', undefined, 1);
    for (const [i, label] of [[2, 2003], [4, 5000], [7, 7592], [13, 2001]] as const) batch.labels[i] = BigInt(label);
    const session = await TrainingSession.create(graph, parameters, { threads: 1, dropout: false });
    const { loss } = await session.computeGradients(batch);
    const f64 = new Map([...parameters].map(([k, v]) => [k, Float64Array.from(v)]));
    const ref = (): number => mlmLossRef(spec, f64, batch);
    expect(Math.abs(loss - ref()) / ref()).toBeLessThan(1e-5);
    // One entry per tensor (two in the tied word table): every evaluation projects onto 50,265 words.
    const { checked, worst } = checkEntries('roberta', spec, graph, session, batch, f64, ref, 99, 1);
    console.log(`roberta masked LM: loss ${loss.toFixed(6)}, ${checked} entries, worst error ${worst.toExponential(2)} of the tensor's largest gradient`);
    await session.release();
  });
});
