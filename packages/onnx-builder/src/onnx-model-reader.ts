import { type ProtoField, WireError, protoFields } from '@bertkit/encoder';
import { ModelToolsError } from './errors.js';

/** A node as stored, with where its bytes are so that untouched nodes are copied verbatim. */
export interface StoredNode {
  field: ProtoField;
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  /** Integer attributes (axis, to, ...), for the few rewrites that need them. */
  ints: Map<string, number>;
}

export interface StoredTensor {
  field: ProtoField;
  name: string;
  dims: number[];
  dataType: number;
  external: boolean;
}

export interface StoredGraph {
  field: ProtoField;
  nodes: StoredNode[];
  initializers: StoredTensor[];
}

export interface StoredModel {
  bytes: Uint8Array;
  /** Top-level fields of the ModelProto, in order. */
  fields: ProtoField[];
  graphs: StoredGraph[];
  opsets: Map<string, number>;
}

const decoder = new TextDecoder();
const str = (buf: Uint8Array, f: ProtoField) => decoder.decode(buf.subarray(f.start, f.end));

export const FLOAT = 1;
export const INT8 = 3;
export const INT64 = 7;

/** Reads an ONNX model's structure, leaving tensor data where it is. */
export function readStoredModel(bytes: Uint8Array, file: string): StoredModel {
  try {
    const model: StoredModel = { bytes, fields: [], graphs: [], opsets: new Map() };
    for (const f of protoFields(bytes)) {
      model.fields.push(f);
      if (f.field === 7 && f.wire === 2) model.graphs.push(readGraph(bytes, f));
      if (f.field === 8 && f.wire === 2) {
        let domain = '';
        let version = 0;
        for (const g of protoFields(bytes, f.start, f.end)) {
          if (g.field === 1 && g.wire === 2) domain = str(bytes, g);
          if (g.field === 2 && g.wire === 0) version = g.value;
        }
        model.opsets.set(domain === 'ai.onnx' ? '' : domain, version);
      }
    }
    if (model.graphs.length === 0) throw new WireError('no graph in the model');
    return model;
  } catch (cause) {
    if (!(cause instanceof WireError)) throw cause;
    throw new ModelToolsError('E_BAD_ONNX', `${file}: not a readable ONNX model (${cause.message}); is the file truncated?`, { file, cause });
  }
}

function readGraph(buf: Uint8Array, graph: ProtoField): StoredGraph {
  const out: StoredGraph = { field: graph, nodes: [], initializers: [] };
  for (const f of protoFields(buf, graph.start, graph.end)) {
    if (f.wire !== 2) continue;
    if (f.field === 1) {
      const node: StoredNode = { field: f, name: '', opType: '', domain: '', inputs: [], outputs: [], ints: new Map() };
      for (const g of protoFields(buf, f.start, f.end)) {
        if (g.wire !== 2) continue;
        if (g.field === 1) node.inputs.push(str(buf, g));
        else if (g.field === 2) node.outputs.push(str(buf, g));
        else if (g.field === 3) node.name = str(buf, g);
        else if (g.field === 4) node.opType = str(buf, g);
        else if (g.field === 7) node.domain = str(buf, g);
        else if (g.field === 5) {
          let name = '';
          let value: number | null = null;
          for (const a of protoFields(buf, g.start, g.end)) {
            if (a.field === 1 && a.wire === 2) name = str(buf, a);
            if (a.field === 3 && a.wire === 0) value = a.value;
          }
          if (value !== null) node.ints.set(name, value);
        }
      }
      out.nodes.push(node);
    } else if (f.field === 5) {
      const tensor: StoredTensor = { field: f, name: '', dims: [], dataType: 0, external: false };
      for (const g of protoFields(buf, f.start, f.end)) {
        if (g.field === 1 && g.wire === 0) tensor.dims.push(g.value);
        else if (g.field === 1 && g.wire === 2) tensor.dims.push(...packed(buf, g));
        else if (g.field === 2 && g.wire === 0) tensor.dataType = g.value;
        else if (g.field === 8 && g.wire === 2) tensor.name = str(buf, g);
        else if (g.field === 14 && g.wire === 0 && g.value === 1) tensor.external = true;
      }
      out.initializers.push(tensor);
    }
  }
  return out;
}

/** A float initializer's values, from raw_data or float_data. */
export function readFloats(model: StoredModel, tensor: StoredTensor): Float32Array {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  const out = new Float32Array(count);
  const bytes = model.bytes;
  let filled = 0;
  for (const g of protoFields(bytes, tensor.field.start, tensor.field.end)) {
    if (g.field === 9 && g.wire === 2) {
      // raw_data may sit at any byte offset; copy to an aligned buffer.
      new Uint8Array(out.buffer).set(bytes.subarray(g.start, g.end).subarray(0, count * 4));
      filled = (g.end - g.start) / 4;
    } else if (g.field === 4 && g.wire === 2) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + g.start, g.end - g.start);
      for (let k = 0; k < view.byteLength / 4; k++) out[filled++] = view.getFloat32(k * 4, true);
    } else if (g.field === 4 && g.wire === 5) {
      out[filled++] = new DataView(bytes.buffer, bytes.byteOffset + g.start, 4).getFloat32(0, true);
    }
  }
  if (filled !== count) throw new ModelToolsError('E_BAD_ONNX', `initializer ${tensor.name} holds ${filled} values, its dims [${tensor.dims.join(', ')}] need ${count}`);
  return out;
}

function packed(buf: Uint8Array, f: ProtoField): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 1;
  for (let pos = f.start; pos < f.end; pos++) {
    const b = buf[pos] as number;
    value += (b & 0x7f) * shift;
    if ((b & 0x80) === 0) {
      out.push(value);
      value = 0;
      shift = 1;
    } else shift *= 128;
  }
  return out;
}
