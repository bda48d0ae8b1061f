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
  };
}
