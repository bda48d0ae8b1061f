/**
 * A protobuf message writer that keeps large payloads (weights) as references to their chunks until the
 * final concatenation, so building a 260 MB model copies each weight once.
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private small: number[] = [];
  length = 0;

  private flushSmall(): void {
    if (this.small.length === 0) return;
    this.chunks.push(Uint8Array.from(this.small));
    this.small = [];
  }

  private varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.small.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
      this.length++;
    }
    this.small.push(v);
    this.length++;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, value: number): this {
    this.tag(field, 0);
    // Negative int64 values are ten-byte two's complement varints.
    if (value < 0) {
      let v = BigInt.asUintN(64, BigInt(value));
      while (v >= 0x80n) {
        this.small.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
        this.length++;
      }
      this.small.push(Number(v));
      this.length++;
      return this;
    }
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(new Float32Array([value]).buffer);
    for (const x of b) this.small.push(x);
    this.length += 4;
    return this;
  }

  bytes(field: number, payload: Uint8Array): this {
    this.tag(field, 2);
    this.varint(payload.length);
    if (payload.length < 64) {
      for (const x of payload) this.small.push(x);
    } else {
      this.flushSmall();
      this.chunks.push(payload);
    }
    this.length += payload.length;
    return this;
  }

  /** Appends already encoded fields (tag included) as they are, e.g. copied from another message. */
  raw(encoded: Uint8Array): this {
    this.flushSmall();
    this.chunks.push(encoded);
    this.length += encoded.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, inner: ProtoWriter): this {
    this.tag(field, 2);
    this.varint(inner.length);
    this.flushSmall();
    inner.flushSmall();
    this.chunks.push(...inner.chunks);
    this.length += inner.length;
    return this;
  }

  finish(): Uint8Array {
    this.flushSmall();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
