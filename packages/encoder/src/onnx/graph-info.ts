import { type Field, WireError, fields, text } from './proto-wire.js';

export interface NodeInfo {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
}

export interface TensorInfo {
  name: string;
  dims: number[];
}

/** The structure of an ONNX model: nodes in graph (topological) order, inputs, outputs, initializer shapes. */
export interface GraphInfo {
  nodes: NodeInfo[];
  inputs: string[];
  outputs: string[];
  initializers: TensorInfo[];
  /** Whether any initializer keeps its data in an external file. */
  externalData: boolean;
  opsetVersion: number | null;
}

// ONNX field numbers (onnx.proto).
const MODEL_GRAPH = 7;
const MODEL_OPSET = 8;
const OPSET_VERSION = 2;
const OPSET_DOMAIN = 1;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP = 4;
const VALUE_NAME = 1;
const TENSOR_DIMS = 1;
const TENSOR_NAME = 8;
const TENSOR_DATA_LOCATION = 14;
const DATA_LOCATION_EXTERNAL = 1;

/** Reads the graph structure; throws WireError for bytes that are not a well-formed ONNX model. */
export function readGraphInfo(model: Uint8Array): GraphInfo {
  const info: GraphInfo = { nodes: [], inputs: [], outputs: [], initializers: [], externalData: false, opsetVersion: null };
  let sawGraph = false;
  for (const f of fields(model)) {
    if (f.field === MODEL_GRAPH && f.wire === 2) {
      sawGraph = true;
      readGraph(model, f, info);
    } else if (f.field === MODEL_OPSET && f.wire === 2) {
      let domain = '';
      let version = 0;
      for (const g of fields(model, f.start, f.end)) {
        if (g.field === OPSET_DOMAIN && g.wire === 2) domain = text(model, g);
        if (g.field === OPSET_VERSION && g.wire === 0) version = g.value;
      }
      if (domain === '' || domain === 'ai.onnx') info.opsetVersion = version;
    }
  }
  if (!sawGraph) throw new WireError('no graph in the model');
  return info;
}

function readGraph(buf: Uint8Array, graph: Field, info: GraphInfo): void {
  for (const f of fields(buf, graph.start, graph.end)) {
    if (f.wire !== 2) continue;
    if (f.field === GRAPH_NODE) {
      const node: NodeInfo = { name: '', opType: '', inputs: [], outputs: [] };
      for (const g of fields(buf, f.start, f.end)) {
        if (g.wire !== 2) continue;
        if (g.field === NODE_INPUT) node.inputs.push(text(buf, g));
        else if (g.field === NODE_OUTPUT) node.outputs.push(text(buf, g));
        else if (g.field === NODE_NAME) node.name = text(buf, g);
        else if (g.field === NODE_OP) node.opType = text(buf, g);
      }
      info.nodes.push(node);
    } else if (f.field === GRAPH_INPUT || f.field === GRAPH_OUTPUT) {
      for (const g of fields(buf, f.start, f.end)) {
        if (g.field === VALUE_NAME && g.wire === 2) (f.field === GRAPH_INPUT ? info.inputs : info.outputs).push(text(buf, g));
      }
    } else if (f.field === GRAPH_INITIALIZER) {
      const tensor: TensorInfo = { name: '', dims: [] };
      for (const g of fields(buf, f.start, f.end)) {
        if (g.field === TENSOR_NAME && g.wire === 2) tensor.name = text(buf, g);
        else if (g.field === TENSOR_DIMS && g.wire === 0) tensor.dims.push(g.value);
        else if (g.field === TENSOR_DIMS && g.wire === 2) tensor.dims.push(...packedVarints(buf, g));
        else if (g.field === TENSOR_DATA_LOCATION && g.wire === 0 && g.value === DATA_LOCATION_EXTERNAL) info.externalData = true;
      }
      info.initializers.push(tensor);
    }
  }
}

function packedVarints(buf: Uint8Array, f: Field): number[] {
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
