import type { LayerKeys } from '../blocks/transformer-layer.js';
import { embeddings } from '../blocks/embeddings.js';
import { questionAnswering, sequenceClassification, tokenClassification } from '../blocks/heads.js';
import { BERT_SCOPES, transformerLayer } from '../blocks/transformer-layer.js';
import { ModelToolsError } from '../errors.js';
import { LEGACY_NORM_NAMES, bertLikeConfig, bertLikeShape, embeddingShapes, layerShapes, linearShape } from './common.js';
import type { Family } from './family.js';

function groupKeys(group: number, base: (key: string) => string = (k) => k): LayerKeys {
  const p = `encoder.albert_layer_groups.${group}.albert_layers.0.`;
  return {
    q: base(`${p}attention.query`),
    k: base(`${p}attention.key`),
    v: base(`${p}attention.value`),
    o: base(`${p}attention.dense`),
    attentionNorm: base(`${p}attention.LayerNorm`),
    ffIn: base(`${p}ffn`),
    ffOut: base(`${p}ffn_output`),
    outputNorm: base(`${p}full_layer_layer_norm`),
  };
}

/** Layer i uses the weights of group floor(i / (layers / groups)), as AlbertTransformer. */
const groupOf = (i: number, layers: number, groups: number) => Math.floor(i / (layers / groups));

/**
 * AlbertModel: factorized embeddings (embedding_size wide, mapped up by embedding_hidden_mapping_in), layer
 * groups whose weights every layer of the group shares (albert-base-v2: one group applied 12 times), and
 * gelu_new. Each application is its own /encoder/layer.N/ scope reading the same initializers.
 */
export const albert: Family = {
  modelTypes: ['albert'],
  className: 'Albert',
  prefix: 'albert.',
  renames: LEGACY_NORM_NAMES,
  tokenTypeIds: true,
  shape(c) {
    const shape = bertLikeShape(c, 'albert', { eps: 1e-12 });
    shape.embeddingSize = c.int(['embedding_size'], 128);
    shape.hiddenGroups = c.int(['num_hidden_groups'], 1);
    const inner = c.int(['inner_group_num'], 1);
    if (inner !== 1) throw new ModelToolsError('E_UNSUPPORTED', `${c.path}: inner_group_num ${inner} is not supported (only 1, as every released ALBERT)`, { file: c.path });
    if (shape.hiddenGroups < 1 || shape.layers % shape.hiddenGroups !== 0) throw c.fail(`num_hidden_layers ${shape.layers} is not a multiple of num_hidden_groups ${shape.hiddenGroups}`);
    return shape;
  },
  tensors(shape) {
    const out = embeddingShapes(shape, true);
    linearShape(out, 'encoder.embedding_hidden_mapping_in', shape.hidden, shape.embeddingSize);
    for (let g = 0; g < shape.hiddenGroups; g++) layerShapes(out, groupKeys(g), shape);
    return out;
  },
  encode(ctx, mask) {
    const { layers, hiddenGroups } = ctx.shape;
    const states = [embeddings(ctx, { positions: 'range', tokenTypes: 'input', projection: ctx.base('encoder.embedding_hidden_mapping_in') })];
    for (let i = 0; i < layers; i++) {
      states.push(transformerLayer(ctx, states[i] as string, mask, groupKeys(groupOf(i, layers, hiddenGroups), (k) => ctx.base(k)), BERT_SCOPES(i)));
    }
    return states;
  },
  heads: {
    'sequence-classification': sequenceClassification({ dense: '~pooler', activation: 'tanh', out: 'classifier' }),
    'token-classification': tokenClassification(),
    'question-answering': questionAnswering(),
  },
  pooler: '~pooler',
  config: (shape) => ({
    ...bertLikeConfig(shape),
    embedding_size: shape.embeddingSize,
    num_hidden_groups: shape.hiddenGroups,
    inner_group_num: 1,
    bos_token_id: 2,
    eos_token_id: 3,
  }),
};
