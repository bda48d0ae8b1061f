import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { TokenizerError, TokenizerTypeError } from './errors.js';

/** What the fallback path cannot provide; stated on every result instead of filled with guesses. */
export const FALLBACK_UNAVAILABLE = ['offsets', 'wordIds', 'sequenceIds', 'overflowing', 'truncation'] as const;
export type UnavailableField = (typeof FALLBACK_UNAVAILABLE)[number];

export interface PartialEncoding {
  ids: number[];
  tokens: string[];
  typeIds: number[];
  attentionMask: number[];
  specialTokensMask: number[];
  offsets: null;
  wordIds: null;
  unavailable: readonly UnavailableField[];
}

export interface FallbackEncodeOptions {
  addSpecialTokens?: boolean;
  /** Pad to the longest of a batch (true) or to this many tokens. */
  padding?: boolean | number;
  truncation?: false;
}

/**
 * Runs tokenizers that are not BERT WordPiece (BPE of RoBERTa/GPT-2, Unigram of ALBERT/T5) through
 * @huggingface/tokenizers behind the same method names. It returns no offsets or word ids: that
 * library does not compute them, and we do not invent them.
 */
export class FallbackTokenizer {
  readonly kind = 'fallback' as const;
  readonly unavailable = FALLBACK_UNAVAILABLE;
  readonly source: string;
  readonly modelMaxLength: number | undefined;
  private readonly inner: HfTokenizer;
  private readonly specialIds: Set<number>;
  private readonly padId: number;

  constructor(tokenizerJson: object, tokenizerConfig: object, source: string, modelMaxLength?: number) {
    this.source = source;
    this.modelMaxLength = modelMaxLength;
    try {
      this.inner = new HfTokenizer(tokenizerJson, tokenizerConfig);
    } catch (cause) {
      throw new TokenizerError('E_UNSUPPORTED_TOKENIZER', `${source}: @huggingface/tokenizers cannot load it: ${(cause as Error).message}`, {
        file: source,
        cause,
      });
    }
    this.specialIds = new Set(
      [...this.inner.get_added_tokens_decoder().entries()].filter(([, t]) => t.special).map(([id]) => id),
    );
    const pad = (tokenizerConfig as { pad_token?: unknown }).pad_token;
    this.padId = (typeof pad === 'string' ? this.inner.token_to_id(pad) : undefined) ?? 0;
  }

  tokenToId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.inner.id_to_token(id);
  }

  encode(text: string, pair?: string | null, options: FallbackEncodeOptions = {}): PartialEncoding {
    if (typeof text !== 'string') throw new TokenizerTypeError('text', 'a string', text);
    if (pair !== undefined && pair !== null && typeof pair !== 'string') throw new TokenizerTypeError('pair', 'a string or null', pair);
    if (options.truncation !== undefined && options.truncation !== false) {
      throw new TokenizerError('E_UNSUPPORTED_FEATURE', `${this.source}: truncation is not available for non-WordPiece tokenizers`);
    }
    const e = this.inner.encode(text, {
      text_pair: pair ?? null,
      add_special_tokens: options.addSpecialTokens ?? true,
      return_token_type_ids: true,
    });
    const out: PartialEncoding = {
      ids: [...e.ids],
      tokens: [...e.tokens],
      typeIds: e.token_type_ids ? [...e.token_type_ids] : e.ids.map(() => 0),
      attentionMask: [...e.attention_mask],
      specialTokensMask: e.ids.map((id: number) => (this.specialIds.has(id) ? 1 : 0)),
      offsets: null,
      wordIds: null,
      unavailable: this.unavailable,
    };
    if (typeof options.padding === 'number') this.pad(out, options.padding);
    return out;
  }

  encodeBatch(inputs: ReadonlyArray<string | readonly [string, string]>, options: FallbackEncodeOptions = {}): PartialEncoding[] {
    if (!Array.isArray(inputs)) throw new TokenizerTypeError('inputs', 'an array', inputs);
    const out = inputs.map((input, i) => {
      if (typeof input === 'string') return this.encode(input, null, { ...options, padding: false });
      if (Array.isArray(input) && typeof input[0] === 'string' && typeof input[1] === 'string') {
        return this.encode(input[0], input[1], { ...options, padding: false });
      }
      throw new TokenizerTypeError(`inputs[${i}]`, 'a string or a [string, string] pair', input);
    });
    if (options.padding !== undefined && options.padding !== false) {
      const target = typeof options.padding === 'number' ? options.padding : Math.max(0, ...out.map((e) => e.ids.length));
      for (const e of out) this.pad(e, target);
    }
    return out;
  }

  decode(ids: ArrayLike<number>, options: { skipSpecialTokens?: boolean } = {}): string {
    return this.inner.decode(Array.from(ids), { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  private pad(e: PartialEncoding, target: number): void {
    while (e.ids.length < target) {
      e.ids.push(this.padId);
      e.tokens.push(this.inner.id_to_token(this.padId) ?? '');
      e.typeIds.push(0);
      e.attentionMask.push(0);
      e.specialTokensMask.push(1);
    }
  }
}
