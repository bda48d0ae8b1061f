import { CHINESE, CONTROL, MARK, NONSPACING_MARK, WHITESPACE_CLEAN, charFlags, nfdKeeps } from '../unicode/char-class.js';
import { MarkCluster } from './mark-cluster.js';
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
  /** Non-ASCII code point -> its NFD/strip/lowercase output; computed on first sight. */
  private readonly cache = new Map<number, string>();
  private readonly cluster: MarkCluster;

  constructor(options: BertNormalizerOptions = {}) {
    this.cleanText = options.cleanText ?? true;
    this.handleChineseChars = options.handleChineseChars ?? true;
    this.lowercase = options.lowercase ?? true;
    this.stripAccents = options.stripAccents ?? this.lowercase;
    this.cluster = new MarkCluster();
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
    const cluster = this.cluster;
    cluster.reset();
    let i = from;
    while (i < to) {
      const c = text.charCodeAt(i);
      if (c < 128) {
        const o = ascii[c] as number;
        if (o >= 0) {
          if (cluster.count > 0) cluster.flush(out, this);
          out.push(o, i, i + 1);
        }
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
      this.normalizeCodePoint(cp, i, i + units, out);
      i += units;
    }
    if (cluster.count > 0) cluster.flush(out, this);
  }

  private normalizeCodePoint(cp: number, start: number, end: number, out: NormalizedBuffer): void {
    const flags = charFlags[cp] as number;
    const cluster = this.cluster;
    if (this.cleanText) {
      // Removed characters vanish before NFD, so marks on either side may still reorder together.
      if (flags & CONTROL) return;
      if (flags & WHITESPACE_CLEAN) {
        if (cluster.count > 0) cluster.flush(out, this);
        out.ensure(1);
        out.push(32, start, end);
        return;
      }
    }
    if (this.handleChineseChars && flags & CHINESE) {
      if (cluster.count > 0) cluster.flush(out, this);
      const mapped = this.mapped(cp);
      out.ensure(mapped.length + 2);
      out.push(32, start, end);
      out.pushString(mapped, start, end);
      out.push(32, start, end);
      return;
    }
    if (this.stripAccents) {
      // NFD reorders runs of combining marks across characters; they are resolved together.
      if (cluster.count > 0 && !(flags & MARK) && !this.startsWithMark(cp)) cluster.flush(out, this);
      cluster.add(cp, start, end);
      return;
    }
    out.pushString(this.mapped(cp), start, end);
  }

  private startsWithMark(cp: number): boolean {
    const d = this.decomposed(cp);
    return ((charFlags[d.codePointAt(0) as number] as number) & MARK) !== 0;
  }

  /** NFD of one code point (identity when accents are kept). */
  decomposed(cp: number): string {
    const ch = String.fromCodePoint(cp);
    return this.stripAccents && !nfdKeeps.has(cp) ? ch.normalize('NFD') : ch;
  }

  /** The full output for one code point on its own: NFD, mark removal, per-character lowercase. */
  mapped(cp: number): string {
    let mapped = this.cache.get(cp);
    if (mapped === undefined) {
      mapped = '';
      for (const d of this.decomposed(cp)) mapped += this.finish(d.codePointAt(0) as number);
      if (this.cache.size < 65536) this.cache.set(cp, mapped);
    }
    return mapped;
  }

  /** Mark removal and lowercase for one already-decomposed character. */
  finish(cp: number): string {
    if (this.stripAccents && (charFlags[cp] as number) & NONSPACING_MARK) return '';
    const ch = String.fromCodePoint(cp);
    // Per code point, as Rust's char::to_lowercase: no final-sigma context rule.
    return this.lowercase ? ch.toLowerCase() : ch;
  }
}
