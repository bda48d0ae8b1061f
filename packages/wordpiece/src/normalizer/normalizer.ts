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

/** A normalizer that can also run after another one, on what that one wrote (a `Sequence` step). */
export interface BufferNormalizer extends Normalizer {
  /** Rewrites buffer[from, buffer.length) in place, keeping alignments to the original text. */
  normalizeBuffer(buffer: NormalizedBuffer, from: number): void;
}

/** Runs normalizers in turn, as Hugging Face's `Sequence` normalizer does. */
export class SequenceNormalizer implements BufferNormalizer {
  constructor(
    readonly first: Normalizer,
    readonly rest: readonly BufferNormalizer[],
  ) {}

  normalize(text: string, from: number, to: number, out: NormalizedBuffer): void {
    const mark = out.length;
    this.first.normalize(text, from, to, out);
    for (const step of this.rest) step.normalizeBuffer(out, mark);
  }

  normalizeBuffer(buffer: NormalizedBuffer, from: number): void {
    if (!('normalizeBuffer' in this.first)) throw new Error('SequenceNormalizer: first step cannot run on a buffer');
    (this.first as BufferNormalizer).normalizeBuffer(buffer, from);
    for (const step of this.rest) step.normalizeBuffer(buffer, from);
  }
}
