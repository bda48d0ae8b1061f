import { NFD_BARRIER, charFlags } from '../unicode/char-class.js';
import type { NormalizedBuffer } from './normalized-buffer.js';

export interface ClusterOwner {
  /** NFD of one code point as Hugging Face computes it. */
  decomposed(cp: number): string;
  /** The complete output for one code point on its own. */
  mapped(cp: number): string;
  /** Mark removal and lowercase for one decomposed character. */
  finish(cp: number): string;
}

/**
 * A base character and the combining characters after it, held back because NFD's canonical reordering
 * can move marks across source characters. Hugging Face carries each decomposed character's "change"
 * (0 for a character's first output, +1 for the rest) through the reordering and then aligns by position:
 * every change-0 output consumes the next source character, every +1 output shares the last one consumed.
 * After a reorder a mark can therefore be aligned to a neighbour; reproducing that keeps offsets identical.
 */
export class MarkCluster {
  private readonly cps: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  count = 0;

  reset(): void {
    this.count = 0;
  }

  add(cp: number, start: number, end: number): void {
    this.cps[this.count] = cp;
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  flush(out: NormalizedBuffer, owner: ClusterOwner): void {
    const n = this.count;
    this.count = 0;
    const chars: number[] = [];
    const firsts: boolean[] = [];
    for (let k = 0; k < n; k++) {
      let first = true;
      for (const d of owner.decomposed(this.cps[k] as number)) {
        chars.push(d.codePointAt(0) as number);
        firsts.push(first);
        first = false;
      }
    }
    const ordered = canonicalOrder(chars);
    if (ordered === null) {
      for (let k = 0; k < n; k++) out.pushString(owner.mapped(this.cps[k] as number), this.starts[k] as number, this.ends[k] as number);
      return;
    }
    // Canonical ordering is a stable sort by combining class, so the j-th copy of a character stays the j-th.
    const used = new Uint8Array(chars.length);
    let consumed = -1;
    for (const cp of ordered) {
      let tag = 0;
      while (tag < chars.length && (used[tag] === 1 || chars[tag] !== cp)) tag++;
      used[tag] = 1;
      if (firsts[tag] === true || consumed < 0) consumed++;
      out.pushString(owner.finish(cp), this.starts[consumed] as number, this.ends[consumed] as number);
    }
  }
}

/**
 * The canonical order of already-decomposed characters, or null when it is the given order. V8 knows
 * combining classes that Hugging Face's tables do not; those characters act as starters there, so each
 * is its own segment and only the text between them is reordered by String#normalize.
 */
function canonicalOrder(chars: readonly number[]): number[] | null {
  const out: number[] = [];
  let segment = '';
  const flushSegment = () => {
    if (segment === '') return;
    for (const ch of segment.normalize('NFD')) out.push(ch.codePointAt(0) as number);
    segment = '';
  };
  for (const cp of chars) {
    if ((charFlags[cp] as number) & NFD_BARRIER) {
      flushSegment();
      out.push(cp);
    } else {
      segment += String.fromCodePoint(cp);
    }
  }
  flushSegment();
  for (let k = 0; k < chars.length; k++) if (out[k] !== chars[k]) return out;
  return null;
}
