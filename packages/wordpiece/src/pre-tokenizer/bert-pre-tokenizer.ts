import { PUNCTUATION, WHITESPACE_SPLIT, charFlags } from '../unicode/char-class.js';
import type { NormalizedBuffer } from '../normalizer/normalized-buffer.js';
import type { PreTokenizer } from './pre-tokenizer.js';
import type { WordSpans } from './word-spans.js';

/**
 * Hugging Face's BertPreTokenizer: whitespace separates words and is dropped; every punctuation
 * character (ASCII punctuation or Unicode P*, as the Rust tables define them) is a word of its own.
 */
export class BertPreTokenizer implements PreTokenizer {
  preTokenize(buffer: NormalizedBuffer, from: number, to: number, words: WordSpans): void {
    const codes = buffer.codes;
    const n = to;
    let wordStart = -1;
    let i = from;
    while (i < n) {
      const c = codes[i] as number;
      let cp = c;
      let units = 1;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const next = codes[i + 1] as number;
        if (next >= 0xdc00 && next <= 0xdfff) {
          cp = ((c - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
          units = 2;
        }
      }
      const flags = charFlags[cp] as number;
      if (flags & (WHITESPACE_SPLIT | PUNCTUATION)) {
        if (wordStart >= 0) {
          words.push(wordStart, i);
          wordStart = -1;
        }
        if (flags & PUNCTUATION) words.push(i, i + units);
      } else if (wordStart < 0) {
        wordStart = i;
      }
      i += units;
    }
    if (wordStart >= 0) words.push(wordStart, n);
  }
}

/** Splits on whitespace only (the `WhitespaceSplit` pre-tokenizer). */
export class WhitespaceSplitPreTokenizer implements PreTokenizer {
  preTokenize(buffer: NormalizedBuffer, from: number, to: number, words: WordSpans): void {
    const codes = buffer.codes;
    const n = to;
    let wordStart = -1;
    for (let i = from; i < n; i++) {
      const c = codes[i] as number;
      if ((charFlags[c] as number) & WHITESPACE_SPLIT) {
        if (wordStart >= 0) {
          words.push(wordStart, i);
          wordStart = -1;
        }
      } else if (wordStart < 0) {
        wordStart = i;
      }
    }
    if (wordStart >= 0) words.push(wordStart, n);
  }
}
