/**
 * A trie over UTF-16 code units with edges in one open-addressing hash table, so the longest vocabulary
 * entry starting at a position is found in a single forward walk without creating substrings. Each slot
 * holds [parent node, unit, child] side by side, so a probe touches one cache line instead of three.
 */
export class PieceTrie {
  private slots: Int32Array;
  private mask: number;
  private edges = 0;
  private nodes = 1;
  /** Token id stored at a node, or -1. */
  private value: Int32Array;

  constructor(expectedUnits = 1024) {
    let size = 1024;
    while (size < expectedUnits * 2) size *= 2;
    this.mask = size - 1;
    this.slots = PieceTrie.emptySlots(size);
    this.value = new Int32Array(Math.max(16, expectedUnits + 1)).fill(-1);
  }

  private static emptySlots(size: number): Int32Array {
    const slots = new Int32Array(size * 3);
    for (let s = 0; s < size; s++) slots[s * 3] = -1;
    return slots;
  }

  static readonly ROOT = 0;

  /** A later duplicate overwrites the earlier id, as a vocabulary map does. */
  insert(piece: string, id: number): void {
    let node = 0;
    for (let k = 0; k < piece.length; k++) {
      const unit = piece.charCodeAt(k);
      let next = this.next(node, unit);
      if (next < 0) next = this.addEdge(node, unit);
      node = next;
    }
    if (node !== 0) this.value[node] = id;
  }

  next(node: number, unit: number): number {
    const mask = this.mask;
    const slots = this.slots;
    let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(unit, 0x85ebca6b)) & mask;
    for (;;) {
      const at = h * 3;
      const k = slots[at] as number;
      if (k === node && slots[at + 1] === unit) return slots[at + 2] as number;
      if (k === -1) return -1;
      h = (h + 1) & mask;
    }
  }

  idAt(node: number): number {
    return this.value[node] as number;
  }

  private addEdge(node: number, unit: number): number {
    if ((this.edges + 1) * 2 > this.mask + 1) this.grow();
    const created = this.nodes++;
    if (created >= this.value.length) {
      const value = new Int32Array(this.value.length * 2).fill(-1);
      value.set(this.value);
      this.value = value;
    }
    this.place(node, unit, created);
    this.edges++;
    return created;
  }

  private place(node: number, unit: number, created: number): void {
    const mask = this.mask;
    let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(unit, 0x85ebca6b)) & mask;
    while ((this.slots[h * 3] as number) !== -1) h = (h + 1) & mask;
    this.slots[h * 3] = node;
    this.slots[h * 3 + 1] = unit;
    this.slots[h * 3 + 2] = created;
  }

  private grow(): void {
    const old = this.slots;
    const size = (this.mask + 1) * 2;
    this.mask = size - 1;
    this.slots = PieceTrie.emptySlots(size);
    for (let at = 0; at < old.length; at += 3) {
      const k = old[at] as number;
      if (k !== -1) this.place(k, old[at + 1] as number, old[at + 2] as number);
    }
  }
}
