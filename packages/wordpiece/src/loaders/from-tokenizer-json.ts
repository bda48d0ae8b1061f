import { TokenizerError } from '../errors.js';
import { BpeModel } from '../model/bpe-model.js';
import { UnigramModel } from '../model/unigram-model.js';
import { Vocab } from '../model/vocab.js';
import { WordPieceModel } from '../model/wordpiece-model.js';
import type { AddedToken } from '../pipeline/added-vocabulary.js';
import type { PaddingParams } from '../pipeline/padding.js';
import type { TruncationParams } from '../pipeline/truncation.js';
import type { TokenizerParts } from '../pipeline-tokenizer.js';
import { decoderFrom, normalizerFrom, postProcessorFrom, preTokenizerFrom } from './stages-from-json.js';

type Json = Record<string, unknown>;

/** Raised when the file is valid but uses a stage we do not run natively; the caller may fall back. */
export class NotWordPieceError extends TokenizerError {
  constructor(file: string, what: string) {
    super('E_UNSUPPORTED_TOKENIZER', `${file}: ${what}; WordPiece, BPE and Unigram pipelines with the usual stages run natively`, { file });
  }
}

export type LoadedKind = 'wordpiece' | 'bpe' | 'unigram';

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether a tokenizer.json's model is WordPiece (older files carry no "type" tag). */
export function isWordPieceModel(model: unknown): boolean {
  return isObject(model) && modelType(model) === 'WordPiece';
}

/**
 * The model's type, from "type" or, in older files without it, from its fields: merges mean BPE, a
 * vocab list of [piece, score] Unigram, a continuing_subword_prefix with a vocab map WordPiece.
 */
function modelType(model: Json): string {
  if (typeof model.type === 'string') return model.type;
  if ('merges' in model) return 'BPE';
  if (Array.isArray(model.vocab)) return 'Unigram';
  if (isObject(model.vocab) && 'continuing_subword_prefix' in model) return 'WordPiece';
  if (isObject(model.vocab)) return 'WordLevel';
  return 'unknown';
}

const KINDS: Record<string, LoadedKind> = { WordPiece: 'wordpiece', BPE: 'bpe', Unigram: 'unigram' };

export function partsFromTokenizerJson(
  json: unknown,
  file: string,
  modelMaxLength?: number,
  padToken?: string,
): { kind: LoadedKind; parts: TokenizerParts } {
  const bad = (what: string): TokenizerError => new TokenizerError('E_MALFORMED_TOKENIZER_JSON', `${file}: ${what}`, { file });
  if (!isObject(json)) throw bad('top level must be a JSON object');
  const model = json.model;
  if (!isObject(model)) throw bad('"model" is missing or not an object');
  const type = modelType(model);
  const kind = KINDS[type];
  if (kind === undefined) {
    if (type === 'WordLevel') throw new NotWordPieceError(file, 'model.type "WordLevel" is not run natively');
    throw new TokenizerError(
      'E_UNSUPPORTED_TOKENIZER',
      `${file}: model.type ${JSON.stringify(model.type ?? type)} is not a tokenizer model we know (BPE, Unigram, WordPiece, WordLevel)`,
      { file },
    );
  }
  const built = kind === 'wordpiece' ? wordPieceFrom(model, bad) : kind === 'bpe' ? bpeFrom(model, file, bad, usesByteLevel(json.pre_tokenizer)) : unigramFrom(model, bad, metaspaceReplacement(json.pre_tokenizer));
  const preTokenizer = preTokenizerFrom(json.pre_tokenizer, file);
  return {
    kind,
    parts: {
      normalizer: normalizerFrom(json.normalizer, file),
      preTokenizer,
      model: built,
      addedTokens: addedTokensFrom(json.added_tokens, bad),
      postProcessor: postProcessorFrom(json.post_processor, file, bad),
      decoder: decoderFrom(json.decoder, file),
      truncation: truncationFrom(json.truncation, bad),
      padding: paddingFrom(json.padding, bad),
      modelMaxLength,
      padToken,
      source: file,
    },
  };
}

function wordPieceFrom(model: Json, bad: (w: string) => TokenizerError): WordPieceModel {
  if (!isObject(model.vocab)) throw bad('"model.vocab" must be an object of token -> id');
  const vocab = vocabFrom(model.vocab, bad);
  const maxChars = model.max_input_chars_per_word ?? 100;
  if (typeof maxChars !== 'number' || !Number.isInteger(maxChars) || maxChars < 0) throw bad('"model.max_input_chars_per_word" must be a non-negative integer');
  return new WordPieceModel(vocab, {
    unkToken: str(model.unk_token, 'model.unk_token', '[UNK]', bad),
    continuingSubwordPrefix: str(model.continuing_subword_prefix, 'model.continuing_subword_prefix', '##', bad),
    maxInputCharsPerWord: maxChars,
  });
}

