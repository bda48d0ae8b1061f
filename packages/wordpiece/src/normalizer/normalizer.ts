import type { NormalizedBuffer } from './normalized-buffer.js';

/** A normalizer appends the normalized form of text[from, to) to `out`, with alignments. */
export interface Normalizer {
  normalize(text: string, from: number, to: number, out: NormalizedBuffer): void;
}

/** Leaves the text as it is (used when a tokenizer.json has no normalizer). */
export class IdentityNormalizer implements Normalizer {
  normalize(text: string, from: number, to: number, out: NormalizedBuffer): void {
    out.ensure(to - from);
    for (let i = from; i < to; i++) out.push(text.charCodeAt(i), i, i + 1);
  }
}
