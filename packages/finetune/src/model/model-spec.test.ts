// Real Hub configs (../shared/hub-files, byte-exact) read as training specs, and the class names a trained
// directory is written under.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireShared } from '@bertkit/shared-data';
import { describe, expect, it } from 'vitest';
import { outputConfig } from '../run/model-dir-writer.js';
import { embeddingWidth, parameterShapes, readEncoderSpec, specFromConfig } from './model-spec.js';

const hubConfig = (repo: string) => join(requireShared(), 'hub-files', repo, 'config.json');

describe('training specs from real configs', () => {
  it('xlm-roberta-base trains as RoBERTa (250,002 words, pad 1) and is written as XLMRoberta*', () => {
    const spec = readEncoderSpec(hubConfig('FacebookAI--xlm-roberta-base'));
    expect(spec).toMatchObject({ modelType: 'roberta', configType: 'xlm-roberta', vocabSize: 250002, hidden: 768, layers: 12, padTokenId: 1, typeVocabSize: 1, layerNormEps: 1e-5 });
    const input = JSON.parse(readFileSync(hubConfig('FacebookAI--xlm-roberta-base'), 'utf8')) as Record<string, unknown>;
    const config = outputConfig(input, spec, 'sequence-classification', { labelNames: ['neg', 'pos'] });
    expect(config.architectures).toEqual(['XLMRobertaForSequenceClassification']);
    expect(config.model_type).toBe('xlm-roberta');
    expect(outputConfig(input, spec, 'masked-lm').architectures).toEqual(['XLMRobertaForMaskedLM']);
    expect(specFromConfig({ ...input, model_type: 'camembert' }).configType).toBe('camembert');
    expect(outputConfig({ ...input, model_type: 'camembert' }, specFromConfig({ ...input, model_type: 'camembert' }), 'token-classification').architectures).toEqual(['CamembertForTokenClassification']);
  });

  it('all-mpnet-base-v2: MPNet with its relative position bias table, positions from pad 1, no token types', () => {
    const spec = readEncoderSpec(hubConfig('sentence-transformers--all-mpnet-base-v2'));
    expect(spec).toMatchObject({ modelType: 'mpnet', vocabSize: 30527, hidden: 768, layers: 12, padTokenId: 1, typeVocabSize: 0, relativeBuckets: 32, layerNormEps: 1e-5 });
    const shapes = new Map(parameterShapes(spec, 'sequence-classification').map((p) => [p.name, p.shape]));
    expect(shapes.get('mpnet.encoder.relative_attention_bias.weight')).toEqual([32, 12]);
    expect(shapes.has('mpnet.embeddings.token_type_embeddings.weight')).toBe(false);
    expect(shapes.get('classifier.out_proj.weight')).toEqual([2, 768]);
    const input = JSON.parse(readFileSync(hubConfig('sentence-transformers--all-mpnet-base-v2'), 'utf8')) as Record<string, unknown>;
    expect(outputConfig(input, spec, 'sequence-classification').architectures).toEqual(['MPNetForSequenceClassification']);
    expect(() => specFromConfig({ ...input, relative_attention_num_buckets: 16 }, 'mpnet/config.json')).toThrow(/relative_attention_num_buckets 16 is below the 32 buckets/);
  });

  it('ELECTRA and ALBERT: embedding_size wide tables (transformers default 128), projected up; ALBERT lists its shared layer once', () => {
    const electra = readEncoderSpec(join(requireShared(), 'models', 'electra-tiny'));
    expect(embeddingWidth(electra)).toBe(16);
    const shapes = new Map(parameterShapes(electra, 'masked-lm').map((p) => [p.name, p.shape]));
    expect(shapes.get('electra.embeddings.word_embeddings.weight')).toEqual([30522, 16]);
    expect(shapes.get('electra.embeddings_project.weight')).toEqual([32, 16]);
    expect(shapes.get('generator_predictions.dense.weight')).toEqual([16, 32]);
    expect(shapes.get('generator_lm_head.bias')).toEqual([30522]);
    expect(specFromConfig({ ...JSON.parse(readFileSync(join(requireShared(), 'models', 'electra-tiny', 'config.json'), 'utf8')), embedding_size: undefined }).embeddingSize).toBe(128);

    const albert = readEncoderSpec(join(requireShared(), 'models', 'albert-tiny'));
    expect(albert).toMatchObject({ activation: 'gelu_new', hiddenDropout: 0, attentionDropout: 0, classifierDropout: 0.1, embeddingSize: 16 });
    const names = parameterShapes(albert, 'sequence-classification').map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => n.includes('albert_layers.0.attention.query.weight'))).toHaveLength(1);
    expect(names).toContain('albert.encoder.embedding_hidden_mapping_in.weight');
    expect(names.slice(-4)).toEqual(['albert.pooler.weight', 'albert.pooler.bias', 'classifier.weight', 'classifier.bias']);
  });
});
