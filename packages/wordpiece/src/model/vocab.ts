/** Token <-> id tables. Ids may have gaps; `tokens[id]` is undefined for a gap. */
export class Vocab {
  readonly tokenToId: Map<string, number>;
  readonly idToToken: string[];

  constructor(entries: Iterable<[string, number]>) {
    this.tokenToId = new Map();
    this.idToToken = [];
    for (const [token, id] of entries) {
      this.tokenToId.set(token, id);
      this.idToToken[id] = token;
    }
  }

  get size(): number {
    return this.tokenToId.size;
  }

  /** One past the largest id, i.e. the number of rows an embedding table needs. */
  get idLimit(): number {
    return this.idToToken.length;
  }
}
