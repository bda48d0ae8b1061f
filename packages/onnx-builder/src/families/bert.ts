import { embeddings } from '../blocks/embeddings.js';
import { questionAnswering, sequenceClassification, tokenClassification } from '../blocks/heads.js';
import { BERT_SCOPES, transformerLayer } from '../blocks/transformer-layer.js';
import { LEGACY_NORM_NAMES, bertLayerKeys, bertLikeConfig, bertLikeShape, embeddingShapes, layerShapes } from './common.js';
import type { Family } from './family.js';

/** BertModel: word + position + token type embeddings, post-LN layers, exact GELU. */
export const bert: Family = {
  modelTypes: ['bert'],
  className: 'Bert',
  prefix: 'bert.',
  renames: LEGACY_NORM_NAMES,
  tokenTypeIds: true,
  shape: (c) => bertLikeShape(c, 'bert'),
  tensors(shape) {
    const out = embeddingShapes(shape, true);
    for (let i = 0; i < shape.layers; i++) layerShapes(out, bertLayerKeys(i), shape);
    return out;
  },
  encode(ctx, mask) {
    const states = [embeddings(ctx, { positions: 'range', tokenTypes: 'input', projection: null })];
    for (let i = 0; i < ctx.shape.layers; i++) states.push(transformerLayer(ctx, states[i] as string, mask, bertLayerKeys(i, (k) => ctx.base(k)), BERT_SCOPES(i)));
    return states;
  },
  heads: {
    'sequence-classification': sequenceClassification({ dense: '~pooler.dense', activation: 'tanh', out: 'classifier' }),
    'token-classification': tokenClassification(),
    'question-answering': questionAnswering(),
  },
  pooler: '~pooler.dense',
  config: (shape) => bertLikeConfig(shape),
};
