/** Reads a pickle's opcode arguments; every read is bounds-checked against the pickle's length. */
export class PickleCursor {
  pos = 0;
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly data: Uint8Array,
    private readonly bad: (message: string) => Error,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private need(n: number): number {
    if (n < 0 || this.pos + n > this.data.length) throw this.bad(`pickle ends inside an opcode (needs ${n} bytes at ${this.pos}, has ${this.data.length - this.pos})`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.data[this.need(1)] as number;
  }

  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }

  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }

  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }

  /** BINFLOAT is the one big-endian argument. */
  f64(): number {
    return this.view.getFloat64(this.need(8), false);
  }

  /** A 64-bit length, refused when larger than the pickle itself. */
  u64(): number {
    const v = this.view.getBigUint64(this.need(8), true);
    if (v > BigInt(this.data.length)) throw this.bad(`length ${v} is larger than the pickle`);
    return Number(v);
  }

  bytes(n: number): Uint8Array {
    const at = this.need(n);
    return this.data.subarray(at, at + n);
  }

  utf8(n: number): string {
    const b = this.bytes(n);
    try {
      return this.decoder.decode(b);
    } catch {
      throw this.bad('string is not valid UTF-8');
    }
  }

  /** A protocol-0 argument: latin-1 text up to the newline. */
  line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) throw this.bad('pickle ends inside a text opcode');
    const text = Buffer.from(this.data.subarray(this.pos, end)).toString('latin1');
    this.pos = end + 1;
    return text;
  }
}
