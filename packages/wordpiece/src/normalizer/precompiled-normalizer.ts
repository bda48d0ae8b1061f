import { NormalizedBuffer } from './normalized-buffer.js';
import type { BufferNormalizer } from './normalizer.js';
import type { PrecompiledCharsmap } from './precompiled-charsmap.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const NONE = null;

/**
 * Hugging Face's `Precompiled` normalizer (SentencePiece's nmt_nfkc etc.), with its quirks kept: the
 * text is walked by extended grapheme cluster; a cluster shorter than 6 UTF-8 bytes is replaced whole by
 * the charsmap entry of its shortest matching prefix, otherwise each character is looked up alone.
 * Alignments follow Rust's `transform`: a replacement character takes the alignment of the character it
 * replaces, an inserted one that of the character before, and removed characters are charged to the
 * previous transformation (so a mapping to "" at the very start shifts alignments, exactly as in Rust).
 */
export class PrecompiledNormalizer implements BufferNormalizer {
  private readonly ascii: Array<string | null | undefined> = new Array(128);
  private readonly single = new Map<number, string | null>();
  private readonly clusters = new Map<string, string | null>();
  private readonly key = new Uint8Array(64);
  private scratch = new NormalizedBuffer(256);
  private cps = new Int32Array(256);
  private cpUnit = new Int32Array(257);
  private tCp = new Int32Array(256);
  private tChange = new Int32Array(256);
  private tCount = 0;

  constructor(readonly charsmap: PrecompiledCharsmap) {}

  normalize(text: string, from: number, to: number, out: NormalizedBuffer): void {
    const mark = out.length;
    out.ensure(to - from);
    for (let i = from; i < to; i++) out.push(text.charCodeAt(i), i, i + 1);
    this.normalizeBuffer(out, mark);
  }

