import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readJson } from './read-file.js';

/** The fields of transformers' tokenizer_config.json (and special_tokens_map.json) we use. */
export interface TokenizerConfig {
  doLowerCase?: boolean;
  stripAccents?: boolean | null;
  tokenizeChineseChars?: boolean;
  neverSplit?: string[];
  modelMaxLength?: number;
  specialTokens: Partial<Record<'unk' | 'cls' | 'sep' | 'pad' | 'mask', string>>;
  addedTokensDecoder: Array<{ id: number; content: string; lstrip: boolean; rstrip: boolean; singleWord: boolean; normalized: boolean; special: boolean }>;
}

/** transformers writes int(1e30) for "no limit". */
const NO_LIMIT = 1e9;

function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

/** Reads tokenizer_config.json and special_tokens_map.json beside `file` when present. */
export function readTokenizerConfig(file: string): TokenizerConfig {
  const dir = dirname(file);
  const config: TokenizerConfig = { specialTokens: {}, addedTokensDecoder: [] };
  for (const name of ['special_tokens_map.json', 'tokenizer_config.json']) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const json = readJson(path) as Record<string, unknown>;
    if (json === null || typeof json !== 'object') continue;
    for (const key of ['unk', 'cls', 'sep', 'pad', 'mask'] as const) {
      const content = tokenContent(json[`${key}_token`]);
      if (content !== undefined) config.specialTokens[key] = content;
    }
    if (name !== 'tokenizer_config.json') continue;
    if (typeof json.do_lower_case === 'boolean') config.doLowerCase = json.do_lower_case;
    if (typeof json.strip_accents === 'boolean' || json.strip_accents === null) config.stripAccents = json.strip_accents;
    if (typeof json.tokenize_chinese_chars === 'boolean') config.tokenizeChineseChars = json.tokenize_chinese_chars;
    if (Array.isArray(json.never_split)) config.neverSplit = json.never_split.filter((t): t is string => typeof t === 'string');
    if (typeof json.model_max_length === 'number' && json.model_max_length > 0 && json.model_max_length < NO_LIMIT) {
      config.modelMaxLength = json.model_max_length;
    }
    const decoder = json.added_tokens_decoder;
    if (decoder !== null && typeof decoder === 'object') {
      for (const [id, value] of Object.entries(decoder as Record<string, Record<string, unknown>>)) {
        if (typeof value?.content !== 'string' || !/^\d+$/.test(id)) continue;
        config.addedTokensDecoder.push({
          id: Number(id),
          content: value.content,
          lstrip: value.lstrip === true,
          rstrip: value.rstrip === true,
          singleWord: value.single_word === true,
          normalized: value.normalized === true,
          special: value.special === true,
        });
      }
    }
  }
  return config;
}
