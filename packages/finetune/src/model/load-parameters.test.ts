import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { standInDir } from '../testing/reference.js';
import { loadParameters } from './load-parameters.js';
import { readEncoderSpec } from './model-spec.js';
import { buildTrainingGraph } from './task-graph.js';
import { readTensors } from '../testing/reference.js';

describe('loadParameters', () => {
  it('reads a base-model checkpoint (no prefix) and initialises the new head as transformers', () => {
    for (const model of ['distilbert', 'bert'] as const) {
      const graph = buildTrainingGraph(readEncoderSpec(standInDir(model)), 'sequence-classification');
      const { parameters, initialized } = loadParameters(graph, join(standInDir(model), 'model.safetensors'));
      expect(initialized.sort()).toEqual(model === 'distilbert' ? ['classifier.bias', 'classifier.weight', 'pre_classifier.bias', 'pre_classifier.weight'] : ['bert.pooler.dense.bias', 'bert.pooler.dense.weight', 'classifier.bias', 'classifier.weight']);
      // The encoder equals the reference's initial weights (same model.safetensors).
      const initial = readTensors(model, 'initial.safetensors');
      for (const [name, values] of parameters) if (!initialized.includes(name)) expect(values, name).toEqual(initial.get(name));
      const w = parameters.get('classifier.weight')!;
      const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
      expect(std).toBeGreaterThan(0.01);
      expect(std).toBeLessThan(0.03);
      expect([...parameters.get('classifier.bias')!]).toEqual([0, 0]);
    }
  });

  it('refuses a checkpoint of another family, naming the missing tensors', () => {
    const graph = buildTrainingGraph(readEncoderSpec(standInDir('bert')), 'sequence-classification');
    expect(() => loadParameters(graph, join(standInDir('distilbert'), 'model.safetensors'))).toThrow(/missing \d+ encoder tensor\(s\): bert\.embeddings/);
  });
});
