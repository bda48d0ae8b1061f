import { readFileSync } from 'node:fs';
import type { EncoderShape } from './bert-graph.js';
import { ModelToolsError } from './errors.js';

export type Arch = EncoderShape['arch'];
const ARCHS: readonly Arch[] = ['bert', 'distilbert'];
const EXACT_GELU = new Set(['gelu']);

/** Reads config.json into the graph builder's shape, with BERT or DistilBERT key names. */
export function readEncoderShape(path: string): EncoderShape {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new ModelToolsError('E_BAD_CONFIG', `${path}: cannot read config.json (${why})`, { file: path, cause });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ModelToolsError('E_BAD_CONFIG', `${path}: must hold a JSON object`, { file: path });
  return shapeFromConfig(json, path);
}

export function shapeFromConfig(json: Record<string, unknown>, path: string): EncoderShape {
  const arch = json.model_type;
  if (!ARCHS.includes(arch as Arch)) {
    throw new ModelToolsError('E_UNKNOWN_MODEL_TYPE', `${path}: model_type ${JSON.stringify(arch)} is not supported; the builder knows ${ARCHS.join(', ')}`, { file: path });
  }
  const int = (keys: string[], fallback?: number): number => {
    for (const key of keys) {
      const v = json[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ModelToolsError('E_BAD_CONFIG', `${path}: "${key}" must be a non-negative integer, got ${JSON.stringify(v)}`, { file: path });
      return v;
    }
    if (fallback !== undefined) return fallback;
    throw new ModelToolsError('E_BAD_CONFIG', `${path}: missing ${keys.map((k) => `"${k}"`).join(' or ')}`, { file: path });
  };
  const bert = arch === 'bert';
  const activation = json[bert ? 'hidden_act' : 'activation'] ?? 'gelu';
  if (!EXACT_GELU.has(String(activation))) {
    throw new ModelToolsError('E_UNSUPPORTED', `${path}: activation ${JSON.stringify(activation)} is not supported (only exact-erf "gelu")`, { file: path });
  }
  if (bert && json.position_embedding_type !== undefined && json.position_embedding_type !== 'absolute') {
    throw new ModelToolsError('E_UNSUPPORTED', `${path}: position_embedding_type ${JSON.stringify(json.position_embedding_type)} is not supported (only "absolute")`, { file: path });
  }
  const shape: EncoderShape = {
    arch: arch as Arch,
    hidden: int(bert ? ['hidden_size'] : ['dim', 'hidden_size']),
    layers: int(bert ? ['num_hidden_layers'] : ['n_layers', 'num_hidden_layers']),
    heads: int(bert ? ['num_attention_heads'] : ['n_heads', 'num_attention_heads']),
    intermediate: int(bert ? ['intermediate_size'] : ['hidden_dim', 'intermediate_size']),
    vocab: int(['vocab_size']),
    maxPositions: int(['max_position_embeddings'], 512),
    typeVocab: bert ? int(['type_vocab_size'], 2) : 0,
    layerNormEps: typeof json.layer_norm_eps === 'number' ? json.layer_norm_eps : 1e-12,
  };
  if (shape.heads === 0 || shape.hidden % shape.heads !== 0) {
    throw new ModelToolsError('E_BAD_CONFIG', `${path}: hidden size ${shape.hidden} is not divisible by ${shape.heads} attention heads`, { file: path });
  }
  return shape;
}

/** Every tensor the encoder uses, unprefixed, with its checkpoint shape (PyTorch Linear is [out, in]). */
export function encoderTensorShapes(shape: EncoderShape): Record<string, number[]> {
  const { hidden: H, intermediate: I } = shape;
  const out: Record<string, number[]> = {
    'embeddings.word_embeddings.weight': [shape.vocab, H],
    'embeddings.position_embeddings.weight': [shape.maxPositions, H],
    'embeddings.LayerNorm.weight': [H],
    'embeddings.LayerNorm.bias': [H],
  };
  if (shape.arch === 'bert') out['embeddings.token_type_embeddings.weight'] = [shape.typeVocab, H];
  const linear = (key: string, o: number, i: number) => {
    out[`${key}.weight`] = [o, i];
    out[`${key}.bias`] = [o];
  };
  const norm = (key: string) => {
    out[`${key}.weight`] = [H];
    out[`${key}.bias`] = [H];
  };
  for (let l = 0; l < shape.layers; l++) {
    if (shape.arch === 'bert') {
      const p = `encoder.layer.${l}.`;
      for (const m of ['query', 'key', 'value']) linear(`${p}attention.self.${m}`, H, H);
      linear(`${p}attention.output.dense`, H, H);
      norm(`${p}attention.output.LayerNorm`);
      linear(`${p}intermediate.dense`, I, H);
      linear(`${p}output.dense`, H, I);
      norm(`${p}output.LayerNorm`);
    } else {
      const p = `transformer.layer.${l}.`;
      for (const m of ['q_lin', 'k_lin', 'v_lin', 'out_lin']) linear(`${p}attention.${m}`, H, H);
      norm(`${p}sa_layer_norm`);
      linear(`${p}ffn.lin1`, I, H);
      linear(`${p}ffn.lin2`, H, I);
      norm(`${p}output_layer_norm`);
    }
  }
  return out;
}

/**
 * The key prefix a checkpoint uses: none for a bare BertModel/DistilBertModel, `bert.` / `distilbert.`
 * for checkpoints saved from a model with a head (ForMaskedLM, ForSequenceClassification, ...).
 */
export function detectPrefix(names: Iterable<string>, arch: Arch, file: string): string {
  const set = new Set(names);
  for (const prefix of ['', `${arch}.`]) if (set.has(`${prefix}embeddings.word_embeddings.weight`)) return prefix;
  const guess = [...set].find((n) => n.endsWith('embeddings.word_embeddings.weight'));
  const hint = guess ? ` (found ${JSON.stringify(guess)}; expected no prefix or "${arch}.")` : '';
  throw new ModelToolsError('E_BAD_CONFIG', `${file}: no ${arch} word embeddings tensor${hint}`, { file });
}
