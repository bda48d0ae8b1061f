import type { NormalizedBuffer } from '../normalizer/normalized-buffer.js';
import type { TokenSink } from '../pipeline/token-sink.js';
import type { Vocab } from './vocab.js';

/**
 * Turns one word of a normalized segment into tokens appended to `sink` with original offsets.
 * `prefix` is 1 when the pre-tokenizer prepended a character (see WordSpans.prefix).
 */
export interface TokenModel {
  readonly vocab: Vocab;
  tokenizeWord(buffer: NormalizedBuffer, start: number, end: number, word: number, sink: TokenSink, prefix: number): void;
}
