// The training graphs' encoder forward against the fixtures' reference.json (hidden states from an
// independent PyTorch implementation): a token-classification graph's logits must be the reference's last
// hidden state through the same classifier. This checks the families model/task-torch.py was written for
// (RoBERTa, ELECTRA, ALBERT) against an oracle that is not ours.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
