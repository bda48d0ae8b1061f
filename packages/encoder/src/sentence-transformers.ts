import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EncoderError } from './errors.js';
import type { RowPooling } from './pooling.js';

/**
 * What a sentence-transformers model directory says about making its sentence vectors (modules.json,
 * 1_Pooling/config.json, sentence_bert_config.json, config_sentence_transformers.json), read as
 * SentenceTransformer.encode applies it.
 */
export interface SentenceTransformersSettings {
  /** Pooling modes in the order sentence-transformers concatenates them (usually one). */
  pooling: RowPooling[];
  /** Whether prompt tokens take part in pooling (1_Pooling include_prompt, default true). */
  includePrompt: boolean;
  /** A Normalize module follows the pooling. */
  normalize: boolean;
  /** sentence_bert_config.json max_seq_length (tokens, special tokens included), when set. */
  maxSeqLength: number | null;
  /** Texts are lower-cased before tokenizing (sentence_bert_config.json do_lower_case). */
  doLowerCase: boolean;
  /** Named prompts prepended to the text (config_sentence_transformers.json). */
  prompts: Record<string, string>;
  defaultPromptName: string | null;
  /** Module types after the Transformer that bertkit does not run (e.g. Dense): a load error. */
  modules: string[];
}

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new EncoderError('E_BAD_CONFIG', `${file}: not readable JSON (${(cause as Error).message})`, { file, cause });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new EncoderError('E_BAD_CONFIG', `${file}: must hold a JSON object`, { file });
  return json as Json;
}

/** sentence-transformers' pooling_mode_* keys, in the order its Pooling module concatenates them. */
const MODE_KEYS: ReadonlyArray<[string, RowPooling]> = [
  ['pooling_mode_cls_token', 'cls'],
  ['pooling_mode_max_tokens', 'max'],
  ['pooling_mode_mean_tokens', 'mean'],
  ['pooling_mode_mean_sqrt_len_tokens', 'mean-sqrt-len'],
  ['pooling_mode_weightedmean_tokens', 'weighted-mean'],
  ['pooling_mode_lasttoken', 'last-token'],
];

/** Reads a sentence-transformers layout; null when the directory has no modules.json. */
export function readSentenceTransformers(dir: string): SentenceTransformersSettings | null {
  const modulesFile = join(dir, 'modules.json');
  if (!existsSync(modulesFile)) return null;
  let modules: unknown;
  try {
    modules = JSON.parse(readFileSync(modulesFile, 'utf8'));
  } catch (cause) {
    throw new EncoderError('E_BAD_CONFIG', `${modulesFile}: not readable JSON (${(cause as Error).message})`, { file: modulesFile, cause });
  }
  if (!Array.isArray(modules)) throw new EncoderError('E_BAD_CONFIG', `${modulesFile}: must hold a JSON array of modules`, { file: modulesFile });
  const settings: SentenceTransformersSettings = {
    pooling: [],
    includePrompt: true,
    normalize: false,
    maxSeqLength: null,
    doLowerCase: false,
    prompts: {},
    defaultPromptName: null,
    modules: [],
  };
  modules.forEach((m: unknown, i) => {
    const entry = (m ?? {}) as Json;
    const type = typeof entry.type === 'string' ? entry.type : '';
    const kind = type.split('.').pop() ?? '';
    const path = typeof entry.path === 'string' ? entry.path : '';
    if (kind === 'Transformer') return;
    if (kind === 'Normalize') {
      settings.normalize = true;
      return;
    }
    if (kind === 'Pooling') {
      const file = join(dir, path, 'config.json');
      if (!existsSync(file)) throw new EncoderError('E_BAD_CONFIG', `${modulesFile}: module ${i} (Pooling) has no ${file}`, { file });
      Object.assign(settings, readPooling(file));
      return;
    }
    throw new EncoderError(
      'E_BAD_CONFIG',
      `${modulesFile}: module ${i} is ${JSON.stringify(type)}; bertkit runs Transformer, Pooling and Normalize modules only`,
      { file: modulesFile },
    );
  });
  const bertConfig = join(dir, 'sentence_bert_config.json');
  if (existsSync(bertConfig)) {
    const json = readJson(bertConfig);
    const max = json.max_seq_length;
    if (max !== undefined && max !== null) {
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
        throw new EncoderError('E_BAD_CONFIG', `${bertConfig}: "max_seq_length" must be a positive integer, got ${JSON.stringify(max)}`, { file: bertConfig });
      }
      settings.maxSeqLength = max;
    }
    settings.doLowerCase = json.do_lower_case === true;
  }
  const stConfig = join(dir, 'config_sentence_transformers.json');
  if (existsSync(stConfig)) {
    const json = readJson(stConfig);
    const prompts = json.prompts ?? {};
    if (typeof prompts !== 'object' || prompts === null || Array.isArray(prompts) || !Object.values(prompts).every((v) => typeof v === 'string')) {
      throw new EncoderError('E_BAD_CONFIG', `${stConfig}: "prompts" must map names to strings`, { file: stConfig });
    }
    settings.prompts = { ...(prompts as Record<string, string>) };
    const name = json.default_prompt_name;
    if (typeof name === 'string') {
      if (!(name in settings.prompts)) throw new EncoderError('E_BAD_CONFIG', `${stConfig}: default_prompt_name ${JSON.stringify(name)} is not among the prompts`, { file: stConfig });
      settings.defaultPromptName = name;
    }
  }
  return settings;
}

function readPooling(file: string): Pick<SentenceTransformersSettings, 'pooling' | 'includePrompt'> {
  const json = readJson(file);
  const pooling = MODE_KEYS.filter(([key]) => json[key] === true).map(([, mode]) => mode);
  if (pooling.length === 0) throw new EncoderError('E_BAD_CONFIG', `${file}: no pooling_mode_* is true`, { file });
  return { pooling, includePrompt: json.include_prompt !== false };
}

/**
 * The text sentence-transformers tokenizes: Python's str.strip() (its whitespace set differs from
 * String.prototype.trim: \x1c-\x1f and \x85 are stripped, \ufeff is not), then lower() when configured.
 */
export function prepareText(text: string, doLowerCase: boolean): string {
  const stripped = text.replace(PY_STRIP, '');
  return doLowerCase ? stripped.toLowerCase() : stripped;
}

const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');
