import { EncoderError } from '../errors.js';
import type { GraphInfo } from './graph-info.js';
import { MessageWriter } from './proto-wire.js';

/**
 * Where each transformer block's output lives in a Hugging Face export, as the scope its final
 * LayerNorm was traced in: BERT-style (`/encoder/layer.N/output/LayerNorm/...`, one LayerNormalization or
 * a decomposed chain) and DistilBERT-style (`/transformer/layer.N/output_layer_norm/...`).
 */
const LAYER_SCOPES = [(i: number) => `/encoder/layer.${i}/output/LayerNorm/`, (i: number) => `/transformer/layer.${i}/output_layer_norm/`];
const EMBEDDING_SCOPES = ['/embeddings/LayerNorm/'];
/** The scope of block i as a whole, for each naming in LAYER_SCOPES (same order). */
const BLOCK_SCOPES = [(i: number) => `/encoder/layer.${i}/`, (i: number) => `/transformer/layer.${i}/`];

/** The tensor of the last node traced in `scope` (nodes are in topological order), or null. */
function lastOutputIn(graph: GraphInfo, scope: string): string | null {
  let found: string | null = null;
  for (const node of graph.nodes) if (node.name.startsWith(scope) && node.outputs[0]) found = node.outputs[0];
  return found;
}

/** Follows Identity nodes from `tensor` and says whether it reaches `target`. */
function reaches(graph: GraphInfo, tensor: string, target: string): boolean {
  let current = tensor;
  for (let guard = 0; guard < 16; guard++) {
    if (current === target) return true;
    const next = graph.nodes.find((n) => n.opType === 'Identity' && n.inputs[0] === current);
    if (!next || !next.outputs[0]) return false;
    current = next.outputs[0];
  }
  return false;
}

/** The node-name prefix of transformer block `index` (e.g. `/encoder/layer.5/`), or null. */
export function blockScope(graph: GraphInfo, index: number): string | null {
  const k = LAYER_SCOPES.findIndex((scope) => lastOutputIn(graph, scope(index)) !== null);
  return k < 0 ? null : (BLOCK_SCOPES[k] as (i: number) => string)(index);
}

/**
 * Names of hidden_states[0..layers] (embeddings, then each block's output), as in transformers'
 * `output_hidden_states`. Throws a clear error when the blocks cannot be identified, rather than guess a
 * tensor that would silently give wrong features.
 */
export function findHiddenStates(graph: GraphInfo, layers: number, file: string): string[] {
  const scopes = LAYER_SCOPES.find((scope) => lastOutputIn(graph, scope(0)) !== null);
  const fail = (why: string): EncoderError =>
    new EncoderError(
      'E_LAYERS_UNAVAILABLE',
      `${file}: cannot find the transformer blocks' outputs (${why}); intermediate layers need a Hugging Face style export whose node names keep the module path (e.g. /encoder/layer.0/output/LayerNorm/...). Pooling from the last layer still works.`,
      { file },
    );
  if (!scopes) throw fail('no node named like /encoder/layer.0/output/LayerNorm/ or /transformer/layer.0/output_layer_norm/');
  const names: string[] = [];
  const embedding = EMBEDDING_SCOPES.map((s) => lastOutputIn(graph, s)).find((t) => t !== null);
  if (!embedding) throw fail('no /embeddings/LayerNorm/ node');
  names.push(embedding);
  for (let i = 0; i < layers; i++) {
    const tensor = lastOutputIn(graph, scopes(i));
    if (!tensor) throw fail(`layer ${i} of ${layers} (config.json) has no output LayerNorm node`);
    names.push(tensor);
  }
  if (lastOutputIn(graph, scopes(layers)) !== null) throw fail(`the graph has more than the ${layers} layers config.json declares`);
  if (!reaches(graph, names[layers] as string, 'last_hidden_state')) {
    throw fail(`the last block's output ${JSON.stringify(names[layers])} is not what last_hidden_state returns`);
  }
  return names;
}

// onnx.proto field numbers for the outputs appended below.
const MODEL_GRAPH = 7;
const GRAPH_OUTPUT = 12;
const VALUE_NAME = 1;
const VALUE_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_ELEM_TYPE = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const DIM_PARAM = 2;
const FLOAT = 1;

/**
 * The model with `names` added as graph outputs (float, [batch, sequence, hidden]). Protobuf merges a
 * repeated embedded message field, so a second `graph` holding only the new outputs is appended to the
 * original bytes: the weights are neither decoded nor re-encoded.
 */
export function withExtraOutputs(model: Uint8Array, names: readonly string[], hidden: number): Uint8Array {
  const graph = new MessageWriter();
  for (const name of names) {
    const shape = new MessageWriter()
      .message(SHAPE_DIM, new MessageWriter().string(DIM_PARAM, 'batch_size'))
      .message(SHAPE_DIM, new MessageWriter().string(DIM_PARAM, 'sequence_length'))
      .message(SHAPE_DIM, new MessageWriter().uint(DIM_VALUE, hidden));
    const tensor = new MessageWriter().uint(TENSOR_ELEM_TYPE, FLOAT).message(TENSOR_SHAPE, shape);
    const type = new MessageWriter().message(TYPE_TENSOR, tensor);
    graph.message(GRAPH_OUTPUT, new MessageWriter().string(VALUE_NAME, name).message(VALUE_TYPE, type));
  }
  const extra = new MessageWriter().message(MODEL_GRAPH, graph).finish();
  const out = new Uint8Array(model.length + extra.length);
  out.set(model, 0);
  out.set(extra, model.length);
  return out;
}
