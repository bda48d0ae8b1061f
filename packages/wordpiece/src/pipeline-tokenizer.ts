import { TokenizerError, TokenizerTypeError } from './errors.js';
import type { Decoder } from './decoder/decoder.js';
import type { TokenModel } from './model/model.js';
import type { Normalizer } from './normalizer/normalizer.js';
import { Assembler, materialize } from './post-processor/assemble.js';
import type { TemplateProcessor } from './post-processor/template.js';
import type { PreTokenizer } from './pre-tokenizer/pre-tokenizer.js';
import type { AddedToken } from './pipeline/added-vocabulary.js';
import type { BatchEncoding } from './pipeline/batch-encoding.js';
import type { Encoding } from './pipeline/encoding.js';
import { type EncodeOptions, type ResolvedOptions, type TokenizerDefaults, resolveOptions } from './pipeline/options.js';
import { type PaddingParams, paddedLength } from './pipeline/padding.js';
import { RowStore } from './pipeline/row-store.js';
import { SequenceEncoder } from './pipeline/sequence-encoder.js';
import { TokenSink } from './pipeline/token-sink.js';
import { type TruncationParams, type Windows, overflowCombinations, planTruncation } from './pipeline/truncation.js';

export interface TokenizerParts {
  normalizer: Normalizer;
  preTokenizer: PreTokenizer;
  model: TokenModel;
  addedTokens: AddedToken[];
  postProcessor: TemplateProcessor | null;
  decoder: Decoder | null;
  truncation: TruncationParams | null;
  padding: PaddingParams | null;
  modelMaxLength: number | undefined;
  /** Padding token when `padding` does not name one (tokenizer_config.json's pad_token). Default "[PAD]". */
  padToken?: string;
  /** Where it was loaded from, for messages. */
  source: string;
}

export interface BatchOptions extends EncodeOptions {
  /** Put overflow windows in the batch as extra rows (see `sampleIndex`). Default false: dropped. */
  returnOverflowing?: boolean;
}

export interface DecodeOptions {
  /** Leave out special tokens ([CLS], [SEP], [PAD], ...). Default false, as in transformers. */
  skipSpecialTokens?: boolean;
}

export type PairInput = readonly [string, string];


/**
 * The normalizer -> pre-tokenizer -> model -> post-processor -> decoder pipeline shared by every native
 * tokenizer, with UTF-16 offsets. The subclasses only differ in how they load and in `kind`.
 */
export abstract class PipelineTokenizer {
  abstract readonly kind: 'wordpiece' | 'bpe' | 'unigram';
  readonly source: string;
  readonly modelMaxLength: number | undefined;
  readonly addedTokens: readonly AddedToken[];
  private readonly parts: TokenizerParts;
  private readonly sequences: SequenceEncoder;
  private readonly idTable: (string | undefined)[];
  private readonly tokenTable: Map<string, number>;
  private readonly specialIds: Set<number>;
  private readonly defaults: TokenizerDefaults;
  private readonly sinkA = new TokenSink();
  private readonly sinkB = new TokenSink();
  private readonly assembler: Assembler;
  /** Options resolved once for the common call without any. */
  private readonly defaultOptions: ResolvedOptions;

  constructor(parts: TokenizerParts) {
    this.parts = parts;
    this.source = parts.source;
    this.modelMaxLength = parts.modelMaxLength;
    this.addedTokens = parts.addedTokens;
    this.sequences = new SequenceEncoder(parts.normalizer, parts.preTokenizer, parts.model, parts.addedTokens);
    this.idTable = [...parts.model.vocab.idToToken];
    this.tokenTable = new Map(parts.model.vocab.tokenToId);
    for (const t of parts.addedTokens) {
      this.idTable[t.id] = t.content;
      this.tokenTable.set(t.content, t.id);
    }
    this.specialIds = new Set(parts.addedTokens.filter((t) => t.special).map((t) => t.id));
    // BERT files name [PAD]; RoBERTa/T5 files often name no pad token at all and mean <pad>.
    const padToken = parts.padding?.padToken ?? parts.padToken ?? (this.tokenTable.has('[PAD]') || !this.tokenTable.has('<pad>') ? '[PAD]' : '<pad>');
    this.defaults = {
      truncation: parts.truncation,
      padding: parts.padding,
      modelMaxLength: parts.modelMaxLength,
      padId: parts.padding?.padId ?? this.tokenTable.get(padToken) ?? 0,
      padToken,
    };
    this.assembler = new Assembler(parts.postProcessor, this.idTable);
    this.defaultOptions = resolveOptions(undefined, this.defaults);
  }

  /** Number of ids, added tokens included. */
  get vocabSize(): number {
    return this.tokenTable.size;
  }

  /** One past the largest id: rows an embedding table needs to cover every id this tokenizer emits. */
  get idLimit(): number {
    return this.idTable.length;
  }

  tokenToId(token: string): number | undefined {
    return this.tokenTable.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.idTable[id];
  }

  getVocab(): Map<string, number> {
    return new Map(this.tokenTable);
  }

  /** The normalized form of `text`, as the model sees it (for debugging). */
  normalize(text: string): string {
    checkText('text', text);
    return this.sequences.normalizeString(text);
  }

  /** Tokens of `text` without special tokens. */
  tokenize(text: string): string[] {
    return this.encode(text, null, { addSpecialTokens: false, truncation: false, padding: false }).tokens;
  }

