import type { NormalizedBuffer } from '../normalizer/normalized-buffer.js';
import type { PreTokenizer } from './pre-tokenizer.js';
import type { WordSpans } from './word-spans.js';

export type PrependScheme = 'always' | 'first' | 'never';

export interface MetaspaceOptions {
  /** Default "▁". Must be one UTF-16 unit. */
  replacement?: string;
  prependScheme?: PrependScheme;
  /** Split before every replacement character. Default true. */
  split?: boolean;
}

/**
 * Hugging Face's Metaspace pre-tokenizer: spaces become "▁" (the Unigram model reads a space unit as
 * the replacement, so the buffer and its alignments stay as they are), a "▁" is prepended per
 * `prependScheme` (WordSpans.prefix), and each "▁" starts a new word.
 */
export class MetaspacePreTokenizer implements PreTokenizer {
  readonly replacement: number;
  readonly prependScheme: PrependScheme;
  readonly split: boolean;

  constructor(options: MetaspaceOptions = {}) {
    const replacement = options.replacement ?? '\u2581';
    this.replacement = replacement.charCodeAt(0);
    this.prependScheme = options.prependScheme ?? 'always';
    this.split = options.split ?? true;
  }

  preTokenize(buffer: NormalizedBuffer, from: number, to: number, words: WordSpans): void {
    if (to <= from) return;
    const codes = buffer.codes;
    const r = this.replacement;
    const first = codes[from] as number;
    let prefix = 0;
    if (first !== 0x20 && first !== r) {
      if (this.prependScheme === 'always') prefix = 1;
      else if (this.prependScheme === 'first' && buffer.alignStart[from] === 0) prefix = 1;
    }
    if (!this.split) {
      words.push(from, to, prefix);
      return;
    }
    let start = from;
    for (let i = from + 1; i < to; i++) {
      const c = codes[i] as number;
      if (c === 0x20 || c === r) {
        words.push(start, i, start === from ? prefix : 0);
        start = i;
      }
    }
    words.push(start, to, start === from ? prefix : 0);
  }
}
