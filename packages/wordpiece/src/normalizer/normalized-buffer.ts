/**
 * The normalized form of one text segment, as UTF-16 code units, with each unit's source range in the
 * original string. Token offsets are read back through these alignments, as Hugging Face does.
 * Buffers are reused across calls so that encoding allocates nothing per character.
 */
export class NormalizedBuffer {
  codes: Uint16Array;
  alignStart: Int32Array;
  alignEnd: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.codes = new Uint16Array(capacity);
    this.alignStart = new Int32Array(capacity);
    this.alignEnd = new Int32Array(capacity);
  }

  reset(): void {
    this.length = 0;
  }

  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.codes.length) return;
    let size = this.codes.length * 2;
    while (size < need) size *= 2;
    const codes = new Uint16Array(size);
    codes.set(this.codes.subarray(0, this.length));
    const alignStart = new Int32Array(size);
    alignStart.set(this.alignStart.subarray(0, this.length));
    const alignEnd = new Int32Array(size);
    alignEnd.set(this.alignEnd.subarray(0, this.length));
    this.codes = codes;
    this.alignStart = alignStart;
    this.alignEnd = alignEnd;
  }

  /** Caller must have called ensure(). */
  push(code: number, start: number, end: number): void {
    const i = this.length++;
    this.codes[i] = code;
    this.alignStart[i] = start;
    this.alignEnd[i] = end;
  }

  pushString(s: string, start: number, end: number): void {
    this.ensure(s.length);
    for (let k = 0; k < s.length; k++) this.push(s.charCodeAt(k), start, end);
  }

  toString(): string {
    let out = '';
    for (let i = 0; i < this.length; i += 4096) {
      out += String.fromCharCode(...this.codes.subarray(i, Math.min(this.length, i + 4096)));
    }
    return out;
  }
}
