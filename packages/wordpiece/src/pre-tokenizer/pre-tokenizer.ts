import type { NormalizedBuffer } from '../normalizer/normalized-buffer.js';
import type { WordSpans } from './word-spans.js';

/** Splits buffer[from, to) into words, appended to `words`; each word gets one word id. */
export interface PreTokenizer {
  preTokenize(buffer: NormalizedBuffer, from: number, to: number, words: WordSpans): void;
}
