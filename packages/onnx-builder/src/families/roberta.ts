import { embeddings } from '../blocks/embeddings.js';
import { questionAnswering, sequenceClassification, tokenClassification } from '../blocks/heads.js';
import { BERT_SCOPES, transformerLayer } from '../blocks/transformer-layer.js';
import { LEGACY_NORM_NAMES, bertLayerKeys, bertLikeConfig, bertLikeShape, embeddingShapes, layerShapes } from './common.js';
import type { Family } from './family.js';

/**
 * RobertaModel (also XLM-RoBERTa and CamemBERT, which transformers builds from the same modules under the
 * `roberta.` prefix): BERT's layers, positions counted over non-pad tokens from pad_token_id + 1, one token
 * type row and no token_type_ids input (as optimum exports it).
 */
export const roberta: Family = {
  modelTypes: ['roberta', 'xlm-roberta', 'camembert'],
  className: 'Roberta',
  prefix: 'roberta.',
  renames: LEGACY_NORM_NAMES,
  tokenTypeIds: false,
  shape(c, modelType) {
    const shape = bertLikeShape(c, modelType, { pad: 1, typeVocab: 1, eps: 1e-5, maxPositions: 514 });
    shape.maxLength = shape.maxPositions - shape.padTokenId - 1;
    if (shape.maxLength < 1) throw c.fail(`max_position_embeddings ${shape.maxPositions} leaves no positions after pad_token_id ${shape.padTokenId}`);
    return shape;
  },
  tensors(shape) {
    const out = embeddingShapes(shape, true);
    for (let i = 0; i < shape.layers; i++) layerShapes(out, bertLayerKeys(i), shape);
    return out;
  },
  encode(ctx, mask) {
    const states = [embeddings(ctx, { positions: 'padding-offset', tokenTypes: 'zero', projection: null })];
    for (let i = 0; i < ctx.shape.layers; i++) states.push(transformerLayer(ctx, states[i] as string, mask, bertLayerKeys(i, (k) => ctx.base(k)), BERT_SCOPES(i)));
    return states;
  },
  heads: {
    'sequence-classification': sequenceClassification({ dense: 'classifier.dense', activation: 'tanh', out: 'classifier.out_proj' }),
    'token-classification': tokenClassification(),
    'question-answering': questionAnswering(),
  },
  pooler: '~pooler.dense',
  config: (shape) => ({ ...bertLikeConfig(shape), bos_token_id: 0, eos_token_id: 2 }),
};
