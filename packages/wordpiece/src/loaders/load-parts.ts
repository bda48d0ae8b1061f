import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TokenizerError } from '../errors.js';
import type { TokenizerParts } from '../tokenizer.js';
import { NotWordPieceError, partsFromTokenizerJson } from './from-tokenizer-json.js';
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
  for (const name of ['tokenizer.json', 'vocab.txt']) {
    const candidate = join(path, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new TokenizerError('E_FILE_NOT_FOUND', `${path}: directory has neither tokenizer.json nor vocab.txt`, { file: path });
}

export type LoadedParts =
  | { kind: 'wordpiece'; parts: TokenizerParts }
  | { kind: 'other'; file: string; json: object; config: object; modelMaxLength: number | undefined; reason: NotWordPieceError };

/** Reads the pipeline from disk; non-WordPiece tokenizer.json files come back as `other`. */
export function loadParts(path: string): LoadedParts {
  const file = resolveTokenizerFile(path);
  if (!basename(file).toLowerCase().endsWith('.json')) return { kind: 'wordpiece', parts: partsFromVocab(file) };
  const config = readTokenizerConfig(file);
  const json = readJson(file);
  try {
    return { kind: 'wordpiece', parts: partsFromTokenizerJson(json, file, config.modelMaxLength) };
  } catch (error) {
    if (!(error instanceof NotWordPieceError)) throw error;
    const configPath = join(dirname(file), 'tokenizer_config.json');
    const rawConfig = existsSync(configPath) ? readJson(configPath) : {};
    return { kind: 'other', file, json: json as object, config: (rawConfig ?? {}) as object, modelMaxLength: config.modelMaxLength, reason: error };
  }
}
