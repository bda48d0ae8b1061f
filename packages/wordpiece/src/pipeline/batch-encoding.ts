import { type Encoding, allocateEncoding } from './encoding.js';

/**
 * A batch packed as row-major typed arrays (rows x sequenceLength), ready to become model input
 * tensors without a per-token copy. Rows shorter than `sequenceLength` are padded (attention 0) even
 * when no padding was requested; `get(i)` then returns the unpadded encoding, as a per-item encode would.
 */
export class BatchEncoding {
  constructor(
    /** Rows: one per input, plus overflow windows when `returnOverflowing` was set. */
    readonly rows: number,
    readonly sequenceLength: number,
    readonly inputIds: Int32Array,
    readonly attentionMask: Int32Array,
    readonly typeIds: Int32Array,
    readonly specialTokensMask: Uint8Array,
    /** rows x sequenceLength x 2: [start, end) in UTF-16 code units of the input. */
    readonly offsets: Int32Array,
    /** -1 where a token has no word (special and padding tokens). */
    readonly wordIds: Int32Array,
    /** 0 or 1; -1 for special and padding tokens. */
    readonly sequenceIds: Int8Array,
    /** Unpadded length of each row. */
    readonly lengths: Int32Array,
    /** Input index of each row (differs from the row index only with overflow windows). */
    readonly sampleIndex: Int32Array,
    /** Whether each row was padded on the left. */
    readonly padLeft: boolean,
    /** The length padding was asked to reach, or -1 when no padding was requested. */
    readonly padTarget: number,
    private readonly idToToken: readonly (string | undefined)[],
    private readonly padToken: string,
    /** Row -> (position in the unpadded row -> token text) where it is not the vocabulary entry. */
    private readonly rowTexts: ReadonlyMap<number, ReadonlyMap<number, string>> = new Map(),
  ) {}

  /** Number of rows (same as `rows`). */
  get length(): number {
    return this.rows;
  }

  /** Row `row` as a plain Encoding (allocates; the packed arrays do not). */
  get(row: number): Encoding {
    if (!Number.isInteger(row) || row < 0 || row >= this.rows) {
      throw new RangeError(`row must be an integer in [0, ${this.rows}), got ${row}`);
    }
    const L = this.sequenceLength;
    const n = this.lengths[row] as number;
    // Per-item views show the padding that was asked for, and none otherwise.
    const visible = this.padTarget < 0 ? n : Math.max(n, this.padTarget);
    const from = this.padLeft ? L - visible : 0;
    const to = from + visible;
    const base = row * L;
    const e = allocateEncoding(visible);
    const texts = this.rowTexts.get(row);
    const firstToken = this.padLeft ? L - n : 0;
    for (let p = base + from, q = 0; p < base + to; p++, q++) {
      const id = this.inputIds[p] as number;
      const attended = this.attentionMask[p] === 1;
      e.ids[q] = id;
      const text = texts?.get(p - base - firstToken);
      e.tokens[q] = attended ? (text ?? this.idToToken[id] ?? '') : this.padToken;
      e.offsets[q] = [this.offsets[p * 2] as number, this.offsets[p * 2 + 1] as number];
      e.typeIds[q] = this.typeIds[p] as number;
      e.attentionMask[q] = attended ? 1 : 0;
      e.specialTokensMask[q] = this.specialTokensMask[p] as number;
      const w = this.wordIds[p] as number;
      e.wordIds[q] = w < 0 ? null : w;
      const s = this.sequenceIds[p] as number;
      e.sequenceIds[q] = s < 0 ? null : s;
    }
    return e;
  }

  *[Symbol.iterator](): IterableIterator<Encoding> {
    for (let row = 0; row < this.rows; row++) yield this.get(row);
  }

  toArray(): Encoding[] {
    return [...this];
  }
}
