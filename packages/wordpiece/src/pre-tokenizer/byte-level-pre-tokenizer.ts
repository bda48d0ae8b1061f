import type { NormalizedBuffer } from '../normalizer/normalized-buffer.js';
import { GPT2_LETTER, GPT2_NUMBER, GPT2_OTHER, GPT2_SPACE, gpt2Class } from '../unicode/gpt2-classes.js';
import type { PreTokenizer } from './pre-tokenizer.js';
import type { WordSpans } from './word-spans.js';

export interface ByteLevelOptions {
  /** Put a space in front of a segment that does not start with one. Default true (Rust's default). */
  addPrefixSpace?: boolean;
  /** Split with GPT-2's pattern; false keeps each segment one word. Default true. */
  useRegex?: boolean;
}

/**
 * Hugging Face's ByteLevel pre-tokenizer: GPT-2's pattern
 * `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, matched by hand on the
 * buffer. The byte-to-character mapping happens in the BPE model (byte-level mode), so offsets come
 * straight from the buffer's alignments.
 */
export class ByteLevelPreTokenizer implements PreTokenizer {
  readonly addPrefixSpace: boolean;
  readonly useRegex: boolean;
  private classes = new Uint8Array(256);
  private units = new Uint8Array(256);

  constructor(options: ByteLevelOptions = {}) {
    this.addPrefixSpace = options.addPrefixSpace ?? true;
    this.useRegex = options.useRegex ?? true;
  }

  preTokenize(buffer: NormalizedBuffer, from: number, to: number, words: WordSpans): void {
    if (to <= from) return;
    const codes = buffer.codes;
    const prefix = this.addPrefixSpace && codes[from] !== 0x20 ? 1 : 0;
    if (!this.useRegex) {
      words.push(from, to, prefix);
      return;
    }
    // Positions 0..n of a virtual string: the prepended space (if any), then buffer[from, to).
    const n = to - from + prefix;
    if (n + 1 > this.classes.length) {
      this.classes = new Uint8Array(n * 2);
      this.units = new Uint8Array(n * 2);
    }
    const cls = this.classes;
    const units = this.units;
    if (prefix) {
      cls[0] = GPT2_SPACE;
      units[0] = 1;
    }
    for (let i = from; i < to; i++) {
      const p = i - from + prefix;
      let cp = codes[i] as number;
      if (cp >= 0xd800 && cp <= 0xdfff) {
        const d = i + 1 < to ? (codes[i + 1] as number) : 0;
        if (cp <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          cp = ((cp - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          cls[p] = gpt2Class(cp);
          units[p] = 2;
          cls[p + 1] = 0;
          units[p + 1] = 0;
          i++;
          continue;
        }
        cp = 0xfffd;
      }
      cls[p] = cp < 0x80 ? asciiClass(cp) : gpt2Class(cp);
      units[p] = 1;
    }
    const at = (p: number): number => (p === 0 && prefix ? from : from + p - prefix);
    let p = 0;
    while (p < n) {
      const end = matchAt(codes, from - prefix, cls, units, p, n, prefix);
      words.push(at(p), at(end), p === 0 ? prefix : 0);
      p = end;
    }
  }
}

function asciiClass(c: number): number {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) return GPT2_LETTER;
  if (c >= 0x30 && c <= 0x39) return GPT2_NUMBER;
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return GPT2_SPACE;
  return GPT2_OTHER;
}

/** Next position after a class run starting at p (surrogate-pair tails carry class 0 and are skipped). */
function runEnd(cls: Uint8Array, units: Uint8Array, p: number, n: number, c: number): number {
  let q = p;
  while (q < n && cls[q] === c) q += units[q] as number;
  return q;
}

/** End of the pattern's match at position p of the virtual string. */
function matchAt(codes: Uint16Array, base: number, cls: Uint8Array, units: Uint8Array, p: number, n: number, prefix: number): number {
  const unit = (q: number): number => (q === 0 && prefix ? 0x20 : (codes[base + q] as number));
  const c = cls[p] as number;
  if (unit(p) === 0x27 && p + 1 < n) {
    const a = unit(p + 1);
    if (a === 0x73 || a === 0x74 || a === 0x6d || a === 0x64) return p + 2; // 's 't 'm 'd
    if (p + 2 < n) {
      const b = unit(p + 2);
      if ((a === 0x72 && b === 0x65) || (a === 0x76 && b === 0x65) || (a === 0x6c && b === 0x6c)) return p + 3; // 're 've 'll
    }
  }
  if (c !== GPT2_SPACE) return runEnd(cls, units, p, n, c);
  // " ?" then a letter, number or other run.
  if (unit(p) === 0x20 && p + 1 < n && cls[p + 1] !== GPT2_SPACE) return runEnd(cls, units, p + 1, n, cls[p + 1] as number);
  // \s+(?!\S): the whitespace run, minus its last character when something non-space follows; else \s+.
  const end = runEnd(cls, units, p, n, GPT2_SPACE);
  if (end >= n) return end;
  let last = end - 1;
  return last > p ? last : p + 1;
}
