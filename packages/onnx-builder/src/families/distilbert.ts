import type { LayerKeys } from '../blocks/transformer-layer.js';
import { embeddings } from '../blocks/embeddings.js';
import { questionAnswering, sequenceClassification, tokenClassification } from '../blocks/heads.js';
import { transformerLayer } from '../blocks/transformer-layer.js';
import { ACTIVATIONS, LEGACY_NORM_NAMES, checkHeads, embeddingShapes, layerShapes } from './common.js';
import type { Family } from './family.js';

function layerKeys(i: number, base: (key: string) => string = (k) => k): LayerKeys {
  const p = `transformer.layer.${i}.`;
  return {
    q: base(`${p}attention.q_lin`),
    k: base(`${p}attention.k_lin`),
    v: base(`${p}attention.v_lin`),
    o: base(`${p}attention.out_lin`),
    attentionNorm: base(`${p}sa_layer_norm`),
    ffIn: base(`${p}ffn.lin1`),
    ffOut: base(`${p}ffn.lin2`),
    outputNorm: base(`${p}output_layer_norm`),
  };
}

/** DistilBertModel: BERT without token types, its own key names (and node scopes, as its exports have). */
export const distilbert: Family = {
  modelTypes: ['distilbert'],
  className: 'DistilBert',
  prefix: 'distilbert.',
  renames: LEGACY_NORM_NAMES,
  tokenTypeIds: false,
  shape(c) {
    const hidden = c.int(['dim', 'hidden_size']);
    const maxPositions = c.int(['max_position_embeddings'], 512);
    return checkHeads(
      {
        arch: 'distilbert',
        hidden,
        layers: c.int(['n_layers', 'num_hidden_layers']),
        heads: c.int(['n_heads', 'num_attention_heads']),
        intermediate: c.int(['hidden_dim', 'intermediate_size']),
        vocab: c.int(['vocab_size']),
        maxPositions,
        typeVocab: 0,
        layerNormEps: 1e-12,
        embeddingSize: hidden,
        activation: c.oneOf('activation', ACTIVATIONS, 'gelu'),
        padTokenId: c.int(['pad_token_id'], 0),
        hiddenGroups: 1,
        relativeBuckets: 0,
        maxLength: maxPositions,
      },
      c,
    );
  },
  tensors(shape) {
    const out = embeddingShapes(shape, false);
    for (let i = 0; i < shape.layers; i++) layerShapes(out, layerKeys(i), shape);
    return out;
  },
  encode(ctx, mask) {
    const states = [embeddings(ctx, { positions: 'range', tokenTypes: 'none', projection: null })];
    for (let i = 0; i < ctx.shape.layers; i++) {
      const scopes = { block: `/transformer/layer.${i}/`, attentionNorm: 'sa_layer_norm/', outputNorm: 'output_layer_norm/' };
      states.push(transformerLayer(ctx, states[i] as string, mask, layerKeys(i, (k) => ctx.base(k)), scopes));
    }
    return states;
  },
  heads: {
    'sequence-classification': sequenceClassification({ dense: 'pre_classifier', activation: 'relu', out: 'classifier' }),
    'token-classification': tokenClassification(),
    'question-answering': questionAnswering(),
  },
  config: (shape) => ({
    dim: shape.hidden,
    n_layers: shape.layers,
    n_heads: shape.heads,
    hidden_dim: shape.intermediate,
    activation: shape.activation,
    vocab_size: shape.vocab,
    max_position_embeddings: shape.maxPositions,
    sinusoidal_pos_embds: false,
    pad_token_id: shape.padTokenId,
  }),
};
