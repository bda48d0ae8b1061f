/**
 * Exact lookup of a whole code-unit span in the vocabulary: one hash of the span and usually one probe
 * of a compact table. Most words are vocabulary entries as a whole, and for those this replaces a trie
 * walk whose per-character probes miss the cache. Slots hold only [hash, entry] (8 bytes, so the table
 * of a 30k vocabulary stays in L2); the text to confirm a hit lives in a separate pool.
 */
export class PieceTable {
  private slots: Int32Array;
  private mask: number;
  private pool: Uint16Array;
  private poolUsed = 0;
  /** Per entry: where its units start in the pool, and its id. Entry e's units end where e+1's start. */
  private starts: Int32Array;
  private ids: Int32Array;
  private count = 0;

  constructor(expectedEntries: number, expectedUnits: number) {
    let size = 1024;
    while (size < expectedEntries * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size * 2).fill(-1);
    this.pool = new Uint16Array(Math.max(1024, expectedUnits));
    this.starts = new Int32Array(Math.max(16, expectedEntries + 2));
    this.ids = new Int32Array(Math.max(16, expectedEntries + 1));
  }

  /** A later duplicate overwrites the earlier id, as a vocabulary map does. */
  insert(piece: string, id: number): void {
    if (piece.length === 0) return;
    const offset = this.poolUsed;
    this.reservePool(piece.length);
    for (let k = 0; k < piece.length; k++) this.pool[offset + k] = piece.charCodeAt(k);
    const existing = this.find(this.pool, offset, offset + piece.length);
    if (existing >= 0) {
      this.ids[existing] = id;
      return;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    if (this.count + 2 > this.starts.length) {
      const starts = new Int32Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    const entry = this.count++;
    this.starts[entry] = offset;
    this.starts[entry + 1] = offset + piece.length;
    this.ids[entry] = id;
    this.poolUsed = offset + piece.length;
    this.place(hashUnits(this.pool, offset, offset + piece.length), entry);
  }

  /** Token id of exactly `codes[start, end)`, or -1. */
  get(codes: Uint16Array, start: number, end: number): number {
    const entry = this.find(codes, start, end);
    return entry < 0 ? -1 : (this.ids[entry] as number);
  }

  private find(codes: Uint16Array, start: number, end: number): number {
    const hash = hashUnits(codes, start, end);
    const length = end - start;
    const { slots, pool, starts, mask } = this;
    let s = hash & mask;
    for (;;) {
      const entry = slots[s * 2 + 1] as number;
      if (entry === -1) return -1;
      if (slots[s * 2] === hash) {
        const offset = starts[entry] as number;
        if ((starts[entry + 1] as number) - offset === length) {
          let k = 0;
          while (k < length && pool[offset + k] === codes[start + k]) k++;
          if (k === length) return entry;
        }
      }
      s = (s + 1) & mask;
    }
  }

  private reservePool(units: number): void {
    if (this.poolUsed + units <= this.pool.length) return;
    const pool = new Uint16Array(Math.max(this.pool.length * 2, this.poolUsed + units));
    pool.set(this.pool);
    this.pool = pool;
  }

  private place(hash: number, entry: number): void {
    const mask = this.mask;
    let s = hash & mask;
    while ((this.slots[s * 2 + 1] as number) !== -1) s = (s + 1) & mask;
    this.slots[s * 2] = hash;
    this.slots[s * 2 + 1] = entry;
  }

  private grow(): void {
    const old = this.slots;
    const size = (this.mask + 1) * 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size * 2).fill(-1);
    for (let at = 0; at < old.length; at += 2) {
      if ((old[at + 1] as number) !== -1) this.place(old[at] as number, old[at + 1] as number);
    }
  }
}

/** FNV-1a over code units, mixed at the end so low bits (the table index) depend on every unit. */
function hashUnits(codes: Uint16Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let k = start; k < end; k++) h = Math.imul(h ^ (codes[k] as number), 0x01000193);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) ^ (h >>> 12);
}
