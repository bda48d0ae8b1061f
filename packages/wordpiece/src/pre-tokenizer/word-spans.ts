/** Word boundaries in a NormalizedBuffer, as [start, end) code-unit pairs, reused between calls. */
export class WordSpans {
  data: Int32Array;
  count = 0;

  constructor(capacity = 256) {
    this.data = new Int32Array(capacity * 2);
  }

  reset(): void {
    this.count = 0;
  }

  push(start: number, end: number): void {
    const i = this.count * 2;
    if (i + 2 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = start;
    this.data[i + 1] = end;
    this.count++;
  }
}
