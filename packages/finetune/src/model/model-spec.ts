import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';

export type TrainableType = 'distilbert' | 'bert' | 'roberta';
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
  /** RoBERTa's pad_token_id (default 1): positions count from padTokenId + 1 over the non-pad tokens. */
  padTokenId?: number;
}

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
  layer(i: number): LayerNames;
}

const pair = (p: string): Pair => [`${p}.weight`, `${p}.bias`];

/** Hugging Face parameter names of each family (what model.safetensors and the Trainer's checkpoints use). */
export function encoderNames(spec: EncoderSpec): EncoderNames {
  if (spec.modelType === 'distilbert') {
    return {
      word: 'distilbert.embeddings.word_embeddings.weight',
      position: 'distilbert.embeddings.position_embeddings.weight',
      tokenType: null,
      embeddingNorm: pair('distilbert.embeddings.LayerNorm'),
      layer: (i) => {
        const p = `distilbert.transformer.layer.${i}`;
        return {
          q: pair(`${p}.attention.q_lin`),
          k: pair(`${p}.attention.k_lin`),
          v: pair(`${p}.attention.v_lin`),
          out: pair(`${p}.attention.out_lin`),
          attentionNorm: pair(`${p}.sa_layer_norm`),
          ffIn: pair(`${p}.ffn.lin1`),
          ffOut: pair(`${p}.ffn.lin2`),
          outputNorm: pair(`${p}.output_layer_norm`),
        };
      },
    };
  }
  // RoBERTa is BERT's encoder under another prefix.
  const m = spec.modelType;
  return {
    word: `${m}.embeddings.word_embeddings.weight`,
    position: `${m}.embeddings.position_embeddings.weight`,
    tokenType: `${m}.embeddings.token_type_embeddings.weight`,
    embeddingNorm: pair(`${m}.embeddings.LayerNorm`),
    layer: (i) => {
      const p = `${m}.encoder.layer.${i}`;
      return {
        q: pair(`${p}.attention.self.query`),
        k: pair(`${p}.attention.self.key`),
        v: pair(`${p}.attention.self.value`),
        out: pair(`${p}.attention.output.dense`),
        attentionNorm: pair(`${p}.attention.output.LayerNorm`),
        ffIn: pair(`${p}.intermediate.dense`),
        ffOut: pair(`${p}.output.dense`),
        outputNorm: pair(`${p}.output.LayerNorm`),
      };
    },
  };
}

export interface HeadNames {
  /** The dense layer before the output (sequence classification, masked LM); absent for token classification and QA. */
  dense?: Pair;
  norm?: Pair;
  out: Pair | readonly [tied: null, bias: string];
}

/**
 * Head parameter names per family and task, as transformers' *For<Task> classes name them (token
 * classification and QA heads sit on the bare encoder: no pooler, no prefix).
 */
export function headNames(spec: EncoderSpec, task: TrainTask): HeadNames {
  switch (task) {
    case 'sequence-classification':
      // RobertaClassificationHead: classifier.dense -> tanh -> classifier.out_proj, no pooler.
      if (spec.modelType === 'roberta') return { dense: pair('classifier.dense'), out: pair('classifier.out_proj') };
      return spec.modelType === 'distilbert'
        ? { dense: pair('pre_classifier'), out: pair('classifier') }
        : { dense: pair('bert.pooler.dense'), out: pair('classifier') };
    case 'token-classification':
      return { out: pair('classifier') };
    case 'question-answering':
      return { out: pair('qa_outputs') };
    case 'masked-lm':
      if (spec.modelType === 'roberta') return { dense: pair('lm_head.dense'), norm: pair('lm_head.layer_norm'), out: [null, 'lm_head.bias'] };
      return spec.modelType === 'distilbert'
        ? { dense: pair('vocab_transform'), norm: pair('vocab_layer_norm'), out: [null, 'vocab_projector.bias'] }
        : { dense: pair('cls.predictions.transform.dense'), norm: pair('cls.predictions.transform.LayerNorm'), out: [null, 'cls.predictions.bias'] };
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
  const names = encoderNames(spec);
  const out: Array<{ name: string; shape: number[] }> = [];
  const add = (name: string, shape: number[]) => out.push({ name, shape });
  const addPair = ([w, b]: Pair, rows: number, cols: number | null) => {
    add(w, cols === null ? [rows] : [rows, cols]);
    add(b, [rows]);
  };
  add(names.word, [spec.vocabSize, h]);
  add(names.position, [spec.maxPositions, h]);
  if (names.tokenType) add(names.tokenType, [spec.typeVocabSize, h]);
  addPair(names.embeddingNorm, h, null);
  for (let i = 0; i < spec.layers; i++) {
    const l = names.layer(i);
    for (const p of [l.q, l.k, l.v, l.out]) addPair(p, h, h);
    addPair(l.attentionNorm, h, null);
    addPair(l.ffIn, f, h);
    addPair(l.ffOut, h, f);
    addPair(l.outputNorm, h, null);
  }
  const head = headNames(spec, task);
  if (head.dense) addPair(head.dense, h, h);
  if (head.norm) addPair(head.norm, h, null);
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
  if (type === 'bert' || type === 'roberta') {
    if ((config.hidden_act ?? 'gelu') !== 'gelu') throw new FinetuneError('E_UNSUPPORTED_MODEL', `${where}: hidden_act ${String(config.hidden_act)} is not supported for training (gelu only)`);
    if ((config.position_embedding_type ?? 'absolute') !== 'absolute') throw new FinetuneError('E_UNSUPPORTED_MODEL', `${where}: position_embedding_type ${String(config.position_embedding_type)} is not supported`);
    const hiddenDropout = num('hidden_dropout_prob', 0.1);
    return {
      modelType: type, vocabSize: num('vocab_size'), hidden: num('hidden_size'), layers: num('num_hidden_layers'), heads: num('num_attention_heads'), intermediate: num('intermediate_size'),
      maxPositions: num('max_position_embeddings'), typeVocabSize: num('type_vocab_size', type === 'roberta' ? 1 : 2), layerNormEps: num('layer_norm_eps', 1e-12),
      hiddenDropout, attentionDropout: num('attention_probs_dropout_prob', 0.1), classifierDropout: typeof config.classifier_dropout === 'number' ? config.classifier_dropout : hiddenDropout,
      ...(type === 'roberta' ? { padTokenId: num('pad_token_id', 1) } : {}),
    };
  }
  throw new FinetuneError('E_UNSUPPORTED_MODEL', `${where}: model_type ${JSON.stringify(type)} cannot be trained yet (distilbert, bert, roberta)`);
}
