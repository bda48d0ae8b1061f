import { WordPieceDecoder } from '../decoder/wordpiece-decoder.js';
import { TokenizerError } from '../errors.js';
import { Vocab } from '../model/vocab.js';
import { WordPieceModel } from '../model/wordpiece-model.js';
import { BertNormalizer } from '../normalizer/bert-normalizer.js';
import { IdentityNormalizer, type Normalizer } from '../normalizer/normalizer.js';
import type { AddedToken } from '../pipeline/added-vocabulary.js';
import type { PaddingParams } from '../pipeline/padding.js';
import type { TruncationParams } from '../pipeline/truncation.js';
import { type SpecialTokenDefinition, type TemplatePiece, TemplateProcessor } from '../post-processor/template.js';
import { BertPreTokenizer, WhitespaceSplitPreTokenizer } from '../pre-tokenizer/bert-pre-tokenizer.js';
import type { PreTokenizer } from '../pre-tokenizer/pre-tokenizer.js';
import type { TokenizerParts } from '../tokenizer.js';

type Json = Record<string, unknown>;

/** Raised when the file is valid but not a BERT-style WordPiece pipeline; the caller may fall back. */
export class NotWordPieceError extends TokenizerError {
  constructor(file: string, what: string) {
    super('E_UNSUPPORTED_TOKENIZER', `${file}: ${what}; only BERT-style WordPiece pipelines run natively`, { file });
  }
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether a tokenizer.json's model is WordPiece (older files carry no "type" tag). */
export function isWordPieceModel(model: unknown): boolean {
  if (!isObject(model)) return false;
  if (model.type !== undefined) return model.type === 'WordPiece';
  return isObject(model.vocab) && 'continuing_subword_prefix' in model && !('merges' in model);
}

export function partsFromTokenizerJson(json: unknown, file: string, modelMaxLength?: number): TokenizerParts {
  const bad = (what: string): TokenizerError => new TokenizerError('E_MALFORMED_TOKENIZER_JSON', `${file}: ${what}`, { file });
  if (!isObject(json)) throw bad('top level must be a JSON object');
  const model = json.model;
  if (!isObject(model)) throw bad('"model" is missing or not an object');
  if (!isWordPieceModel(model)) throw new NotWordPieceError(file, `model type ${JSON.stringify(model.type ?? 'unknown')} is not WordPiece`);
  if (!isObject(model.vocab)) throw bad('"model.vocab" must be an object of token -> id');
  const entries: Array<[string, number]> = [];
  for (const [token, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw bad(`"model.vocab" has a bad id for ${JSON.stringify(token)}: ${JSON.stringify(id)}`);
    entries.push([token, id]);
  }
  if (entries.length === 0) throw bad('"model.vocab" is empty');
  const vocab = new Vocab(entries);
  const str = (v: unknown, key: string, fallback: string): string => {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'string') throw bad(`"${key}" must be a string`);
    return v;
  };
  const maxChars = model.max_input_chars_per_word ?? 100;
  if (typeof maxChars !== 'number' || !Number.isInteger(maxChars) || maxChars < 0) throw bad('"model.max_input_chars_per_word" must be a non-negative integer');
  const wordPiece = new WordPieceModel(vocab, {
    unkToken: str(model.unk_token, 'model.unk_token', '[UNK]'),
    continuingSubwordPrefix: str(model.continuing_subword_prefix, 'model.continuing_subword_prefix', '##'),
    maxInputCharsPerWord: maxChars,
  });
  return {
    normalizer: normalizerFrom(json.normalizer, file),
    preTokenizer: preTokenizerFrom(json.pre_tokenizer, file),
    model: wordPiece,
    addedTokens: addedTokensFrom(json.added_tokens, bad),
    postProcessor: postProcessorFrom(json.post_processor, file, bad),
    decoder: decoderFrom(json.decoder, file),
    truncation: truncationFrom(json.truncation, bad),
    padding: paddingFrom(json.padding, bad),
    modelMaxLength,
    source: file,
  };
}

function normalizerFrom(n: unknown, file: string): Normalizer {
  if (n === null || n === undefined) return new IdentityNormalizer();
  if (isObject(n) && n.type === 'BertNormalizer') {
    const strip = n.strip_accents;
    return new BertNormalizer({
      cleanText: n.clean_text !== false,
      handleChineseChars: n.handle_chinese_chars !== false,
      stripAccents: typeof strip === 'boolean' ? strip : null,
      lowercase: n.lowercase !== false,
    });
  }
  throw new NotWordPieceError(file, `normalizer ${JSON.stringify(isObject(n) ? n.type : n)} is not supported natively`);
}

function preTokenizerFrom(p: unknown, file: string): PreTokenizer {
  if (isObject(p) && p.type === 'BertPreTokenizer') return new BertPreTokenizer();
  if (isObject(p) && p.type === 'WhitespaceSplit') return new WhitespaceSplitPreTokenizer();
  throw new NotWordPieceError(file, `pre_tokenizer ${JSON.stringify(isObject(p) ? p.type : p)} is not supported natively`);
}

function decoderFrom(d: unknown, file: string): WordPieceDecoder | null {
  if (d === null || d === undefined) return null;
  if (isObject(d) && d.type === 'WordPiece') {
    return new WordPieceDecoder(typeof d.prefix === 'string' ? d.prefix : '##', d.cleanup !== false);
  }
  throw new NotWordPieceError(file, `decoder ${JSON.stringify(isObject(d) ? d.type : d)} is not supported natively`);
}

function addedTokensFrom(list: unknown, bad: (w: string) => TokenizerError): AddedToken[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw bad('"added_tokens" must be an array');
  return list.map((t, i) => {
    if (!isObject(t) || typeof t.content !== 'string' || typeof t.id !== 'number') {
      throw bad(`"added_tokens[${i}]" needs a string "content" and a numeric "id"`);
    }
    return {
      id: t.id,
      content: t.content,
      special: t.special === true,
      singleWord: t.single_word === true,
      lstrip: t.lstrip === true,
      rstrip: t.rstrip === true,
      normalized: t.normalized === undefined ? t.special !== true : t.normalized === true,
    };
  });
}

function postProcessorFrom(p: unknown, file: string, bad: (w: string) => TokenizerError): TemplateProcessor | null {
  if (p === null || p === undefined) return null;
  if (!isObject(p)) throw bad('"post_processor" must be an object');
  if (p.type === 'BertProcessing') {
    const pair = (v: unknown, key: string): [string, number] => {
      if (!Array.isArray(v) || typeof v[0] !== 'string' || typeof v[1] !== 'number') throw bad(`"post_processor.${key}" must be [token, id]`);
      return [v[0], v[1]];
    };
    return TemplateProcessor.bert(pair(p.cls, 'cls'), pair(p.sep, 'sep'));
  }
  if (p.type === 'TemplateProcessing') {
    const pieces = (v: unknown, key: string): TemplatePiece[] => {
      if (!Array.isArray(v)) throw bad(`"post_processor.${key}" must be an array`);
      return v.map((piece, i): TemplatePiece => {
        if (isObject(piece) && isObject(piece.SpecialToken) && typeof piece.SpecialToken.id === 'string') {
          return { kind: 'special', name: piece.SpecialToken.id, typeId: Number(piece.SpecialToken.type_id ?? 0) };
        }
        if (isObject(piece) && isObject(piece.Sequence) && (piece.Sequence.id === 'A' || piece.Sequence.id === 'B')) {
          return { kind: 'sequence', sequence: piece.Sequence.id === 'A' ? 0 : 1, typeId: Number(piece.Sequence.type_id ?? 0) };
        }
        throw bad(`"post_processor.${key}[${i}]" is neither a SpecialToken nor a Sequence piece`);
      });
    };
    const specials = new Map<string, SpecialTokenDefinition>();
    if (!isObject(p.special_tokens)) throw bad('"post_processor.special_tokens" must be an object');
    for (const [name, def] of Object.entries(p.special_tokens)) {
      if (!isObject(def) || !Array.isArray(def.ids) || !Array.isArray(def.tokens)) throw bad(`"post_processor.special_tokens.${name}" needs "ids" and "tokens"`);
      specials.set(name, { name, ids: def.ids.map(Number), tokens: def.tokens.map(String) });
    }
    return new TemplateProcessor(pieces(p.single, 'single'), pieces(p.pair, 'pair'), specials);
  }
  throw new NotWordPieceError(file, `post_processor ${JSON.stringify(p.type)} is not supported natively`);
}

const DIRECTION = { Right: 'right', Left: 'left' } as const;

function truncationFrom(t: unknown, bad: (w: string) => TokenizerError): TruncationParams | null {
  if (t === null || t === undefined) return null;
  if (!isObject(t) || typeof t.max_length !== 'number') throw bad('"truncation" needs a numeric "max_length"');
  const strategies = { LongestFirst: 'longest_first', OnlyFirst: 'only_first', OnlySecond: 'only_second' } as const;
  const strategy = strategies[(t.strategy ?? 'LongestFirst') as keyof typeof strategies];
  if (strategy === undefined) throw bad(`"truncation.strategy" ${JSON.stringify(t.strategy)} is unknown`);
  return {
    maxLength: t.max_length,
    strategy,
    stride: typeof t.stride === 'number' ? t.stride : 0,
    direction: DIRECTION[(t.direction ?? 'Right') as keyof typeof DIRECTION] ?? 'right',
  };
}

function paddingFrom(p: unknown, bad: (w: string) => TokenizerError): PaddingParams | null {
  if (p === null || p === undefined) return null;
  if (!isObject(p)) throw bad('"padding" must be an object');
  const s = p.strategy;
  let strategy: PaddingParams['strategy'] = 'longest';
  let maxLength: number | undefined;
  if (isObject(s) && typeof s.Fixed === 'number') {
    strategy = 'max_length';
    maxLength = s.Fixed;
  } else if (s !== 'BatchLongest' && s !== undefined) {
    throw bad(`"padding.strategy" ${JSON.stringify(s)} is unknown`);
  }
  return {
    strategy,
    maxLength,
    padToMultipleOf: typeof p.pad_to_multiple_of === 'number' ? p.pad_to_multiple_of : undefined,
    direction: DIRECTION[(p.direction ?? 'Right') as keyof typeof DIRECTION] ?? 'right',
    padId: typeof p.pad_id === 'number' ? p.pad_id : 0,
    padTypeId: typeof p.pad_type_id === 'number' ? p.pad_type_id : 0,
    padToken: typeof p.pad_token === 'string' ? p.pad_token : '[PAD]',
  };
}
