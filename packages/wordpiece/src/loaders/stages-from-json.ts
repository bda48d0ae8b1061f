import type { Decoder } from '../decoder/decoder.js';
import { ByteLevelDecoder } from '../decoder/byte-level-decoder.js';
import { MetaspaceDecoder } from '../decoder/metaspace-decoder.js';
import { WordPieceDecoder } from '../decoder/wordpiece-decoder.js';
import { TokenizerError } from '../errors.js';
import { BertNormalizer } from '../normalizer/bert-normalizer.js';
import { type BufferNormalizer, IdentityNormalizer, type Normalizer, SequenceNormalizer } from '../normalizer/normalizer.js';
import { PrecompiledCharsmap } from '../normalizer/precompiled-charsmap.js';
import { PrecompiledNormalizer } from '../normalizer/precompiled-normalizer.js';
import { ReplaceNormalizer } from '../normalizer/replace-normalizer.js';
import { StripNormalizer } from '../normalizer/strip-normalizer.js';
import { type SpecialTokenDefinition, type TemplatePiece, TemplateProcessor } from '../post-processor/template.js';
import { BertPreTokenizer, WhitespaceSplitPreTokenizer } from '../pre-tokenizer/bert-pre-tokenizer.js';
import { ByteLevelPreTokenizer } from '../pre-tokenizer/byte-level-pre-tokenizer.js';
import { MetaspacePreTokenizer, type PrependScheme } from '../pre-tokenizer/metaspace-pre-tokenizer.js';
import type { PreTokenizer } from '../pre-tokenizer/pre-tokenizer.js';
import { SequencePreTokenizer } from '../pre-tokenizer/sequence-pre-tokenizer.js';
import { NotWordPieceError } from './from-tokenizer-json.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const typeOf = (v: unknown): string => JSON.stringify(isObject(v) ? v.type : v);

export function normalizerFrom(n: unknown, file: string): Normalizer {
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
  if (isObject(n) && n.type === 'Sequence' && Array.isArray(n.normalizers)) {
    const steps = n.normalizers.map((step) => normalizerFrom(step, file));
    if (steps.length === 0) return new IdentityNormalizer();
    const rest = steps.slice(1);
    for (const [k, step] of rest.entries()) {
      if (!('normalizeBuffer' in step)) throw new NotWordPieceError(file, `normalizer Sequence step ${k + 1} (${typeOf(n.normalizers[k + 1])}) cannot follow another step natively`);
    }
    return new SequenceNormalizer(steps[0] as Normalizer, rest as BufferNormalizer[]);
  }
  return bufferNormalizerFrom(n, file);
}

function bufferNormalizerFrom(n: unknown, file: string): BufferNormalizer {
  if (isObject(n) && n.type === 'Precompiled') {
    const map = n.precompiled_charsmap;
    if (map === null || map === undefined || map === '') return new ReplaceNormalizer({ string: '\u0000\u0000never' }, '');
    if (typeof map !== 'string') throw new TokenizerError('E_MALFORMED_TOKENIZER_JSON', `${file}: normalizer "precompiled_charsmap" must be a base64 string`, { file });
    return new PrecompiledNormalizer(new PrecompiledCharsmap(map, file));
  }
  if (isObject(n) && n.type === 'Replace' && typeof n.content === 'string' && isObject(n.pattern)) {
    if (typeof n.pattern.String === 'string') return new ReplaceNormalizer({ string: n.pattern.String }, n.content);
    if (typeof n.pattern.Regex === 'string') {
      try {
        return new ReplaceNormalizer({ regex: n.pattern.Regex }, n.content);
      } catch {
        throw new NotWordPieceError(file, `normalizer Replace regex ${JSON.stringify(n.pattern.Regex)} is not valid JavaScript regex syntax`);
      }
    }
  }
  if (isObject(n) && n.type === 'Strip') return new StripNormalizer(n.strip_left !== false, n.strip_right !== false);
  throw new NotWordPieceError(file, `normalizer ${typeOf(n)} is not supported natively`);
}

export function preTokenizerFrom(p: unknown, file: string): PreTokenizer {
  if (isObject(p) && p.type === 'BertPreTokenizer') return new BertPreTokenizer();
  if (isObject(p) && p.type === 'WhitespaceSplit') return new WhitespaceSplitPreTokenizer();
  if (isObject(p) && p.type === 'ByteLevel') {
    return new ByteLevelPreTokenizer({ addPrefixSpace: p.add_prefix_space !== false, useRegex: p.use_regex !== false });
  }
  if (isObject(p) && p.type === 'Metaspace') return new MetaspacePreTokenizer(metaspaceOptions(p));
  if (isObject(p) && p.type === 'Sequence' && Array.isArray(p.pretokenizers)) {
    const steps = p.pretokenizers.map((step) => preTokenizerFrom(step, file));
    return steps.length === 1 ? (steps[0] as PreTokenizer) : new SequencePreTokenizer(steps);
  }
  throw new NotWordPieceError(file, `pre_tokenizer ${typeOf(p)} is not supported natively`);
}

/** Newer files say prepend_scheme; older ones add_prefix_space (true: always, false: never). */
function metaspaceOptions(p: Json): { replacement: string; prependScheme: PrependScheme; split: boolean } {
  const scheme = p.prepend_scheme;
  const prependScheme: PrependScheme =
    scheme === 'first' || scheme === 'never' || scheme === 'always' ? scheme : p.add_prefix_space === false ? 'never' : 'always';
  return { replacement: typeof p.replacement === 'string' ? p.replacement : '\u2581', prependScheme, split: p.split !== false };
}

export function decoderFrom(d: unknown, file: string): Decoder | null {
  if (d === null || d === undefined) return null;
  if (isObject(d) && d.type === 'WordPiece') return new WordPieceDecoder(typeof d.prefix === 'string' ? d.prefix : '##', d.cleanup !== false);
  if (isObject(d) && d.type === 'ByteLevel') return new ByteLevelDecoder();
  if (isObject(d) && d.type === 'Metaspace') {
    const o = metaspaceOptions(d);
    return new MetaspaceDecoder(o.replacement, o.prependScheme);
  }
  throw new NotWordPieceError(file, `decoder ${typeOf(d)} is not supported natively`);
}

export function postProcessorFrom(p: unknown, file: string, bad: (w: string) => TokenizerError): TemplateProcessor | null {
  if (p === null || p === undefined) return null;
  if (!isObject(p)) throw bad('"post_processor" must be an object');
  const pair = (v: unknown, key: string): [string, number] => {
    if (!Array.isArray(v) || typeof v[0] !== 'string' || typeof v[1] !== 'number') throw bad(`"post_processor.${key}" must be [token, id]`);
    return [v[0], v[1]];
  };
  if (p.type === 'BertProcessing') return TemplateProcessor.bert(pair(p.cls, 'cls'), pair(p.sep, 'sep'));
  if (p.type === 'RobertaProcessing') {
    return TemplateProcessor.roberta(pair(p.cls, 'cls'), pair(p.sep, 'sep'), p.trim_offsets !== false, p.add_prefix_space !== false);
  }
  if (p.type === 'ByteLevel') return TemplateProcessor.byteLevel(p.trim_offsets !== false, p.add_prefix_space !== false);
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