function vocabFrom(map: Json, bad: (w: string) => TokenizerError): Vocab {
  const entries: Array<[string, number]> = [];
  for (const [token, id] of Object.entries(map)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw bad(`"model.vocab" has a bad id for ${JSON.stringify(token)}: ${JSON.stringify(id)}`);
    entries.push([token, id]);
  }
  if (entries.length === 0) throw bad('"model.vocab" is empty');
  return new Vocab(entries);
}

function str(v: unknown, key: string, fallback: string, bad: (w: string) => TokenizerError): string {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw bad(`"${key}" must be a string`);
  return v;
}

function bpeFrom(model: Json, file: string, bad: (w: string) => TokenizerError, byteLevel: boolean): BpeModel {
  if (!isObject(model.vocab)) throw bad('"model.vocab" must be an object of token -> id');
  const vocab = vocabFrom(model.vocab, bad);
  if (!Array.isArray(model.merges)) throw bad('"model.merges" must be an array');
  const merges = model.merges.map((m, i): [string, string] => {
    if (typeof m === 'string') {
      const space = m.indexOf(' ', 1);
      if (space < 0 || m.indexOf(' ', space + 1) >= 0) throw bad(`model.merges[${i}] ${JSON.stringify(m)} is not two tokens separated by one space`);
      return [m.slice(0, space), m.slice(space + 1)];
    }
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return [m[0], m[1]];
    throw bad(`model.merges[${i}] must be "a b" or ["a", "b"]`);
  });
  if (model.dropout !== undefined && model.dropout !== null && model.dropout !== 0) {
    throw new NotWordPieceError(file, 'model.dropout makes BPE random and is not run natively');
  }
  return new BpeModel(vocab, merges, {
    unkToken: model.unk_token === undefined || model.unk_token === null ? null : str(model.unk_token, 'model.unk_token', '', bad),
    continuingSubwordPrefix: str(model.continuing_subword_prefix, 'model.continuing_subword_prefix', '', bad),
    endOfWordSuffix: str(model.end_of_word_suffix, 'model.end_of_word_suffix', '', bad),
    fuseUnk: model.fuse_unk === true,
    byteFallback: model.byte_fallback === true,
    ignoreMerges: model.ignore_merges === true,
    byteLevel,
    file,
  });
}

function unigramFrom(model: Json, bad: (w: string) => TokenizerError, spaceAs: string | null): UnigramModel {
  if (!Array.isArray(model.vocab)) throw bad('"model.vocab" must be a list of [piece, score]');
  const pieces = model.vocab.map((entry, i): [string, number] => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') throw bad(`model.vocab[${i}] must be [piece, score]`);
    const score = entry[1];
    if (typeof score !== 'number' || !Number.isFinite(score)) throw bad(`model.vocab[${i}] (${JSON.stringify(entry[0])}) has score ${String(score)}; scores must be finite numbers`);
    return [entry[0], score];
  });
  const unkId = model.unk_id;
  if (unkId !== undefined && unkId !== null && (typeof unkId !== 'number' || !Number.isInteger(unkId) || unkId < 0 || unkId >= pieces.length)) {
    throw bad(`"model.unk_id" ${JSON.stringify(unkId)} is not an index into model.vocab (${pieces.length} pieces)`);
  }
  return new UnigramModel(pieces, { unkId: typeof unkId === 'number' ? unkId : null, byteFallback: model.byte_fallback === true, spaceAs });
}

function usesByteLevel(p: unknown): boolean {
  if (!isObject(p)) return false;
  if (p.type === 'ByteLevel') return true;
  return p.type === 'Sequence' && Array.isArray(p.pretokenizers) && p.pretokenizers.some(usesByteLevel);
}

function metaspaceReplacement(p: unknown): string | null {
  if (!isObject(p)) return null;
  if (p.type === 'Metaspace') return typeof p.replacement === 'string' ? p.replacement : '\u2581';
  if (p.type === 'Sequence' && Array.isArray(p.pretokenizers)) {
    for (const q of p.pretokenizers) {
      const r = metaspaceReplacement(q);
      if (r !== null) return r;
    }
  }
  return null;
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
