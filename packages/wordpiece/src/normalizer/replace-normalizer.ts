import type { NormalizedBuffer } from './normalized-buffer.js';
import type { BufferNormalizer } from './normalizer.js';

/**
 * Hugging Face's `Replace` normalizer (a string or a regex pattern). Alignments as Rust's
 * `NormalizedString::replace`: the matched characters are removed, then the content is inserted, each
 * inserted character aligned with the last removed one.
 */
export class ReplaceNormalizer implements BufferNormalizer {
  private readonly regex: RegExp;

  constructor(
    pattern: { string: string } | { regex: string },
    readonly content: string,
  ) {
    this.regex = 'string' in pattern ? new RegExp(escape(pattern.string), 'gu') : new RegExp(pattern.regex, 'gu');
  }

  normalize(text: string, from: number, to: number, out: NormalizedBuffer): void {
    const mark = out.length;
    out.ensure(to - from);
    for (let i = from; i < to; i++) out.push(text.charCodeAt(i), i, i + 1);
    this.normalizeBuffer(out, mark);
  }

  normalizeBuffer(buffer: NormalizedBuffer, from: number): void {
    let segment = '';
    for (let i = from; i < buffer.length; i += 4096) {
      segment += String.fromCharCode(...buffer.codes.subarray(i, Math.min(buffer.length, i + 4096)));
    }
    this.regex.lastIndex = 0;
    if (!this.regex.test(segment)) return;
    const n = buffer.length - from;
    const codes = buffer.codes.slice(from, from + n);
    const starts = buffer.alignStart.slice(from, from + n);
    const ends = buffer.alignEnd.slice(from, from + n);
    buffer.length = from;
    let cursor = 0;
    const copy = (to: number): void => {
      buffer.ensure(to - cursor);
      for (; cursor < to; cursor++) buffer.push(codes[cursor] as number, starts[cursor] as number, ends[cursor] as number);
    };
    this.regex.lastIndex = 0;
    for (const m of segment.matchAll(this.regex)) {
      const at = m.index;
      const stop = at + m[0].length;
      if (stop === at) continue;
      copy(at);
      // The last removed character (both units of a surrogate pair share its alignment).
      const lastUnit = stop - 1;
      const firstOfLast = lastUnit > at && codes[lastUnit]! >= 0xdc00 && codes[lastUnit]! <= 0xdfff ? lastUnit - 1 : lastUnit;
      const s = starts[firstOfLast] as number;
      const e = ends[lastUnit] as number;
      buffer.ensure(this.content.length);
      for (let k = 0; k < this.content.length; k++) buffer.push(this.content.charCodeAt(k), s, e);
      cursor = stop;
    }
    copy(n);
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&');
}
