// Test-only: moves a model's initializer payloads (TensorProto raw_data) into an external data file, as
// onnx.save_model(..., save_as_external_data=True) lays them out: location, offset and length entries
// and data_location EXTERNAL. Other fields are copied byte for byte.
import { fields } from '../onnx/proto-wire.js';

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function lengthDelimited(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...varint(field * 8 + 2), ...varint(payload.length)]), payload]);
}

function entry(key: string, value: string): Buffer {
  return lengthDelimited(TENSOR_EXTERNAL_DATA, Buffer.concat([lengthDelimited(1, Buffer.from(key)), lengthDelimited(2, Buffer.from(value))]));
}

export function toExternalData(model: Uint8Array, location: string): { model: Buffer; data: Buffer } {
  const data: Buffer[] = [];
  let offset = 0;
  const tensor = (buf: Uint8Array, start: number, end: number): Buffer => {
    const parts: Buffer[] = [];
    let raw: Uint8Array | null = null;
    for (const f of fields(buf, start, end)) {
      if (f.field === TENSOR_RAW_DATA && f.wire === 2) raw = buf.subarray(f.start, f.end);
      else parts.push(Buffer.from(buf.subarray(f.begin, f.end)));
    }
    if (raw !== null) {
      // Aligned as onnx does it, so a reader may map the file.
      const pad = (4096 - (offset % 4096)) % 4096;
      if (pad) data.push(Buffer.alloc(pad));
      offset += pad;
      parts.push(entry('location', location), entry('offset', String(offset)), entry('length', String(raw.length)), Buffer.from([...varint(TENSOR_DATA_LOCATION * 8), 1]));
      data.push(Buffer.from(raw));
      offset += raw.length;
    }
    return Buffer.concat(parts);
  };
  const graph = (buf: Uint8Array, start: number, end: number): Buffer =>
    Buffer.concat([...fields(buf, start, end)].map((f) => (f.field === GRAPH_INITIALIZER && f.wire === 2 ? lengthDelimited(GRAPH_INITIALIZER, tensor(buf, f.start, f.end)) : Buffer.from(buf.subarray(f.begin, f.end)))));
  const out = Buffer.concat([...fields(model)].map((f) => (f.field === MODEL_GRAPH && f.wire === 2 ? lengthDelimited(MODEL_GRAPH, graph(model, f.start, f.end)) : Buffer.from(model.subarray(f.begin, f.end)))));
  return { model: out, data: Buffer.concat(data) };
}
