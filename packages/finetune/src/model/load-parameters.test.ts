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
      // Bytewise (vitest's deep equality on the 1M-entry word table takes seconds).
      const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      for (const [name, values] of parameters) if (!initialized.includes(name)) expect(bytes(values).equals(bytes(initial.get(name)!)), name).toBe(true);
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

describe('loadParameters for the token classification and QA heads', () => {
  it('initialises classifier / qa_outputs fresh, and the BERT heads have no pooler', () => {
    for (const model of ['distilbert', 'bert'] as const) {
      const spec = readEncoderSpec(standInDir(model));
      const token = buildTrainingGraph(spec, 'token-classification', { numLabels: 5 });
      const qa = buildTrainingGraph(spec, 'question-answering');
      expect(token.parameters.some((p) => /pooler|pre_classifier/.test(p.name))).toBe(false);
      expect(qa.parameters.some((p) => /pooler|pre_classifier/.test(p.name))).toBe(false);
      expect(token.parameters.slice(-2)).toEqual([{ name: 'classifier.weight', shape: [5, 32] }, { name: 'classifier.bias', shape: [5] }]);
      expect(qa.parameters.slice(-2)).toEqual([{ name: 'qa_outputs.weight', shape: [2, 32] }, { name: 'qa_outputs.bias', shape: [2] }]);
      expect(loadParameters(token, join(standInDir(model), 'model.safetensors')).initialized.sort()).toEqual(['classifier.bias', 'classifier.weight']);
      const loaded = loadParameters(qa, join(standInDir(model), 'model.safetensors'));
      expect(loaded.initialized.sort()).toEqual(['qa_outputs.bias', 'qa_outputs.weight']);
      // The encoder is the sequence classifier's, name for name (transformers' *ForTokenClassification keys).
      const classify = buildTrainingGraph(spec, 'sequence-classification').parameters.map((p) => p.name);
      expect(qa.parameters.slice(0, -2).map((p) => p.name)).toEqual(classify.filter((n) => !/pooler|pre_classifier|classifier/.test(n)));
    }
  });

  it('the head dropout rates of transformers per family and task', () => {
    const distil = readEncoderSpec(standInDir('distilbert'));
    const bert = readEncoderSpec(standInDir('bert'));
    expect(buildTrainingGraph({ ...distil, classifierDropout: 0.2, hiddenDropout: 0.15 }, 'token-classification').headDropout).toBe(0.15); // config.dropout
    expect(buildTrainingGraph({ ...distil, classifierDropout: 0.2 }, 'sequence-classification').headDropout).toBe(0.2); // seq_classif_dropout
    expect(buildTrainingGraph(distil, 'question-answering').headDropout).toBe(0.1); // qa_dropout default
    expect(buildTrainingGraph({ ...bert, classifierDropout: 0.3 }, 'token-classification').headDropout).toBe(0.3);
    expect(buildTrainingGraph(bert, 'question-answering').headDropout).toBe(0); // BertForQuestionAnswering: no dropout
    expect([distil, bert].map((s) => buildTrainingGraph(s, 'masked-lm').padId)).toEqual([0, 0]);
    expect(buildTrainingGraph(readEncoderSpec(join(standInDir('bert'), '..', 'roberta-tiny')), 'masked-lm').padId).toBe(1);
  });
});
