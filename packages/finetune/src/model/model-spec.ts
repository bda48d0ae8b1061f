import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';
import type { ActivationKind } from '../rules/activations.js';

export type TrainableType = 'distilbert' | 'bert' | 'roberta' | 'electra' | 'albert' | 'mpnet';
export type TrainTask = 'sequence-classification' | 'token-classification' | 'question-answering' | 'masked-lm';

/** The shape of a post-LayerNorm BERT-family encoder, enough to name and size every parameter. */
export interface EncoderSpec {
  modelType: TrainableType;
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  /** 0 when the family has no token type embeddings (DistilBERT). */
  typeVocabSize: number;
  layerNormEps: number;
  /** Dropout rates of transformers' config (used when a session trains with dropout). */
  hiddenDropout: number;
  attentionDropout: number;
  classifierDropout: number;
  /** DistilBERT's qa_dropout (default 0.1); BERT's QA head has no dropout. */
  qaDropout?: number;
  /** RoBERTa's and MPNet's pad_token_id (default 1): positions count from padTokenId + 1 over the non-pad tokens. */
  padTokenId?: number;
  /**
   * ELECTRA's and ALBERT's `embedding_size`: the embedding tables' width, projected up to `hidden`
   * (ELECTRA only when narrower; ALBERT always). Default: hidden.
   */
  embeddingSize?: number;
  /** The FFN's (and the masked-LM transform's) activation: erf GELU, or ALBERT's default `gelu_new` (tanh). Default gelu. */
  activation?: 'gelu' | 'gelu_new';
  /** The config's model_type when it is a variant trained as `modelType` (xlm-roberta and camembert are RoBERTa). */
  configType?: string;
  /** MPNet's relative_attention_num_buckets: rows of the relative position bias table (32 are used). */
  relativeBuckets?: number;
}

/** Families whose positions count from pad_token_id + 1 over the non-pad tokens (transformers' create_position_ids_from_input_ids). */
export const padOffsetPositions = (spec: EncoderSpec): boolean => spec.modelType === 'roberta' || spec.modelType === 'mpnet';

/** Width of the embedding tables (and of the masked-LM head's transform). */
export const embeddingWidth = (spec: EncoderSpec): number => spec.embeddingSize ?? spec.hidden;

export type Pair = readonly [weight: string, bias: string];

export interface LayerNames {
  q: Pair;
  k: Pair;
  v: Pair;
  out: Pair;
  attentionNorm: Pair;
  ffIn: Pair;
  ffOut: Pair;
  outputNorm: Pair;
}

export interface EncoderNames {
  word: string;
  position: string;
  tokenType: string | null;
  embeddingNorm: Pair;
  /** The linear layer from the embedding width up to hidden (ELECTRA's embeddings_project, ALBERT's embedding_hidden_mapping_in), if any. */
  projection: Pair | null;
  /** MPNet's relative position bias table [buckets, heads], shared by every layer's attention. */
  relativeBias: string | null;
  /** Layer i's parameters; ALBERT's layers all share one set (the same names for every i). */
  layer(i: number): LayerNames;
}

const pair = (p: string): Pair => [`${p}.weight`, `${p}.bias`];

/** Each family's layer parameters, as key suffixes under the layer's prefix. */
type LayerKeys = Record<keyof LayerNames, string>;
const BERT_LAYER: LayerKeys = {
  q: 'attention.self.query',
  k: 'attention.self.key',
  v: 'attention.self.value',
  out: 'attention.output.dense',
  attentionNorm: 'attention.output.LayerNorm',
  ffIn: 'intermediate.dense',
  ffOut: 'output.dense',
  outputNorm: 'output.LayerNorm',
};
const DISTILBERT_LAYER: LayerKeys = { q: 'attention.q_lin', k: 'attention.k_lin', v: 'attention.v_lin', out: 'attention.out_lin', attentionNorm: 'sa_layer_norm', ffIn: 'ffn.lin1', ffOut: 'ffn.lin2', outputNorm: 'output_layer_norm' };
const MPNET_LAYER: LayerKeys = { ...BERT_LAYER, q: 'attention.attn.q', k: 'attention.attn.k', v: 'attention.attn.v', out: 'attention.attn.o', attentionNorm: 'attention.LayerNorm' };
const ALBERT_LAYER: LayerKeys = { q: 'attention.query', k: 'attention.key', v: 'attention.value', out: 'attention.dense', attentionNorm: 'attention.LayerNorm', ffIn: 'ffn', ffOut: 'ffn_output', outputNorm: 'full_layer_layer_norm' };

const layerNames = (prefix: string, keys: LayerKeys): LayerNames =>
  Object.fromEntries(Object.entries(keys).map(([k, suffix]) => [k, pair(`${prefix}.${suffix}`)])) as unknown as LayerNames;

