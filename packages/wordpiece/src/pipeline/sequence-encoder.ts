import type { TokenModel } from '../model/model.js';
import { NormalizedBuffer } from '../normalizer/normalized-buffer.js';
import type { Normalizer } from '../normalizer/normalizer.js';
import type { PreTokenizer } from '../pre-tokenizer/pre-tokenizer.js';
import { WordSpans } from '../pre-tokenizer/word-spans.js';
import { type AddedToken, AddedTokenMatcher, MatchList } from './added-vocabulary.js';
import type { TokenSink } from './token-sink.js';

/**
 * Runs the stages for one sequence: added-token extraction on the raw text, then for each stretch in
 * between: normalizer -> (normalized added tokens) -> pre-tokenizer -> model. Word ids count every
 * word and every added token in order, as Hugging Face numbers its splits.
 */
export class SequenceEncoder {
  private readonly buffer = new NormalizedBuffer();
  private readonly words = new WordSpans();
  private readonly rawMatches = new MatchList();
  private readonly normalizedMatches = new MatchList();
  private readonly rawMatcher: AddedTokenMatcher;
  private readonly normalizedMatcher: AddedTokenMatcher;

  constructor(
    readonly normalizer: Normalizer,
    readonly preTokenizer: PreTokenizer,
    readonly model: TokenModel,
    addedTokens: readonly AddedToken[],
  ) {
    const raw = addedTokens.filter((t) => !t.normalized);
    this.rawMatcher = new AddedTokenMatcher(raw, raw.map((t) => t.content));
    const normalized = addedTokens.filter((t) => t.normalized);
    this.normalizedMatcher = new AddedTokenMatcher(
      normalized,
      normalized.map((t) => this.normalizeString(t.content)),
    );
  }

  /** Appends the tokens of `text` to `sink` (which the caller resets). */
  encode(text: string, sink: TokenSink): void {
    let word = 0;
    const matches = this.rawMatches;
    this.rawMatcher.find(text, 0, text.length, matches);
    let cursor = 0;
    const data = matches.data;
    for (let m = 0; m < matches.count; m++) {
      const token = this.rawMatcher.tokens[data[m * 3] as number] as AddedToken;
      const start = data[m * 3 + 1] as number;
      const end = data[m * 3 + 2] as number;
      if (start > cursor) word = this.encodeStretch(text, cursor, start, word, sink);
      sink.push(token.id, start, end, word++);
      if (end - start !== token.content.length) sink.setLastText(text.slice(start, end));
      cursor = end;
    }
    if (cursor < text.length) this.encodeStretch(text, cursor, text.length, word, sink);
  }

  private encodeStretch(text: string, from: number, to: number, firstWord: number, sink: TokenSink): number {
    const buffer = this.buffer;
    buffer.reset();
    this.normalizer.normalize(text, from, to, buffer);
    if (this.normalizedMatcher.isEmpty) return this.encodeWords(0, buffer.length, firstWord, sink);
    // Normalized added tokens are matched on the normalized text; offsets still come from alignments.
    const normalized = buffer.toString();
    const matches = this.normalizedMatches;
    this.normalizedMatcher.find(normalized, 0, normalized.length, matches);
    let word = firstWord;
    let cursor = 0;
    const data = matches.data;
    for (let m = 0; m < matches.count; m++) {
      const token = this.normalizedMatcher.tokens[data[m * 3] as number] as AddedToken;
      const start = data[m * 3 + 1] as number;
      const end = data[m * 3 + 2] as number;
      if (start > cursor) word = this.encodeWords(cursor, start, word, sink);
      sink.push(token.id, buffer.alignStart[start] as number, buffer.alignEnd[end - 1] as number, word++);
      sink.setLastText(normalized.slice(start, end));
      cursor = end;
    }
    if (cursor < buffer.length) word = this.encodeWords(cursor, buffer.length, word, sink);
    return word;
  }

  private encodeWords(from: number, to: number, firstWord: number, sink: TokenSink): number {
    const words = this.words;
    words.reset();
    this.preTokenizer.preTokenize(this.buffer, from, to, words);
    const spans = words.data;
    const prefix = words.prefix;
    let word = firstWord;
    for (let w = 0; w < words.count; w++) {
      this.model.tokenizeWord(this.buffer, spans[w * 2] as number, spans[w * 2 + 1] as number, word++, sink, prefix[w] as number);
    }
    return word;
  }

  normalizeString(text: string): string {
    const buffer = new NormalizedBuffer(Math.max(16, text.length * 2));
    this.normalizer.normalize(text, 0, text.length, buffer);
    return buffer.toString();
  }
}
