import { readFileSync } from 'node:fs';
import { EncoderError } from './errors.js';

/** What the encoder needs from a Hugging Face config.json (BERT and DistilBERT key names). */
export interface ModelConfig {
  modelType: string;
  hidden: number;
  layers: number;
  heads: number | null;
  intermediate: number | null;
  vocabSize: number;
  maxPositions: number | null;
  typeVocabSize: number;
  /** config.json pad_token_id (RoBERTa numbers positions from padding_idx + 1). */
  padTokenId: number | null;
}

type Json = Record<string, unknown>;

export function readModelConfig(path: string): ModelConfig {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new EncoderError('E_MODEL_NOT_FOUND', `${path}: cannot read config.json (${(cause as NodeJS.ErrnoException).code ?? cause})`, { file: path, cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new EncoderError('E_BAD_CONFIG', `${path}: invalid JSON: ${(cause as Error).message}`, { file: path, cause });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new EncoderError('E_BAD_CONFIG', `${path}: must hold a JSON object`, { file: path });
  return parseModelConfig(json as Json, path);
}

export function parseModelConfig(json: Json, path: string): ModelConfig {
  const int = (keys: string[], required: boolean): number | null => {
    for (const key of keys) {
      const v = json[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
        throw new EncoderError('E_BAD_CONFIG', `${path}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`, { file: path });
      }
      return v;
    }
    if (required) throw new EncoderError('E_BAD_CONFIG', `${path}: missing ${keys.map((k) => `"${k}"`).join(' or ')}`, { file: path });
    return null;
  };
  const modelType = typeof json.model_type === 'string' ? json.model_type : 'bert';
  return {
    modelType,
    hidden: int(['hidden_size', 'dim', 'd_model'], true) as number,
    layers: int(['num_hidden_layers', 'n_layers', 'num_layers'], true) as number,
    heads: int(['num_attention_heads', 'n_heads'], false),
    intermediate: int(['intermediate_size', 'hidden_dim'], false),
    vocabSize: int(['vocab_size'], true) as number,
    maxPositions: int(['max_position_embeddings'], false),
    typeVocabSize: int(['type_vocab_size'], false) ?? (modelType === 'distilbert' ? 0 : 2),
    padTokenId: typeof json.pad_token_id === 'number' && Number.isInteger(json.pad_token_id) && json.pad_token_id >= 0 ? json.pad_token_id : null,
  };
}

/** Families whose position ids start after padding_idx (fairseq's scheme), so fewer positions are usable. */
const PADDING_OFFSET_FAMILIES = new Set(['roberta', 'xlm-roberta', 'camembert', 'longformer', 'mpnet', 'xlm-roberta-xl', 'data2vec-text']);

/**
 * Longest input the position table allows: max_position_embeddings, or for RoBERTa-family models
 * max_position_embeddings - padding_idx - 1 (514 - 1 - 1 = 512), as their tokenizers' model_max_length.
 */
export function usablePositions(config: ModelConfig): number {
  const positions = config.maxPositions ?? 512;
  if (!PADDING_OFFSET_FAMILIES.has(config.modelType)) return positions;
  return positions - (config.padTokenId ?? 1) - 1;
}
