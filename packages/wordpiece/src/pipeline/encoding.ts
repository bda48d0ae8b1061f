/** One encoded input, in the shape Hugging Face's `Encoding` has. */
export interface Encoding {
  ids: number[];
  tokens: string[];
  /**
   * [start, end) of each token in the original string, as UTF-16 code units, so that
   * `text.slice(start, end)` is the token's source. Special and padding tokens have [0, 0].
   */
  offsets: Array<[number, number]>;
  typeIds: number[];
  attentionMask: number[];
  specialTokensMask: number[];
  /** Index of the word a token belongs to, within its sequence; null for special and padding tokens. */
  wordIds: Array<number | null>;
  /** 0 for the first sequence, 1 for the pair, null for special and padding tokens. */
  sequenceIds: Array<number | null>;
  /** Further windows when truncation cut the input (with `stride` tokens of overlap). */
  overflowing: Encoding[];
}

/** An Encoding with every array sized `n`, to be filled by index (cheaper than growing by push). */
export function allocateEncoding(n: number): Encoding {
  return {
    ids: new Array<number>(n),
    tokens: new Array<string>(n),
    offsets: new Array<[number, number]>(n),
    typeIds: new Array<number>(n),
    attentionMask: new Array<number>(n),
    specialTokensMask: new Array<number>(n),
    wordIds: new Array<number | null>(n),
    sequenceIds: new Array<number | null>(n),
    overflowing: [],
  };
}

/**
 * An encoding under construction, as parallel typed arrays with room to grow. Built once per input
 * window and then either materialized as an Encoding or copied into a packed batch row.
 */
export class RawEncoding {
  ids: Int32Array;
  typeIds: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  /** -1 for none. */
  words: Int32Array;
  /** -1 for none. */
  sequences: Int32Array;
  special: Uint8Array;
  attention: Uint8Array;
  length = 0;
  /** Position -> token text, where it is not the vocabulary entry (see TokenSink.texts). */
  readonly texts = new Map<number, string>();

  constructor(capacity: number) {
    this.ids = new Int32Array(capacity);
    this.typeIds = new Int32Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.words = new Int32Array(capacity);
    this.sequences = new Int32Array(capacity);
    this.special = new Uint8Array(capacity);
    this.attention = new Uint8Array(capacity);
  }
}
