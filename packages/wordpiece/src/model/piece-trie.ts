/**
 * A trie over UTF-16 code units with edges in one open-addressing hash table, so the longest vocabulary
 * entry starting at a position is found in a single forward walk without creating substrings.
 */
export class PieceTrie {
  private keyNode: Int32Array;
  private keyUnit: Int32Array;
  private child: Int32Array;
  private mask: number;
  private edges = 0;
  private nodes = 1;
  /** Token id stored at a node, or -1. */
  private value: Int32Array;

  constructor(expectedUnits = 1024) {
    let size = 1024;
    while (size < expectedUnits * 2) size *= 2;
    this.mask = size - 1;
    this.keyNode = new Int32Array(size).fill(-1);
    this.keyUnit = new Int32Array(size);
    this.child = new Int32Array(size);
    this.value = new Int32Array(Math.max(16, expectedUnits + 1)).fill(-1);
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
    let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(unit, 0x85ebca6b)) & mask;
    const keyNode = this.keyNode;
    for (;;) {
      const k = keyNode[h] as number;
      if (k === node && this.keyUnit[h] === unit) return this.child[h] as number;
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
    while ((this.keyNode[h] as number) !== -1) h = (h + 1) & mask;
    this.keyNode[h] = node;
    this.keyUnit[h] = unit;
    this.child[h] = created;
  }

  private grow(): void {
    const { keyNode, keyUnit, child } = this;
    const size = (this.mask + 1) * 2;
    this.mask = size - 1;
    this.keyNode = new Int32Array(size).fill(-1);
    this.keyUnit = new Int32Array(size);
    this.child = new Int32Array(size);
    for (let h = 0; h < keyNode.length; h++) {
      const k = keyNode[h] as number;
      if (k !== -1) this.place(k, keyUnit[h] as number, child[h] as number);
    }
  }
}
