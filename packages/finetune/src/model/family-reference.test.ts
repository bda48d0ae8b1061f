// The training graphs' encoder forward against the fixtures' reference.json (hidden states from an
// independent PyTorch implementation): a token-classification graph's logits must be the reference's last
// hidden state through the same classifier. This checks the families model/task-torch.py was written for
// (RoBERTa, ELECTRA, ALBERT) against an oracle that is not ours.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { batchFromRows } from '../batch.js';
import { familyDir } from '../testing/task-examples.js';
import { TrainingSession } from '../training-session.js';
import { loadParameters } from './load-parameters.js';
import { readEncoderSpec } from './model-spec.js';
import { buildTrainingGraph } from './task-graph.js';

interface ReferenceBatch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
  hidden_states: number[][][][];
}

describe('training graphs vs the fixtures\' independent PyTorch hidden states', () => {
  for (const family of ['roberta', 'electra', 'albert'] as const) {
    it(`${family}: token-classification logits = reference last hidden state · classifier, every batch and position`, async () => {
      const dir = familyDir(family);
      const spec = readEncoderSpec(dir);
      const graph = buildTrainingGraph(spec, 'token-classification', { numLabels: 3, gradients: false });
      const { parameters, initialized } = loadParameters(graph, join(dir, 'model.safetensors'), { seed: 3 });
      expect(initialized).toEqual(['classifier.weight', 'classifier.bias']);
      const bias = parameters.get('classifier.bias')!;
      bias.set([0.1, -0.2, 0.3]);
      const weight = parameters.get('classifier.weight')!;
      const session = await TrainingSession.create(graph, parameters, { threads: 1 });
      const batches = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as ReferenceBatch[];
      const h = spec.hidden;
      let worst = 0;
      for (const ref of batches) {
        const rows = { input_ids: ref.input_ids, attention_mask: ref.attention_mask, labels: ref.input_ids.map((r) => r.map(() => -100)), ...(family === 'roberta' ? {} : { token_type_ids: ref.token_type_ids! }) };
        const { logits } = await session.evaluate(batchFromRows(rows));
        const last = ref.hidden_states.at(-1)!;
        let scale = 0;
        let error = 0;
        last.forEach((row, b) =>
          row.forEach((x, t) => {
            for (let c = 0; c < 3; c++) {
              let expected = bias[c]!;
              for (let j = 0; j < h; j++) expected += x[j]! * weight[c * h + j]!;
              const got = logits[(b * row.length + t) * 3 + c]!;
              scale = Math.max(scale, Math.abs(expected));
              error = Math.max(error, Math.abs(got - expected));
            }
          }),
        );
        worst = Math.max(worst, error / scale);
      }
      console.log(`${family}: ${batches.length} reference batches, worst logit error ${worst.toExponential(2)} of the largest`);
      // The reference is rounded to 6 decimals.
      expect(worst).toBeLessThan(1e-4);
      await session.release();
    });
  }
});

describe('MPNet (no PyTorch fixture here): against the converter\'s inference graph of the same random checkpoint', () => {
  it('token-classification logits = onnx/model.onnx last_hidden_state · classifier, at distances past the exact buckets', async () => {
    const dir = familyDir('mpnet');
    const spec = readEncoderSpec(dir);
    const graph = buildTrainingGraph(spec, 'token-classification', { numLabels: 3, gradients: false });
    const { parameters } = loadParameters(graph, join(dir, 'model.safetensors'), { seed: 3 });
    const weight = parameters.get('classifier.weight')!;
    const bias = parameters.get('classifier.bias')!;
    // 60 and 23 tokens: key - query distances up to 59 reach the logarithmic buckets (8..15) and the last one.
    const lengths = [60, 23];
    const t = Math.max(...lengths);
    const ids = lengths.map((n, r) => Array.from({ length: t }, (_, i) => (i === 0 ? 0 : i < n - 1 ? 1000 + ((i * 37 + r * 11) % 20000) : i === n - 1 ? 2 : 1)));
    const mask = lengths.map((n) => Array.from({ length: t }, (_, i) => (i < n ? 1 : 0)));
    const session = await TrainingSession.create(graph, parameters, { threads: 1 });
    const { logits } = await session.evaluate(batchFromRows({ input_ids: ids, attention_mask: mask, labels: ids.map((r) => r.map(() => -100)) }));
    await session.release();
    const onnx = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
    const tensor = (m: number[][]) => new ort.Tensor('int64', BigInt64Array.from(m.flat(), BigInt), [m.length, t]);
    const out = await onnx.run({ input_ids: tensor(ids), attention_mask: tensor(mask) });
    await onnx.release();
    const hidden = out.last_hidden_state!.data as Float32Array;
    const h = spec.hidden;
    let scale = 0;
    let error = 0;
    for (let r = 0; r < lengths.length; r++) {
      for (let i = 0; i < lengths[r]!; i++) {
        for (let c = 0; c < 3; c++) {
          let expected = bias[c]!;
          for (let j = 0; j < h; j++) expected += hidden[(r * t + i) * h + j]! * weight[c * h + j]!;
          scale = Math.max(scale, Math.abs(expected));
          error = Math.max(error, Math.abs(logits[(r * t + i) * 3 + c]! - expected));
        }
      }
    }
    console.log(`mpnet: worst logit error ${(error / scale).toExponential(2)} of the largest over ${lengths.join(' + ')} tokens`);
    expect(error / scale).toBeLessThan(1e-5);
  });
});
