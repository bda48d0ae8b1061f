import type { NormalizedBuffer } from './normalized-buffer.js';

interface ClusterOwner {
  decomposed(cp: number): string;
  mapped(cp: number): string;
  finish(cp: number): string;
}

/**
 * A base character and the combining characters after it, held back until the run ends because NFD's
 * canonical reordering can move marks across source characters. Hugging Face aligns NFD output by
 * position (each source character's first output "consumes" the next source character; the rest are
 * insertions sharing the last consumed one), so after a reorder a mark can end up aligned to a
 * neighbour. Reproducing that keeps offsets identical on such input.
 */
export class MarkCluster {
  cps: number[] = [];
  starts: number[] = [];
  ends: number[] = [];
  count = 0;

  constructor(
    private readonly strip: boolean,
    private readonly lowercase: boolean,
  ) {}

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
    if (n === 1 || !this.reorders(n, owner)) {
      for (let k = 0; k < n; k++) out.pushString(owner.mapped(this.cps[k] as number), this.starts[k] as number, this.ends[k] as number);
      return;
    }
    // Tag each decomposed character with its source and whether it is the source's first output.
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
    // Canonical ordering is a stable sort, so the j-th copy of a character stays the j-th copy.
    const used = new Uint8Array(chars.length);
    let consumed = -1;
    for (const t of this.composedTarget(n)) {
      const cp = t.codePointAt(0) as number;
      let tag = 0;
      while (tag < chars.length && (used[tag] === 1 || chars[tag] !== cp)) tag++;
      used[tag] = 1;
      if (firsts[tag] === true || consumed < 0) consumed++;
      const start = this.starts[consumed] as number;
      const end = this.ends[consumed] as number;
      out.pushString(owner.finish(cp), start, end);
    }
    void this.strip;
    void this.lowercase;
  }

  private target: string[] = [];

  private reorders(n: number, owner: ClusterOwner): boolean {
    let joined = '';
    for (let k = 0; k < n; k++) joined += owner.decomposed(this.cps[k] as number);
    this.target = [...this.source(n).normalize('NFD')];
    return this.target.join('') !== joined;
  }

  private composedTarget(n: number): string[] {
    void n;
    return this.target;
  }

  private source(n: number): string {
    let s = '';
    for (let k = 0; k < n; k++) s += String.fromCodePoint(this.cps[k] as number);
    return s;
  }
}
