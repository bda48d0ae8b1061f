import type { LayerKeys } from '../blocks/transformer-layer.js';
import type { ConfigReader } from '../config-reader.js';
import type { Activation, EncoderShape, ModelType } from '../spec.js';
import type { Renames } from '../tensor-source.js';

/** TF-era checkpoints (google-bert/bert-base-uncased) store LayerNorm as gamma/beta; transformers renames them on load. */
export const LEGACY_NORM_NAMES: Renames = [
  [/\.gamma$/, '.weight'],
  [/\.beta$/, '.bias'],
];

export const ACTIVATIONS: readonly Activation[] = ['gelu', 'gelu_new'];

/** The config.json fields BERT, RoBERTa, ELECTRA, ALBERT and MPNet share (BertConfig's names). */
export function bertLikeShape(c: ConfigReader, arch: ModelType, defaults: { pad?: number; typeVocab?: number; eps?: number; maxPositions?: number } = {}): EncoderShape {
  const hidden = c.int(['hidden_size']);
  const activation = c.oneOf<Activation | 'gelu_pytorch_tanh'>('hidden_act', [...ACTIVATIONS, 'gelu_pytorch_tanh'], 'gelu', 'activation');
  c.oneOf('position_embedding_type', ['absolute'], 'absolute');
  const shape: EncoderShape = {
    arch,
    hidden,
    layers: c.int(['num_hidden_layers']),
    heads: c.int(['num_attention_heads']),
    intermediate: c.int(['intermediate_size']),
    vocab: c.int(['vocab_size']),
    maxPositions: c.int(['max_position_embeddings'], defaults.maxPositions ?? 512),
    typeVocab: c.int(['type_vocab_size'], defaults.typeVocab ?? 2),
    layerNormEps: c.number('layer_norm_eps', defaults.eps ?? 1e-12),
    embeddingSize: c.int(['embedding_size'], hidden),
    // gelu_pytorch_tanh is the same tanh approximation computed by a fused kernel.
    activation: activation === 'gelu_pytorch_tanh' ? 'gelu_new' : activation,
    padTokenId: c.int(['pad_token_id'], defaults.pad ?? 0),
    hiddenGroups: 1,
    relativeBuckets: 0,
    maxLength: 0,
  };
  shape.maxLength = shape.maxPositions;
  return checkHeads(shape, c);
}

export function checkHeads(shape: EncoderShape, c: ConfigReader): EncoderShape {
  if (shape.heads === 0 || shape.hidden % shape.heads !== 0) throw c.fail(`hidden size ${shape.hidden} is not divisible by ${shape.heads} attention heads`);
  return shape;
}

export function linearShape(out: Record<string, number[]>, key: string, o: number, i: number): void {
  out[`${key}.weight`] = [o, i];
  out[`${key}.bias`] = [o];
}

export function normShape(out: Record<string, number[]>, key: string, width: number): void {
  out[`${key}.weight`] = [width];
  out[`${key}.bias`] = [width];
}

/** Embedding tables and their LayerNorm, `embedding_size` wide. */
export function embeddingShapes(shape: EncoderShape, types: boolean): Record<string, number[]> {
  const E = shape.embeddingSize;
  const out: Record<string, number[]> = {
    'embeddings.word_embeddings.weight': [shape.vocab, E],
    'embeddings.position_embeddings.weight': [shape.maxPositions, E],
  };
  if (types) out['embeddings.token_type_embeddings.weight'] = [shape.typeVocab, E];
  normShape(out, 'embeddings.LayerNorm', E);
  return out;
}

export function layerShapes(out: Record<string, number[]>, keys: LayerKeys, shape: EncoderShape): void {
  const { hidden: H, intermediate: I } = shape;
  for (const k of [keys.q, keys.k, keys.v, keys.o]) linearShape(out, k, H, H);
  normShape(out, keys.attentionNorm, H);
  linearShape(out, keys.ffIn, I, H);
  linearShape(out, keys.ffOut, H, I);
  normShape(out, keys.outputNorm, H);
}

/** BertLayer's names (also RoBERTa's and ELECTRA's), relative to the base model. */
export function bertLayerKeys(i: number, base: (key: string) => string = (k) => k): LayerKeys {
  const p = `encoder.layer.${i}.`;
  return {
    q: base(`${p}attention.self.query`),
    k: base(`${p}attention.self.key`),
    v: base(`${p}attention.self.value`),
    o: base(`${p}attention.output.dense`),
    attentionNorm: base(`${p}attention.output.LayerNorm`),
    ffIn: base(`${p}intermediate.dense`),
    ffOut: base(`${p}output.dense`),
    outputNorm: base(`${p}output.LayerNorm`),
  };
}

/** config.json fields in BertConfig's names, for random models. */
export function bertLikeConfig(shape: EncoderShape): Record<string, unknown> {
  return {
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    intermediate_size: shape.intermediate,
    hidden_act: shape.activation,
    vocab_size: shape.vocab,
    max_position_embeddings: shape.maxPositions,
    type_vocab_size: shape.typeVocab,
    layer_norm_eps: shape.layerNormEps,
    pad_token_id: shape.padTokenId,
    position_embedding_type: 'absolute',
  };
}
