import type { NormalizedBuffer } from './normalized-buffer.js';
import type { BufferNormalizer } from './normalizer.js';

function isWhite(c: number): boolean {
  return (
    c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** Hugging Face's `Strip` normalizer: removes leading and/or trailing whitespace; the rest keeps its alignments. */
export class StripNormalizer implements BufferNormalizer {
  constructor(
    readonly left: boolean,
    readonly right: boolean,
  ) {}

  normalize(text: string, from: number, to: number, out: NormalizedBuffer): void {
    const mark = out.length;
    out.ensure(to - from);
    for (let i = from; i < to; i++) out.push(text.charCodeAt(i), i, i + 1);
    this.normalizeBuffer(out, mark);
  }

  normalizeBuffer(buffer: NormalizedBuffer, from: number): void {
    let s = from;
    let e = buffer.length;
    if (this.left) while (s < e && isWhite(buffer.codes[s] as number)) s++;
    if (this.right) while (e > s && isWhite(buffer.codes[e - 1] as number)) e--;
    if (s > from) {
      buffer.codes.copyWithin(from, s, e);
      buffer.alignStart.copyWithin(from, s, e);
      buffer.alignEnd.copyWithin(from, s, e);
    }
    buffer.length = from + (e - s);
  }
}
