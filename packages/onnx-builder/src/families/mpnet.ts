import type { LayerKeys } from '../blocks/transformer-layer.js';
import { embeddings } from '../blocks/embeddings.js';
import { questionAnswering, sequenceClassification, tokenClassification } from '../blocks/heads.js';
import { MPNET_BUCKETS, relativePositionBias } from '../blocks/relative-position.js';
import { BERT_SCOPES, transformerLayer } from '../blocks/transformer-layer.js';
import { LEGACY_NORM_NAMES, bertLikeShape, embeddingShapes, layerShapes } from './common.js';
import type { Family } from './family.js';

function layerKeys(i: number, base: (key: string) => string = (k) => k): LayerKeys {
  const p = `encoder.layer.${i}.`;
  return {
    q: base(`${p}attention.attn.q`),
    k: base(`${p}attention.attn.k`),
    v: base(`${p}attention.attn.v`),
    o: base(`${p}attention.attn.o`),
    attentionNorm: base(`${p}attention.LayerNorm`),
    ffIn: base(`${p}intermediate.dense`),
    ffOut: base(`${p}output.dense`),
    outputNorm: base(`${p}output.LayerNorm`),
  };
}

/**
 * MPNetModel: RoBERTa-style embeddings (positions from pad_token_id + 1, no token types) and BERT-style
 * layers whose attention scores all get one relative position bias (bucketed key - query distance).
 */
export const mpnet: Family = {
  modelTypes: ['mpnet'],
  className: 'MPNet',
  prefix: 'mpnet.',
  renames: LEGACY_NORM_NAMES,
  tokenTypeIds: false,
  shape(c) {
    const shape = bertLikeShape(c, 'mpnet', { pad: 1, typeVocab: 0, eps: 1e-5, maxPositions: 514 });
    shape.typeVocab = 0;
    shape.relativeBuckets = c.int(['relative_attention_num_buckets'], MPNET_BUCKETS);
    // transformers buckets with 32 whatever the config says; a smaller table would be indexed out of range.
    if (shape.relativeBuckets < MPNET_BUCKETS) throw c.fail(`relative_attention_num_buckets ${shape.relativeBuckets} is below the ${MPNET_BUCKETS} buckets transformers' MPNet indexes`);
    shape.maxLength = shape.maxPositions - shape.padTokenId - 1;
    return shape;
  },
  tensors(shape) {
    const out = embeddingShapes(shape, false);
    out['encoder.relative_attention_bias.weight'] = [shape.relativeBuckets, shape.heads];
    for (let i = 0; i < shape.layers; i++) layerShapes(out, layerKeys(i), shape);
    return out;
  },
  encode(ctx, mask) {
    const states = [embeddings(ctx, { positions: 'padding-offset', tokenTypes: 'none', projection: null })];
    const bias = relativePositionBias(ctx, ctx.base('encoder.relative_attention_bias.weight'));
    for (let i = 0; i < ctx.shape.layers; i++) states.push(transformerLayer(ctx, states[i] as string, mask, layerKeys(i, (k) => ctx.base(k)), BERT_SCOPES(i), bias));
    return states;
  },
  heads: {
    'sequence-classification': sequenceClassification({ dense: 'classifier.dense', activation: 'tanh', out: 'classifier.out_proj' }),
    'token-classification': tokenClassification(),
    'question-answering': questionAnswering(),
  },
  pooler: '~pooler.dense',
  config: (shape) => ({
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    intermediate_size: shape.intermediate,
    hidden_act: shape.activation,
    vocab_size: shape.vocab,
    max_position_embeddings: shape.maxPositions,
    layer_norm_eps: shape.layerNormEps,
    relative_attention_num_buckets: shape.relativeBuckets,
    pad_token_id: shape.padTokenId,
    bos_token_id: 0,
    eos_token_id: 2,
  }),
};
