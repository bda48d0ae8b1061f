import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TokenizerError } from '../errors.js';
import type { TokenizerParts } from '../pipeline-tokenizer.js';
import { type LoadedKind, NotWordPieceError, partsFromTokenizerJson } from './from-tokenizer-json.js';
import { partsFromVocabAndMerges } from './from-vocab-merges.js';

export type { LoadedKind } from './from-tokenizer-json.js';
import { partsFromVocab } from './from-vocab.js';
import { readJson } from './read-file.js';
import { readTokenizerConfig } from './tokenizer-config.js';

/** Finds the tokenizer file in a model directory: tokenizer.json first, then vocab.txt. */
export function resolveTokenizerFile(path: string): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TokenizerError('E_INVALID_OPTION', `path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  let stat;
  try {
    stat = statSync(path);
  } catch (cause) {
    throw new TokenizerError('E_FILE_NOT_FOUND', `${path}: no such file or directory`, { file: path, cause });
  }
  if (!stat.isDirectory()) return path;
  for (const name of ['tokenizer.json', 'vocab.txt', 'vocab.json']) {
    const candidate = join(path, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new TokenizerError('E_FILE_NOT_FOUND', `${path}: directory has no tokenizer.json, vocab.txt or vocab.json`, { file: path });
}

export type LoadedParts =
  | { kind: LoadedKind; parts: TokenizerParts }
  | { kind: 'other'; file: string; json: object; config: object; modelMaxLength: number | undefined; reason: NotWordPieceError };

/** Reads the pipeline from disk; tokenizer.json files with stages we do not run come back as `other`. */
export function loadParts(path: string): LoadedParts {
  const file = resolveTokenizerFile(path);
  const name = basename(file).toLowerCase();
  if (name.endsWith('.txt')) return { kind: 'wordpiece', parts: partsFromVocab(file) };
  const config = readTokenizerConfig(file);
  const json = readJson(file);
  if (name === 'vocab.json' || looksLikeVocabJson(json)) return { kind: 'bpe', parts: partsFromVocabAndMerges(file, json as Record<string, unknown>) };
  try {
    return partsFromTokenizerJson(json, file, config.modelMaxLength, config.specialTokens.pad);
  } catch (error) {
    if (!(error instanceof NotWordPieceError)) throw error;
    const configPath = join(dirname(file), 'tokenizer_config.json');
    const rawConfig = existsSync(configPath) ? readJson(configPath) : {};
    return { kind: 'other', file, json: json as object, config: (rawConfig ?? {}) as object, modelMaxLength: config.modelMaxLength, reason: error };
  }
}

/** A vocab.json is a flat token -> id map (it may even hold a token "model"); a tokenizer.json has a "model" object. */
function looksLikeVocabJson(json: unknown): boolean {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return false;
  const model = (json as Record<string, unknown>).model;
  const values = Object.values(json);
  return (model === undefined || typeof model === 'number') && values.length > 0 && values.every((v) => typeof v === 'number');
}

const CLASS_NAMES = { wordpiece: 'WordPieceTokenizer', bpe: 'BpeTokenizer', unigram: 'UnigramTokenizer' } as const;

function wrongKind(file: string, found: string, wanted: LoadedKind): TokenizerError {
  return new TokenizerError(
    'E_UNSUPPORTED_TOKENIZER',
    `${file}: a ${found} tokenizer, not ${wanted}; load it with loadTokenizer() (or ${found in CLASS_NAMES ? CLASS_NAMES[found as LoadedKind] : 'the fallback'})`,
    { file },
  );
}

/** Loads `path` and insists on one model kind (the static fromFile of each class). */
export function loadPartsOfKind(path: string, kind: LoadedKind): TokenizerParts {
  const loaded = loadParts(path);
  if (loaded.kind === 'other') {
    throw new TokenizerError('E_UNSUPPORTED_TOKENIZER', `${loaded.reason.message}. loadTokenizer() loads it through @huggingface/tokenizers (without offsets)`, { file: loaded.file });
  }
  if (loaded.kind !== kind) throw wrongKind(loaded.parts.source, loaded.kind, kind);
  return loaded.parts;
}

/** Builds from a parsed (or string) tokenizer.json and insists on one model kind. */
export function partsOfKindFromJson(json: unknown, source: string, kind: LoadedKind): TokenizerParts {
  const parsed = typeof json === 'string' ? readJson(source, json) : json;
  const loaded = partsFromTokenizerJson(parsed, source);
  if (loaded.kind !== kind) throw wrongKind(source, loaded.kind, kind);
  return loaded.parts;
}