/** Hugging Face parameter names of each family (what model.safetensors and the Trainer's checkpoints use). */
export function encoderNames(spec: EncoderSpec): EncoderNames {
  const m = spec.modelType;
  const base = {
    word: `${m}.embeddings.word_embeddings.weight`,
    position: `${m}.embeddings.position_embeddings.weight`,
    // DistilBERT and MPNet have no token types.
    tokenType: m === 'distilbert' || m === 'mpnet' ? null : `${m}.embeddings.token_type_embeddings.weight`,
    embeddingNorm: pair(`${m}.embeddings.LayerNorm`),
    projection: null,
    relativeBias: null,
  };
  switch (m) {
    case 'distilbert':
      return { ...base, layer: (i) => layerNames(`distilbert.transformer.layer.${i}`, DISTILBERT_LAYER) };
    case 'mpnet':
      return { ...base, relativeBias: 'mpnet.encoder.relative_attention_bias.weight', layer: (i) => layerNames(`mpnet.encoder.layer.${i}`, MPNET_LAYER) };
    case 'albert': {
      // One layer group of one layer (num_hidden_groups = inner_group_num = 1), applied `layers` times.
      const shared = layerNames('albert.encoder.albert_layer_groups.0.albert_layers.0', ALBERT_LAYER);
      return { ...base, projection: pair('albert.encoder.embedding_hidden_mapping_in'), layer: () => shared };
    }
    default:
      // RoBERTa and ELECTRA are BERT's encoder under another prefix (ELECTRA with its embeddings projected up when narrower).
      return {
        ...base,
        projection: m === 'electra' && embeddingWidth(spec) !== spec.hidden ? pair('electra.embeddings_project') : null,
        layer: (i) => layerNames(`${m}.encoder.layer.${i}`, BERT_LAYER),
      };
  }
}

export interface HeadNames {
  /** The dense layer before the output (sequence classification, masked LM); absent for token classification and QA. */
  dense?: Pair;
  /** The activation after `dense`. */
  activation?: ActivationKind;
  /** Whether the head drops its input before `dense` too (Roberta/MPNet/ElectraClassificationHead). */
  inputDropout?: boolean;
  norm?: Pair;
  out: Pair | readonly [tied: null, bias: string];
}

/**
 * Head parameter names per family and task, as transformers' *For<Task> classes name them (token
 * classification and QA heads sit on the bare encoder: no pooler, no prefix).
 */
export function headNames(spec: EncoderSpec, task: TrainTask): HeadNames {
  const m = spec.modelType;
  switch (task) {
    case 'sequence-classification':
      // Roberta/MPNetClassificationHead (tanh) and ElectraClassificationHead (gelu): dropout, classifier.dense, dropout, classifier.out_proj; no pooler.
      if (m === 'roberta' || m === 'mpnet' || m === 'electra') return { dense: pair('classifier.dense'), activation: m === 'electra' ? 'gelu' : 'tanh', inputDropout: true, out: pair('classifier.out_proj') };
      if (m === 'albert') return { dense: pair('albert.pooler'), activation: 'tanh', out: pair('classifier') };
      return m === 'distilbert'
        ? { dense: pair('pre_classifier'), activation: 'relu', out: pair('classifier') }
        : { dense: pair('bert.pooler.dense'), activation: 'tanh', out: pair('classifier') };
    case 'token-classification':
      return { out: pair('classifier') };
    case 'question-answering':
      return { out: pair('qa_outputs') };
    case 'masked-lm': {
      // The transform's activation is hidden_act (ALBERT: gelu_new); DistilBERT's, RoBERTa's and ELECTRA's generator's always gelu.
      const act = m === 'bert' || m === 'albert' ? (spec.activation ?? 'gelu') : 'gelu';
      if (m === 'roberta' || m === 'mpnet') return { dense: pair('lm_head.dense'), activation: act, norm: pair('lm_head.layer_norm'), out: [null, 'lm_head.bias'] };
      // ElectraForMaskedLM (the generator) and AlbertMLMHead transform to the embedding width, then the tied decoder.
      if (m === 'electra') return { dense: pair('generator_predictions.dense'), activation: act, norm: pair('generator_predictions.LayerNorm'), out: [null, 'generator_lm_head.bias'] };
      if (m === 'albert') return { dense: pair('predictions.dense'), activation: act, norm: pair('predictions.LayerNorm'), out: [null, 'predictions.bias'] };
      return m === 'distilbert'
        ? { dense: pair('vocab_transform'), activation: act, norm: pair('vocab_layer_norm'), out: [null, 'vocab_projector.bias'] }
        : { dense: pair('cls.predictions.transform.dense'), activation: act, norm: pair('cls.predictions.transform.LayerNorm'), out: [null, 'cls.predictions.bias'] };
    }
  }
}

