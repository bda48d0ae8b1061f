/**
 * Just enough of the protobuf wire format to read an ONNX graph's structure and append fields to it,
 * without a schema dependency or decoding the (possibly hundreds of MB of) weights.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export interface Field {
  field: number;
  wire: number;
  /** Where the field's tag starts: buf[begin, end) is the whole field, ready to copy as is. */
  begin: number;
  /** For WIRE_BYTES: where the payload starts and ends in the buffer. */
  start: number;
  end: number;
  /** For WIRE_VARINT (as a number; ONNX varints here fit 53 bits). */
  value: number;
}

export class WireError extends Error {}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new WireError(`truncated varint at byte ${pos}`);
    const b = buf[pos++] as number;
    result += (b & 0x7f) * shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift *= 128;
  }
  throw new WireError(`varint too long at byte ${pos}`);
}

/** The fields of the message in buf[start, end), in order; payloads are not decoded. */
export function* fields(buf: Uint8Array, start = 0, end = buf.length): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const begin = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    pos = afterTag;
    if (field === 0) throw new WireError(`field number 0 at byte ${pos}`);
    if (wire === WIRE_VARINT) {
      const [value, next] = readVarint(buf, pos);
      yield { field, wire, begin, start: pos, end: next, value };
      pos = next;
    } else if (wire === WIRE_BYTES) {
      const [length, payload] = readVarint(buf, pos);
      const stop = payload + length;
      if (stop > end) throw new WireError(`field ${field} runs past the end of its message (byte ${stop} of ${end})`);
      yield { field, wire, begin, start: payload, end: stop, value: length };
      pos = stop;
    } else if (wire === WIRE_FIXED64) {
      if (pos + 8 > end) throw new WireError(`truncated fixed64 at byte ${pos}`);
      yield { field, wire, begin, start: pos, end: pos + 8, value: 0 };
      pos += 8;
    } else if (wire === WIRE_FIXED32) {
      if (pos + 4 > end) throw new WireError(`truncated fixed32 at byte ${pos}`);
      yield { field, wire, begin, start: pos, end: pos + 4, value: 0 };
      pos += 4;
    } else {
      throw new WireError(`unsupported wire type ${wire} at byte ${pos}`);
    }
  }
  if (pos !== end) throw new WireError(`message overruns its end (${pos} > ${end})`);
}

const decoder = new TextDecoder();
export function text(buf: Uint8Array, f: Field): string {
  return decoder.decode(buf.subarray(f.start, f.end));
}

/** Builds a message by appending fields. */
export class MessageWriter {
  private parts: number[] = [];

  private varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.parts.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.parts.push(v);
  }

  uint(field: number, value: number): this {
    this.varint(field * 8 + WIRE_VARINT);
    this.varint(value);
    return this;
  }

  bytes(field: number, payload: Uint8Array): this {
    this.varint(field * 8 + WIRE_BYTES);
    this.varint(payload.length);
    for (const b of payload) this.parts.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, inner: MessageWriter): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
