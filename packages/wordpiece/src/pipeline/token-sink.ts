/**
 * Tokens of one sequence as parallel typed arrays: id, source offsets (UTF-16, original text) and word
 * index. Reused across calls; a model appends, the encoder reads `count` entries.
 */
export class TokenSink {
  ids: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  words: Int32Array;
  count = 0;
  /**
   * Token text where it is not the vocabulary entry: Rust reports an added token by the text it matched,
   * stripped whitespace included. Rare, so a sparse map instead of a per-token array.
   */
  readonly texts = new Map<number, string>();

  constructor(capacity = 512) {
    this.ids = new Int32Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.words = new Int32Array(capacity);
  }

  reset(): void {
    this.count = 0;
    if (this.texts.size > 0) this.texts.clear();
  }

  /** Records that the token just pushed shows as `text`. */
  setLastText(text: string): void {
    this.texts.set(this.count - 1, text);
  }

  push(id: number, start: number, end: number, word: number): void {
    if (this.count === this.ids.length) this.grow();
    const i = this.count++;
    this.ids[i] = id;
    this.starts[i] = start;
    this.ends[i] = end;
    this.words[i] = word;
  }

  private grow(): void {
    const size = this.ids.length * 2;
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.ids = grow(this.ids);
    this.starts = grow(this.starts);
    this.ends = grow(this.ends);
    this.words = grow(this.words);
  }
}