/** Width of the head's output: the labels, 2 for QA (start, end), the vocabulary for masked LM. */
export function headWidth(spec: EncoderSpec, task: TrainTask, numLabels: number): number {
  return task === 'question-answering' ? 2 : task === 'masked-lm' ? spec.vocabSize : numLabels;
}

/**
 * The dropout rate transformers applies right before the head's output layer, in training mode (the
 * session feeds it as CLASSIFIER_DROPOUT): DistilBERT seq_classif_dropout / dropout / qa_dropout, BERT
 * classifier_dropout ?? hidden_dropout_prob; 0 where the head has none (BERT QA, masked LM).
 */
export function headDropout(spec: EncoderSpec, task: TrainTask): number {
  switch (task) {
    case 'sequence-classification':
      return spec.classifierDropout;
    case 'token-classification':
      return spec.modelType === 'distilbert' ? spec.hiddenDropout : spec.classifierDropout;
    case 'question-answering':
      return spec.modelType === 'distilbert' ? (spec.qaDropout ?? 0.1) : 0; // BERT/RoBERTa: none
    case 'masked-lm':
      return 0;
  }
}

/** Every trainable parameter with its shape, in a stable order (encoder first, then the head). */
export function parameterShapes(spec: EncoderSpec, task: TrainTask, numLabels = 2): Array<{ name: string; shape: number[] }> {
  const { hidden: h, intermediate: f } = spec;
  const e = embeddingWidth(spec);
  const names = encoderNames(spec);
  const out: Array<{ name: string; shape: number[] }> = [];
  const seen = new Set<string>();
  // ALBERT's layers name one shared set: each parameter is listed once.
  const add = (name: string, shape: number[]) => {
    if (!seen.has(name)) out.push({ name, shape });
    seen.add(name);
  };
  const addPair = ([w, b]: Pair, rows: number, cols: number | null) => {
    add(w, cols === null ? [rows] : [rows, cols]);
    add(b, [rows]);
  };
  add(names.word, [spec.vocabSize, e]);
  add(names.position, [spec.maxPositions, e]);
  if (names.tokenType) add(names.tokenType, [spec.typeVocabSize, e]);
  addPair(names.embeddingNorm, e, null);
  if (names.projection) addPair(names.projection, h, e);
  if (names.relativeBias) add(names.relativeBias, [spec.relativeBuckets ?? 32, spec.heads]);
  for (let i = 0; i < spec.layers; i++) {
    const l = names.layer(i);
    for (const p of [l.q, l.k, l.v, l.out]) addPair(p, h, h);
    addPair(l.attentionNorm, h, null);
    addPair(l.ffIn, f, h);
    addPair(l.ffOut, h, f);
    addPair(l.outputNorm, h, null);
  }
  const head = headNames(spec, task);
  // The masked-LM transform maps back to the embedding width, where the tied decoder reads.
  const transform = task === 'masked-lm' ? e : h;
  if (head.dense) addPair(head.dense, transform, h);
  if (head.norm) addPair(head.norm, transform, null);
  if (head.out[0] === null) add(head.out[1], [spec.vocabSize]);
  else addPair(head.out as Pair, headWidth(spec, task, numLabels), h);
  return out;
}

/** Reads a Hugging Face config.json (a file or the directory holding it). */
export function readEncoderSpec(pathOrDir: string): EncoderSpec {
  const path = pathOrDir.endsWith('.json') ? pathOrDir : join(pathOrDir, 'config.json');
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new FinetuneError('E_INVALID_OPTION', `${path}: cannot read config.json (${(cause as Error).message})`, { cause });
  }
  return specFromConfig(config, path);
}

