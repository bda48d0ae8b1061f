import type { GraphInfo, NodeInfo } from './graph-info.js';
import { blockScope } from './layer-outputs.js';
import { MessageWriter, fields } from './proto-wire.js';

// onnx.proto field numbers.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_OUTPUT = 12;
const NODE_INPUT = 1;
const VALUE_NAME = 1;
const INT64 = 7;

/** The last block's attention output projection in Hugging Face BERT / DistilBERT exports and ours. */
const OUTPUT_PROJECTION = /\/attention\/(output\/dense|out_lin|out)\/MatMul$/;

export const CLS_SLICE = 'bertkit_cls_only';

/**
 * For [CLS] pooling only position 0 of the last layer is read, yet a standard export computes every
 * position. In the last block, positions mix only inside attention; after it, the output projection,
 * the residual, both LayerNorms and the feed-forward are per position. This slices position 0 out of the
 * attention context and of the residual input, so those run on one position (3/4 of the block's FLOPs
 * saved) and `last_hidden_state` becomes [batch, 1, hidden]. Attention itself is left whole: exports
 * derive the shapes of its reshapes from the query, so slicing earlier breaks them.
 *
 * Returns null when the last block's output projection and residual cannot be identified (nothing is
 * guessed); the caller also checks the result numerically against the unmodified graph before using it.
 */
export function withClsShortcut(model: Uint8Array, graph: GraphInfo, hiddenStates: readonly string[], layers: number, hidden: number): Uint8Array | null {
  if (layers < 1 || (graph.opsetVersion ?? 0) < 10) return null;
  const scope = blockScope(graph, layers - 1);
  const input = hiddenStates[layers - 1];
  if (scope === null || input === undefined) return null;
  const inBlock = graph.nodes.map((node, index) => ({ node, index })).filter(({ node }) => node.name.startsWith(scope));
  const residual = inBlock.filter(({ node }) => node.opType === 'Add' && node.inputs.includes(input));
  const projection = inBlock.filter(({ node }) => (node.opType === 'MatMul' || node.opType === 'DynamicQuantizeMatMul') && OUTPUT_PROJECTION.test(node.name));
  const context = projection[0]?.node.inputs[0];
  if (residual.length !== 1 || projection.length !== 1 || context === undefined) return null;
  // node index -> [tensor it reads, the one-position slice to read instead]
  const rewire = new Map<number, [string, string]>([
    [projection[0]?.index as number, [context, `${CLS_SLICE}/${context}`]],
    [residual[0]?.index as number, [input, `${CLS_SLICE}/${input}`]],
  ]);
  const first = Math.min(...rewire.keys());
  const starts = `${CLS_SLICE}/starts`;
  const ends = `${CLS_SLICE}/ends`;
  const axes = `${CLS_SLICE}/axes`;
  const sliceNode = (from: string, to: string) =>
    new MessageWriter().message(
      GRAPH_NODE,
      new MessageWriter().string(1, from).string(1, starts).string(1, ends).string(1, axes).string(2, to).string(3, `/${to}/Slice`).string(4, 'Slice'),
    ).finish();
  const int64 = (name: string, value: number) => new MessageWriter().uint(1, 1).uint(2, INT64).string(8, name).bytes(9, new Uint8Array(new BigInt64Array([BigInt(value)]).buffer));

  const pieces: Uint8Array[] = [];
  for (const f of fields(model)) {
    if (f.field !== MODEL_GRAPH || f.wire !== 2) {
      pieces.push(model.subarray(f.begin, f.end));
      continue;
    }
    const body: Uint8Array[] = [];
    let nodeIndex = 0;
    for (const g of fields(model, f.start, f.end)) {
      const raw = model.subarray(g.begin, g.end);
      if (g.field === GRAPH_NODE && g.wire === 2) {
        if (nodeIndex === first) for (const [from, to] of rewire.values()) body.push(sliceNode(from, to));
        const node = graph.nodes[nodeIndex] as NodeInfo;
        const swap = rewire.get(nodeIndex);
        body.push(swap ? rewireNode(model, g.start, g.end, node, swap[0], swap[1]) : raw);
        nodeIndex++;
      } else if (g.field === GRAPH_OUTPUT && g.wire === 2 && outputName(model, g.start, g.end) === 'last_hidden_state') {
        body.push(lastHiddenState(hidden));
      } else body.push(raw);
    }
    for (const [name, value] of [[starts, 0], [ends, 1], [axes, 1]] as const) body.push(new MessageWriter().message(GRAPH_INITIALIZER, int64(name, value)).finish());
    pieces.push(lengthDelimited(MODEL_GRAPH, body));
  }
  return concat(pieces);
}

/** The node with `from` replaced by `to` among its inputs; every other field is kept byte for byte. */
function rewireNode(buf: Uint8Array, start: number, end: number, node: NodeInfo, from: string, to: string): Uint8Array {
  const inputs = new MessageWriter();
  for (const name of node.inputs) inputs.string(NODE_INPUT, name === from ? to : name);
  const parts: Uint8Array[] = [inputs.finish()];
  for (const f of fields(buf, start, end)) if (f.field !== NODE_INPUT) parts.push(buf.subarray(f.begin, f.end));
  return lengthDelimited(GRAPH_NODE, parts);
}

function lastHiddenState(hidden: number): Uint8Array {
  const dim = (d: MessageWriter) => d;
  const shape = new MessageWriter()
    .message(1, dim(new MessageWriter().string(2, 'batch_size')))
    .message(1, dim(new MessageWriter().uint(1, 1)))
    .message(1, dim(new MessageWriter().uint(1, hidden)));
  const type = new MessageWriter().message(1, new MessageWriter().uint(1, 1).message(2, shape));
  return new MessageWriter().message(GRAPH_OUTPUT, new MessageWriter().string(VALUE_NAME, 'last_hidden_state').message(2, type)).finish();
}

function outputName(buf: Uint8Array, start: number, end: number): string {
  for (const f of fields(buf, start, end)) if (f.field === VALUE_NAME && f.wire === 2) return new TextDecoder().decode(buf.subarray(f.start, f.end));
  return '';
}

function varintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function lengthDelimited(field: number, parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  return concat([Uint8Array.from([...varintBytes(field * 8 + 2), ...varintBytes(length)]), ...parts]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