  /**
   * Encodes one text, or a pair (`pair`) such as question and context. `options` may also be passed
   * in place of `pair`.
   */
  encode(text: string, pair?: string | null | EncodeOptions, options?: EncodeOptions): Encoding {
    let second: string | null = null;
    let opts = options;
    if (typeof pair === 'string') second = pair;
    else if (pair !== undefined && pair !== null) {
      if (typeof pair !== 'object' || Array.isArray(pair)) throw new TokenizerTypeError('pair', 'a string, null or an options object', pair);
      opts = pair;
    }
    checkText('text', text);
    const resolved = opts === undefined ? this.defaultOptions : resolveOptions(opts, this.defaults);
    const windows = this.run(text, second, resolved);
    const padding = resolved.padding;
    const single = windows.a.length === 1 && (windows.b === null || windows.b.length === 1);
    if (single && padding === null) return this.directEncoding(windows, resolved.addSpecialTokens);
    const main = this.assembleWindow(windows, 0, 0, resolved.addSpecialTokens);
    const padTo = padding === null ? 0 : paddedLength(padding, main.length);
    const encoding = materialize(main, this.assembler.tokens, padding, padTo);
    if (single) return encoding;
    for (const [i, j] of overflowCombinations(windows.a.length, windows.b?.length ?? 1)) {
      const raw = this.assembleWindow(windows, i, j, resolved.addSpecialTokens);
      encoding.overflowing.push(materialize(raw, this.assembler.tokens, padding, padTo));
    }
    return encoding;
  }

  /**
   * Encodes many texts (or [text, pair] tuples) into packed typed arrays, padded to a common length,
   * with per-item views through `get(i)`.
   */
  encodeBatch(inputs: ReadonlyArray<string | PairInput>, options?: BatchOptions): BatchEncoding {
    if (!Array.isArray(inputs)) throw new TokenizerTypeError('inputs', 'an array of strings or [string, string] pairs', inputs);
    const resolved = resolveOptions(options, this.defaults);
    const withOverflow = options?.returnOverflowing === true;
    const store = new RowStore();
    for (let index = 0; index < inputs.length; index++) {
      const input = inputs[index];
      let text: string;
      let second: string | null = null;
      if (typeof input === 'string') text = input;
      else if (Array.isArray(input) && input.length === 2 && typeof input[0] === 'string' && typeof input[1] === 'string') {
        text = input[0];
        second = input[1];
      } else {
        throw new TokenizerTypeError(`inputs[${index}]`, 'a string or a [string, string] pair', input);
      }
      const windows = this.run(text, second, resolved);
      store.add(this.assembleWindow(windows, 0, 0, resolved.addSpecialTokens), index);
      if (withOverflow) {
        for (const [i, j] of overflowCombinations(windows.a.length, windows.b?.length ?? 1)) {
          store.add(this.assembleWindow(windows, i, j, resolved.addSpecialTokens), index);
        }
      }
    }
    return store.pack(
      resolved.padding,
      { padId: this.defaults.padId, padTypeId: 0, padToken: this.defaults.padToken },
      this.idTable,
    );
  }

  /** Text from ids, through the tokenizer's decoder (WordPiece, ByteLevel or Metaspace). */
  decode(ids: ArrayLike<number | bigint>, options: DecodeOptions = {}): string {
    if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
      throw new TokenizerTypeError('ids', 'an array of token ids', ids);
    }
    const skip = options.skipSpecialTokens ?? false;
    const tokens: string[] = [];
    for (let k = 0; k < ids.length; k++) {
      const raw = ids[k];
      const id = typeof raw === 'bigint' ? Number(raw) : raw;
      if (typeof id !== 'number' || !Number.isInteger(id)) throw new TokenizerTypeError(`ids[${k}]`, 'an integer', raw);
      const token = this.idTable[id];
      if (token === undefined) continue;
      if (skip && this.specialIds.has(id)) continue;
      tokens.push(token);
    }
    return this.parts.decoder === null ? tokens.join(' ') : this.parts.decoder.decode(tokens);
  }

  private run(text: string, pair: string | null, options: ResolvedOptions): { a: Windows; b: Windows | null } {
    this.sinkA.reset();
    this.sequences.encode(text, this.sinkA);
    if (pair !== null) {
      this.sinkB.reset();
      this.sequences.encode(pair, this.sinkB);
    }
    const lengthA = this.sinkA.count;
    const lengthB = pair === null ? null : this.sinkB.count;
    const t = options.truncation;
    if (t === null) return { a: [[0, lengthA]], b: lengthB === null ? null : [[0, lengthB]] };
    const template = this.parts.postProcessor;
    const reserved = options.addSpecialTokens && template !== null ? template.addedTokens(pair !== null) : 0;
    if (t.maxLength < reserved) {
      throw new TokenizerError(
        'E_TRUNCATION',
        `max_length ${t.maxLength} leaves no room: the template adds ${reserved} special tokens`,
      );
    }
    return planTruncation(lengthA, lengthB, { ...t, maxLength: t.maxLength - reserved });
  }

  private directEncoding(windows: { a: Windows; b: Windows | null }, addSpecialTokens: boolean): Encoding {
    const [a0, a1] = windows.a[0] as [number, number];
    if (windows.b === null) return this.assembler.encoding(this.sinkA, a0, a1, null, 0, 0, addSpecialTokens);
    const [b0, b1] = windows.b[0] as [number, number];
    return this.assembler.encoding(this.sinkA, a0, a1, this.sinkB, b0, b1, addSpecialTokens);
  }

  private assembleWindow(windows: { a: Windows; b: Windows | null }, i: number, j: number, addSpecialTokens: boolean) {
    const [a0, a1] = windows.a[i] as [number, number];
    if (windows.b === null) return this.assembler.assemble(this.sinkA, a0, a1, null, 0, 0, addSpecialTokens, i > 0);
    const [b0, b1] = windows.b[j] as [number, number];
    return this.assembler.assemble(this.sinkA, a0, a1, this.sinkB, b0, b1, addSpecialTokens, i > 0, j > 0);
  }
}

function checkText(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new TokenizerTypeError(name, 'a string', value);
}
