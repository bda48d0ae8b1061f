/** Word boundaries in a NormalizedBuffer, as [start, end) code-unit pairs, reused between calls. */
export class WordSpans {
  data: Int32Array;
  /**
   * Per word: 1 when the pre-tokenizer put a character in front of it that is not in the buffer (the
   * space of ByteLevel's add_prefix_space, Metaspace's prepended "▁"); it aligns with the word's first
   * character, as Hugging Face's prepend does.
   */
  prefix: Uint8Array;
  count = 0;

  constructor(capacity = 256) {
    this.data = new Int32Array(capacity * 2);
    this.prefix = new Uint8Array(capacity);
  }

  reset(): void {
    this.count = 0;
  }

  push(start: number, end: number, prefix = 0): void {
    const i = this.count * 2;
    if (i + 2 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
      const flags = new Uint8Array(this.prefix.length * 2);
      flags.set(this.prefix);
      this.prefix = flags;
    }
    this.data[i] = start;
    this.data[i + 1] = end;
    this.prefix[this.count] = prefix;
    this.count++;
  }
}
