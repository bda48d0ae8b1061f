import { CHINESE, CONTROL, NONSPACING_MARK, WHITESPACE_CLEAN, charFlags } from '../unicode/char-class.js';
import type { NormalizedBuffer } from './normalized-buffer.js';
import type { Normalizer } from './normalizer.js';

export interface BertNormalizerOptions {
  /** Remove control characters and turn every kind of whitespace into a space. Default true. */
  cleanText?: boolean;
  /** Put spaces around CJK ideographs so each becomes its own word. Default true. */
  handleChineseChars?: boolean;
  /** NFD then drop non-spacing marks. Default: follows `lowercase`, as in Hugging Face. */
  stripAccents?: boolean | null;
  /** Default true. */
  lowercase?: boolean;
}

const REPLACEMENT = 0xfffd;

/**
 * Hugging Face's BertNormalizer: clean_text, handle_chinese_chars, strip_accents, lowercase, in that
 * order, each output unit aligned to the original character it came from.
 */
export class BertNormalizer implements Normalizer {
  readonly cleanText: boolean;
  readonly handleChineseChars: boolean;
  readonly stripAccents: boolean;
  readonly lowercase: boolean;
  /** ASCII output per input unit; -1 drops it. Covers most English text without leaving this table. */
  private readonly ascii = new Int32Array(128);
  /** Non-ASCII code point -> its transformed text (chinese spacing excluded); computed on first sight. */
  private readonly cache = new Map<number, string>();

  constructor(options: BertNormalizerOptions = {}) {
    this.cleanText = options.cleanText ?? true;
    this.handleChineseChars = options.handleChineseChars ?? true;
    this.lowercase = options.lowercase ?? true;
    this.stripAccents = options.stripAccents ?? this.lowercase;
    for (let c = 0; c < 128; c++) {
      const flags = charFlags[c] as number;
      let out = c;
      if (this.cleanText && flags & CONTROL) out = -1;
      else if (this.cleanText && flags & WHITESPACE_CLEAN) out = 32;
      else if (this.lowercase && c >= 65 && c <= 90) out = c + 32;
      this.ascii[c] = out;
    }
  }

  normalize(text: string, from: number, to: number, out: NormalizedBuffer): void {
    out.ensure(to - from);
    const ascii = this.ascii;
    let i = from;
    while (i < to) {
      const c = text.charCodeAt(i);
      if (c < 128) {
        const o = ascii[c] as number;
        if (o >= 0) out.push(o, i, i + 1);
        i++;
        continue;
      }
      let cp = c;
      let units = 1;
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < to ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          cp = ((c - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
          units = 2;
        } else {
          // A lone surrogate is not a character; UTF-8 encoders (and so the Rust library) see U+FFFD.
          cp = REPLACEMENT;
        }
      }
      this.normalizeCodePoint(cp, text, i, i + units, out);
      i += units;
    }
  }

  private normalizeCodePoint(cp: number, text: string, start: number, end: number, out: NormalizedBuffer): void {
    const flags = charFlags[cp] as number;
    if (this.cleanText) {
      if (flags & CONTROL) return;
      if (flags & WHITESPACE_CLEAN) {
        out.ensure(1);
        out.push(32, start, end);
        return;
      }
    }
    const chinese = this.handleChineseChars && (flags & CHINESE) !== 0;
    let mapped = this.cache.get(cp);
    if (mapped === undefined) {
      mapped = this.transform(String.fromCodePoint(cp));
      if (this.cache.size < 65536) this.cache.set(cp, mapped);
    }
    if (chinese) {
      out.ensure(mapped.length + 2);
      out.push(32, start, end);
      out.pushString(mapped, start, end);
      out.push(32, start, end);
    } else {
      out.pushString(mapped, start, end);
    }
  }

  private transform(ch: string): string {
    let s = ch;
    if (this.stripAccents) {
      const decomposed = s.normalize('NFD');
      s = '';
      for (const d of decomposed) {
        if (!((charFlags[d.codePointAt(0) as number] as number) & NONSPACING_MARK)) s += d;
      }
    }
    if (this.lowercase) {
      // Per code point, as Rust's char::to_lowercase: no final-sigma context rule.
      let lowered = '';
      for (const d of s) lowered += d.toLowerCase();
      s = lowered;
    }
    return s;
  }
}
