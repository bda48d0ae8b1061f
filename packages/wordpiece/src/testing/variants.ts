// Test-only: the same tokenizer.json with its settings changed, loaded by us and by the oracle.
import { readFileSync } from 'node:fs';
import { Tokenizer as Oracle } from 'tokenizers';
import { WordPieceTokenizer } from '../index.js';
import { sharedPath } from './shared-data.js';

export interface NormalizerVariant {
  clean_text: boolean;
  handle_chinese_chars: boolean;
  strip_accents: boolean | null;
  lowercase: boolean;
}

/** Every BertNormalizer setting combination (strip_accents null follows lowercase). */
export function allNormalizerVariants(): NormalizerVariant[] {
  const out: NormalizerVariant[] = [];
  for (const clean_text of [true, false])
    for (const handle_chinese_chars of [true, false])
      for (const strip_accents of [null, true, false])
        for (const lowercase of [true, false]) out.push({ clean_text, handle_chinese_chars, strip_accents, lowercase });
  return out;
}

export function tokenizerJson(model: string): Record<string, unknown> {
  return JSON.parse(readFileSync(sharedPath('tokenizers', model, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
}

/** Both tokenizers built from one (possibly edited) tokenizer.json object. */
export function pairFromJson(json: object): { ours: WordPieceTokenizer; oracle: Oracle } {
  const text = JSON.stringify(json);
  return { ours: WordPieceTokenizer.fromJSON(text, 'variant tokenizer.json'), oracle: Oracle.fromString(text) };
}

export function withNormalizer(model: string, variant: NormalizerVariant): { ours: WordPieceTokenizer; oracle: Oracle } {
  const json = tokenizerJson(model);
  json.normalizer = { type: 'BertNormalizer', ...variant };
  return pairFromJson(json);
}