  normalizeBuffer(buffer: NormalizedBuffer, from: number): void {
    const n = buffer.length - from;
    if (n === 0) return;
    const src = this.scratch;
    src.reset();
    src.ensure(n);
    src.codes.set(buffer.codes.subarray(from, from + n));
    src.alignStart.set(buffer.alignStart.subarray(from, from + n));
    src.alignEnd.set(buffer.alignEnd.subarray(from, from + n));
    src.length = n;
    if (n + 1 > this.cps.length) {
      this.cps = new Int32Array(n * 2);
      this.cpUnit = new Int32Array(n * 2 + 1);
    }
    // Code points (lone surrogates as U+FFFD) and where each starts.
    const cps = this.cps;
    const cpUnit = this.cpUnit;
    let count = 0;
    let ascii = true;
    for (let i = 0; i < n; i++) {
      let c = src.codes[i] as number;
      cpUnit[count] = i;
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? (src.codes[i + 1] as number) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          i++;
        } else c = 0xfffd;
      }
      if (c >= 0x80) ascii = false;
      cps[count++] = c;
    }
    cpUnit[count] = n;
    this.tCount = 0;
    if (ascii) {
      for (let k = 0; k < count; k++) {
        if (cps[k] === 0x0d && cps[k + 1] === 0x0a && k + 1 < count) {
          this.cluster(k, k + 2);
          k++;
        } else this.cluster(k, k + 1);
      }
    } else {
      let text = '';
      for (let k = 0; k < count; k++) text += String.fromCodePoint(cps[k] as number);
      let k = 0;
      for (const { segment } of segmenter.segment(text)) {
        let m = 0;
        for (let u = 0; u < segment.length; u++) {
          const c = segment.charCodeAt(u);
          if (c < 0xdc00 || c > 0xdfff) m++;
        }
        this.cluster(k, k + m);
        k += m;
      }
    }
    this.apply(src, count, buffer, from);
  }

  /** Appends the transformations of the grapheme cps[g0, g1). */
  private cluster(g0: number, g1: number): void {
    const cps = this.cps;
    if (g1 - g0 === 1) {
      const c = cps[g0] as number;
      const norm = this.lookupChar(c);
      if (norm === null) this.push(c, 0);
      else this.replace(1, norm);
      return;
    }
    let bytes = 0;
    for (let k = g0; k < g1; k++) bytes += utf8Length(cps[k] as number);
    if (bytes < 6) {
      let text = '';
      for (let k = g0; k < g1; k++) text += String.fromCodePoint(cps[k] as number);
      let norm = this.clusters.get(text);
      if (norm === undefined) {
        norm = this.lookupBytes(text);
        this.clusters.set(text, norm);
      }
      if (norm !== null) {
        this.replace(g1 - g0, norm);
        return;
      }
    }
    for (let k = g0; k < g1; k++) {
      const c = cps[k] as number;
      const norm = this.lookupChar(c);
      if (norm === null) this.push(c, 0);
      else this.replace(1, norm);
    }
  }

  private lookupChar(c: number): string | null {
    if (c < 0x80) {
      let v = this.ascii[c];
      if (v === undefined) {
        v = this.lookupBytes(String.fromCharCode(c));
        this.ascii[c] = v;
      }
      return v;
    }
    let v = this.single.get(c);
    if (v === undefined) {
      v = this.lookupBytes(String.fromCodePoint(c));
      this.single.set(c, v);
    }
    return v;
  }

  private lookupBytes(text: string): string | null {
    const { written } = new TextEncoder().encodeInto(text, this.key);
    return this.charsmap.lookup(this.key, written ?? 0) ?? NONE;
  }

  private push(cp: number, change: number): void {
    if (this.tCount === this.tCp.length) {
      const cp2 = new Int32Array(this.tCount * 2);
      cp2.set(this.tCp);
      this.tCp = cp2;
      const ch2 = new Int32Array(this.tCount * 2);
      ch2.set(this.tChange);
      this.tChange = ch2;
    }
    this.tCp[this.tCount] = cp;
    this.tChange[this.tCount++] = change;
  }

  /** Rust's `replace` helper: new characters change 0, the surplus ones +1, or the last one charged with the shortfall. */
  private replace(oldCount: number, norm: string): void {
    const before = this.tCount;
    let newCount = 0;
    for (const ch of norm) {
      this.push(ch.codePointAt(0) as number, 0);
      newCount++;
    }
    const diff = newCount - oldCount;
    if (diff > 0) {
      for (let k = this.tCount - diff; k < this.tCount; k++) this.tChange[k] = 1;
    } else if (diff < 0 && this.tCount > 0) {
      this.tChange[this.tCount - 1] = (this.tChange[this.tCount - 1] as number) + diff;
    }
    void before;
  }

  /** Writes the transformations into buffer[from...) with alignments taken from the old characters. */
  private apply(src: NormalizedBuffer, count: number, buffer: NormalizedBuffer, from: number): void {
    buffer.length = from;
    const cpUnit = this.cpUnit;
    const fallbackStart = src.alignStart[0] as number;
    let cursor = 0;
    for (let t = 0; t < this.tCount; t++) {
      const cp = this.tCp[t] as number;
      const change = this.tChange[t] as number;
      let s: number;
      let e: number;
      if (change > 0) {
        if (cursor === 0) {
          s = fallbackStart;
          e = fallbackStart;
        } else {
          s = src.alignStart[cpUnit[cursor - 1] as number] as number;
          e = src.alignEnd[(cpUnit[cursor] as number) - 1] as number;
        }
      } else {
        const c = Math.min(cursor, count - 1);
        s = src.alignStart[cpUnit[c] as number] as number;
        e = src.alignEnd[(cpUnit[c + 1] as number) - 1] as number;
        cursor = Math.min(count, cursor + 1 - change);
      }
      buffer.ensure(2);
      if (cp >= 0x10000) {
        buffer.push(0xd800 + ((cp - 0x10000) >> 10), s, e);
        buffer.push(0xdc00 + ((cp - 0x10000) & 0x3ff), s, e);
      } else buffer.push(cp, s, e);
    }
  }
}

function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}
