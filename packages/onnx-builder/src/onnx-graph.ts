import { ProtoWriter } from './proto-writer.js';

export type Attribute = { name: string } & ({ f: number } | { i: number } | { ints: number[] });

const FLOAT = 1;
const INT64 = 7;

/** A small ONNX graph under construction, encoded to a ModelProto at the end. */
export class OnnxGraph {
  private readonly nodes: ProtoWriter[] = [];
  private readonly initializers: ProtoWriter[] = [];
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private readonly metadata: Array<[string, string]> = [];
  private counter = 0;

  /** Adds a node; returns its output tensor name (`name` + '_output_0', as exporters name them). */
  node(opType: string, inputs: string[], name: string, attributes: Attribute[] = []): string {
    return this.nodeNamed(opType, inputs, `${name}_output_0`, name, attributes);
  }

  /** Adds a node whose output has the given name (graph outputs). */
  nodeNamed(opType: string, inputs: string[], output: string, name: string, attributes: Attribute[] = []): string {
    this.nodes.push(encodeNode({ opType, inputs, outputs: [output], name, attributes }));
    return output;
  }

  floatTensor(name: string, dims: number[], data: Float32Array): string {
    const t = new ProtoWriter();
    for (const d of dims) t.int(1, d);
    t.int(2, FLOAT).string(8, name).bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.initializers.push(t);
    return name;
  }

  int64Tensor(dims: number[], values: number[]): string {
    const name = `const_${this.counter++}`;
    const t = new ProtoWriter();
    for (const d of dims) t.int(1, d);
    t.int(2, INT64).string(8, name).bytes(9, new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer));
    this.initializers.push(t);
    return name;
  }

  scalar(value: number): string {
    return this.floatTensor(`const_${this.counter++}`, [], new Float32Array([value]));
  }

  input(name: string, elemType: 'int64' | 'float', dims: Array<string | number>): void {
    this.inputs.push(valueInfo(name, elemType === 'int64' ? INT64 : FLOAT, dims));
  }

  output(name: string, dims: Array<string | number>): void {
    this.outputs.push(valueInfo(name, FLOAT, dims));
  }

  /** A ModelProto metadata_props entry (onnxruntime exposes them as the session's custom metadata). */
  meta(key: string, value: string): void {
    this.metadata.push([key, value]);
  }

  encode(opset: number, producer: string): Uint8Array {
    const graph = new ProtoWriter();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, 'main_graph');
    for (const t of this.initializers) graph.message(5, t);
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);
    const model = new ProtoWriter()
      .int(1, 8)
      .string(2, producer)
      .message(7, graph)
      .message(8, new ProtoWriter().string(1, '').int(2, opset));
    for (const [key, value] of this.metadata) model.message(14, new ProtoWriter().string(1, key).string(2, value));
    return model.finish();
  }
}

function valueInfo(name: string, elemType: number, dims: Array<string | number>): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensor = new ProtoWriter().int(1, elemType).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
}

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Attribute[];
  /** Operator domain, e.g. 'com.microsoft' for onnxruntime's contrib operators. */
  domain?: string;
}

/** A NodeProto. */
export function encodeNode(spec: NodeSpec): ProtoWriter {
  const node = new ProtoWriter();
  for (const i of spec.inputs) node.string(1, i);
  for (const o of spec.outputs) node.string(2, o);
  node.string(3, spec.name).string(4, spec.opType);
  for (const a of spec.attributes ?? []) {
    const attr = new ProtoWriter().string(1, a.name);
    if ('f' in a) attr.float(2, a.f).int(20, 1);
    else if ('i' in a) attr.int(3, a.i).int(20, 2);
    else {
      for (const v of a.ints) attr.int(8, v);
      attr.int(20, 7);
    }
    node.message(5, attr);
  }
  if (spec.domain) node.string(7, spec.domain);
  return node;
}

/** A TensorProto with raw little-endian data (ONNX data_type codes: 1 float, 3 int8, 7 int64). */
export function encodeTensor(name: string, dims: readonly number[], dataType: number, raw: Uint8Array): ProtoWriter {
  const t = new ProtoWriter();
  for (const d of dims) t.int(1, d);
  return t.int(2, dataType).string(8, name).bytes(9, raw);
}
