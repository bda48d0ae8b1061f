import { embeddings } from '../blocks/embeddings.js';
import { questionAnswering, replacedTokenDetection, sequenceClassification, tokenClassification } from '../blocks/heads.js';
import { BERT_SCOPES, transformerLayer } from '../blocks/transformer-layer.js';
import { LEGACY_NORM_NAMES, bertLayerKeys, bertLikeConfig, bertLikeShape, embeddingShapes, layerShapes, linearShape } from './common.js';
import type { Family } from './family.js';

/**
 * ElectraModel (the discriminator): BERT's layers over embeddings `embedding_size` wide, projected up by
 * `embeddings_project` when narrower than hidden. An ElectraForPreTraining checkpoint gets its discriminator
 * (`logits` per token); generator heads are never converted.
 */
export const electra: Family = {
  modelTypes: ['electra'],
  className: 'Electra',
  prefix: 'electra.',
  renames: LEGACY_NORM_NAMES,
  tokenTypeIds: true,
  shape: (c) => bertLikeShape(c, 'electra'),
  tensors(shape) {
    const out = embeddingShapes(shape, true);
    if (shape.embeddingSize !== shape.hidden) linearShape(out, 'embeddings_project', shape.hidden, shape.embeddingSize);
    for (let i = 0; i < shape.layers; i++) layerShapes(out, bertLayerKeys(i), shape);
    return out;
  },
  encode(ctx, mask) {
    const projection = ctx.shape.embeddingSize !== ctx.shape.hidden ? ctx.base('embeddings_project') : null;
    const states = [embeddings(ctx, { positions: 'range', tokenTypes: 'input', projection })];
    for (let i = 0; i < ctx.shape.layers; i++) states.push(transformerLayer(ctx, states[i] as string, mask, bertLayerKeys(i, (k) => ctx.base(k)), BERT_SCOPES(i)));
    return states;
  },
  heads: {
    'sequence-classification': sequenceClassification({ dense: 'classifier.dense', activation: 'gelu', out: 'classifier.out_proj' }),
    'token-classification': tokenClassification(),
    'question-answering': questionAnswering(),
    'replaced-token-detection': replacedTokenDetection(),
  },
  config: (shape) => ({ ...bertLikeConfig(shape), embedding_size: shape.embeddingSize }),
};
