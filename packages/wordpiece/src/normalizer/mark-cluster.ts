import { combiningRank } from '../unicode/char-class.js';
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
    // One character alone is already in canonical order: its cached mapping is the answer.
    if (n === 1) {
      out.pushString(owner.mapped(this.cps[0] as number), this.starts[0] as number, this.ends[0] as number);
      return;
    }
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
    // Canonical ordering is a stable sort by combining class, so the j-th copy of a character stays the
    // j-th: each output character takes the next unused source position holding it (linear overall).
    const next = new Map<number, number>();
    let consumed = -1;
    for (const cp of ordered) {
      let tag = next.get(cp) ?? 0;
      while (chars[tag] !== cp) tag++;
      next.set(cp, tag + 1);
      if (firsts[tag] === true || consumed < 0) consumed++;
      out.pushString(owner.finish(cp), this.starts[consumed] as number, this.ends[consumed] as number);
    }
  }
}

/**
 * The canonical order of already-decomposed characters, or null when it is the given order: each run of
 * non-starters stably sorted by combining class. A counting sort keeps long runs of marks linear (V8's
 * String#normalize uses an insertion sort there, quadratic on pathological input).
 */
function canonicalOrder(chars: readonly number[]): number[] | null {
  let out: number[] | null = null;
  const n = chars.length;
  let i = 0;
  while (i < n) {
    if (combiningRank(chars[i] as number) === 0) {
      i++;
      continue;
    }
    let j = i;
    let sorted = true;
    let previous = 0;
    while (j < n) {
      const rank = combiningRank(chars[j] as number);
      if (rank === 0) break;
      if (rank < previous) sorted = false;
      previous = rank;
      j++;
    }
    if (!sorted) {
      out ??= [...chars];
      sortRun(chars, i, j, out);
    }
    i = j;
  }
  return out;
}

function sortRun(chars: readonly number[], from: number, to: number, out: number[]): void {
  const counts = new Int32Array(RANK_LIMIT + 1);
  for (let k = from; k < to; k++) (counts[combiningRank(chars[k] as number) + 1] as number)++;
  for (let r = 1; r <= RANK_LIMIT; r++) counts[r] = (counts[r] as number) + (counts[r - 1] as number);
  for (let k = from; k < to; k++) {
    const cp = chars[k] as number;
    const rank = combiningRank(cp);
    out[from + (counts[rank] as number)] = cp;
    counts[rank] = (counts[rank] as number) + 1;
  }
}

/** Above the number of distinct combining classes (55 in Unicode 16). */
const RANK_LIMIT = 255;