export function specFromConfig(config: Record<string, unknown>, where = 'config'): EncoderSpec {
  const num = (key: string, fallback?: number): number => {
    const v = config[key] ?? fallback;
    if (typeof v !== 'number') throw new FinetuneError('E_INVALID_OPTION', `${where}: ${key} missing or not a number`);
    return v;
  };
  const type = config.model_type;
  if (type === 'distilbert') {
    if ((config.activation ?? 'gelu') !== 'gelu') throw new FinetuneError('E_UNSUPPORTED_MODEL', `${where}: activation ${String(config.activation)} is not supported for training (gelu only)`);
    if (config.sinusoidal_pos_embds === true) throw new FinetuneError('E_UNSUPPORTED_MODEL', `${where}: sinusoidal position embeddings are not supported for training`);
    return {
      modelType: 'distilbert', vocabSize: num('vocab_size'), hidden: num('dim'), layers: num('n_layers'), heads: num('n_heads'), intermediate: num('hidden_dim'),
      maxPositions: num('max_position_embeddings'), typeVocabSize: 0, layerNormEps: 1e-12,
      hiddenDropout: num('dropout', 0.1), attentionDropout: num('attention_dropout', 0.1), classifierDropout: num('seq_classif_dropout', 0.2), qaDropout: num('qa_dropout', 0.1),
    };
  }
  if (type === 'mpnet') {
    if ((config.hidden_act ?? 'gelu') !== 'gelu') throw new FinetuneError('E_UNSUPPORTED_MODEL', `${where}: hidden_act ${String(config.hidden_act)} is not supported for training (gelu only)`);
    const relativeBuckets = num('relative_attention_num_buckets', 32);
    // transformers buckets with 32 whatever the config says; a smaller table would be indexed out of range.
    if (relativeBuckets < 32) throw new FinetuneError('E_UNSUPPORTED_MODEL', `${where}: relative_attention_num_buckets ${relativeBuckets} is below the 32 buckets transformers' MPNet uses`);
    const hiddenDropout = num('hidden_dropout_prob', 0.1);
    return {
      modelType: 'mpnet', vocabSize: num('vocab_size'), hidden: num('hidden_size'), layers: num('num_hidden_layers'), heads: num('num_attention_heads'), intermediate: num('intermediate_size'),
      maxPositions: num('max_position_embeddings'), typeVocabSize: 0, layerNormEps: num('layer_norm_eps', 1e-12),
      // MPNet's classification heads drop at hidden_dropout_prob (its config has no classifier_dropout).
      hiddenDropout, attentionDropout: num('attention_probs_dropout_prob', 0.1), classifierDropout: hiddenDropout,
      padTokenId: num('pad_token_id', 1), relativeBuckets,
    };
  }
  // XLM-RoBERTa and CamemBERT are RoBERTa's architecture under their own class names (keys under `roberta.`).
  if (type === 'xlm-roberta' || type === 'camembert') return { ...specFromConfig({ ...config, model_type: 'roberta' }, where), configType: type };
  if (type === 'bert' || type === 'roberta' || type === 'electra' || type === 'albert') {
    const act = config.hidden_act ?? (type === 'albert' ? 'gelu_new' : 'gelu');
    const acts = type === 'albert' ? ['gelu', 'gelu_new'] : ['gelu'];
    if (!acts.includes(act as string)) throw new FinetuneError('E_UNSUPPORTED_MODEL', `${where}: hidden_act ${String(act)} is not supported for training (${acts.join(' or ')})`);
    if ((config.position_embedding_type ?? 'absolute') !== 'absolute') throw new FinetuneError('E_UNSUPPORTED_MODEL', `${where}: position_embedding_type ${String(config.position_embedding_type)} is not supported`);
    if (type === 'albert') {
      for (const key of ['num_hidden_groups', 'inner_group_num']) {
        if ((config[key] ?? 1) !== 1) throw new FinetuneError('E_UNSUPPORTED_MODEL', `${where}: ${key} ${String(config[key])} is not supported for training (1: one shared layer, as every released ALBERT)`);
      }
    }
    // ALBERT's configs default to no dropout in the encoder and name the head's rate classifier_dropout_prob.
    const hiddenDropout = num('hidden_dropout_prob', type === 'albert' ? 0 : 0.1);
    const classifierDropout = type === 'albert' ? num('classifier_dropout_prob', 0.1) : typeof config.classifier_dropout === 'number' ? config.classifier_dropout : hiddenDropout;
    const hidden = num('hidden_size');
    return {
      modelType: type, vocabSize: num('vocab_size'), hidden, layers: num('num_hidden_layers'), heads: num('num_attention_heads'), intermediate: num('intermediate_size'),
      maxPositions: num('max_position_embeddings'), typeVocabSize: num('type_vocab_size', type === 'roberta' ? 1 : 2), layerNormEps: num('layer_norm_eps', 1e-12),
      hiddenDropout, attentionDropout: num('attention_probs_dropout_prob', type === 'albert' ? 0 : 0.1), classifierDropout,
      ...(type === 'roberta' ? { padTokenId: num('pad_token_id', 1) } : {}),
      // transformers' ElectraConfig and AlbertConfig both default embedding_size to 128.
      ...(type === 'electra' || type === 'albert' ? { embeddingSize: num('embedding_size', 128) } : {}),
      ...(act === 'gelu_new' ? { activation: 'gelu_new' as const } : {}),
    };
  }
  throw new FinetuneError('E_UNSUPPORTED_MODEL', `${where}: model_type ${JSON.stringify(type)} cannot be trained yet (distilbert, bert, roberta, xlm-roberta, camembert, electra, albert, mpnet)`);
}
