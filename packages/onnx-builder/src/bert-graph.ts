import { OnnxGraph } from './onnx-graph.js';
/** Where weights come from: a SafetensorsFile, or anything that returns a tensor by checkpoint name. */
export interface WeightSource {
  read(name: string): Float32Array;
}

export interface EncoderShape {
  arch: 'bert' | 'distilbert';
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
  typeVocab: number;
  layerNormEps: number;
}

/** Checkpoint key names of each architecture, relative to the optional `bert.` / `distilbert.` prefix. */
function keys(arch: EncoderShape['arch']) {
  if (arch === 'bert') {
    return {
      layer: (i: number) => `encoder.layer.${i}.`,
      q: 'attention.self.query', k: 'attention.self.key', v: 'attention.self.value', o: 'attention.output.dense',
      ln1: 'attention.output.LayerNorm', ff1: 'intermediate.dense', ff2: 'output.dense', ln2: 'output.LayerNorm',
      scope: (i: number) => `/encoder/layer.${i}/`, ln1Scope: 'attention/output/LayerNorm/', ln2Scope: 'output/LayerNorm/',
    };
  }
  return {
    layer: (i: number) => `transformer.layer.${i}.`,
    q: 'attention.q_lin', k: 'attention.k_lin', v: 'attention.v_lin', o: 'attention.out_lin',
    ln1: 'sa_layer_norm', ff1: 'ffn.lin1', ff2: 'ffn.lin2', ln2: 'output_layer_norm',
    scope: (i: number) => `/transformer/layer.${i}/`, ln1Scope: 'sa_layer_norm/', ln2Scope: 'output_layer_norm/',
  };
}

/** PyTorch Linear stores [out, in]; MatMul wants [in, out]. */
function transposed(w: Float32Array, out: number, inn: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inn; i++) t[i * out + o] = w[o * inn + i] as number;
  return t;
}

/**
 * The BertModel / DistilBertModel forward pass as an opset-17 ONNX graph with Hugging Face export names
 * and interface: inputs input_ids, attention_mask (+ token_type_ids for BERT), output last_hidden_state.
 * Post-LN blocks, exact-erf GELU, masked scores pushed to the float minimum before softmax.
 */
export interface BuildOptions {
  /** Also output every hidden state as `hidden_states.0` (embeddings) .. `hidden_states.L`, like output_hidden_states. */
  hiddenStates?: boolean;
}

export function buildEncoderGraph(shape: EncoderShape, weights: WeightSource, prefix: string, options: BuildOptions = {}): Uint8Array {
  const g = new OnnxGraph();
  const k = keys(shape.arch);
  const w = (name: string) => weights.read(prefix + name);
  const H = shape.hidden;
  const heads = shape.heads;
  const d = H / heads;
  g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  if (shape.arch === 'bert') g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']);
  const linear = (x: string, key: string, out: number, inn: number, scope: string) => {
    const W = g.floatTensor(`${prefix}${key}.weight.T`, [inn, out], transposed(w(`${key}.weight`), out, inn));
    const b = g.floatTensor(`${prefix}${key}.bias`, [out], w(`${key}.bias`));
    return g.node('Add', [g.node('MatMul', [x, W], `${scope}MatMul`), b], `${scope}Add`);
  };
  const layerNorm = (x: string, key: string, scope: string) =>
    g.node('LayerNormalization', [x, g.floatTensor(`${prefix}${key}.weight`, [H], w(`${key}.weight`)), g.floatTensor(`${prefix}${key}.bias`, [H], w(`${key}.bias`))], `${scope}LayerNormalization`, [
      { name: 'axis', i: -1 },
      { name: 'epsilon', f: shape.layerNormEps },
    ]);

  // Embeddings
  const words = g.node('Gather', [g.floatTensor(`${prefix}embeddings.word_embeddings.weight`, [shape.vocab, H], w('embeddings.word_embeddings.weight')), 'input_ids'], '/embeddings/word_embeddings/Gather');
  const seqLen = g.node('Gather', [g.node('Shape', ['input_ids'], '/embeddings/Shape'), g.int64Tensor([], [1])], '/embeddings/Gather_len', [{ name: 'axis', i: 0 }]);
  const positionIds = g.node('Range', [g.int64Tensor([], [0]), seqLen, g.int64Tensor([], [1])], '/embeddings/Range');
  const positions = g.node('Gather', [g.floatTensor(`${prefix}embeddings.position_embeddings.weight`, [shape.maxPositions, H], w('embeddings.position_embeddings.weight')), positionIds], '/embeddings/position_embeddings/Gather');
  let sum = g.node('Add', [words, positions], '/embeddings/Add');
  if (shape.arch === 'bert') {
    const types = g.node('Gather', [g.floatTensor(`${prefix}embeddings.token_type_embeddings.weight`, [shape.typeVocab, H], w('embeddings.token_type_embeddings.weight')), 'token_type_ids'], '/embeddings/token_type_embeddings/Gather');
    sum = g.node('Add', [sum, types], '/embeddings/Add_1');
  }
  let x = layerNorm(sum, 'embeddings.LayerNorm', '/embeddings/LayerNorm/');
  const states = [x];

  // Additive mask [B, 1, 1, S]: 0 where attended, the float minimum where padded.
  const maskFloat = g.node('Cast', ['attention_mask'], '/mask/Cast', [{ name: 'to', i: 1 }]);
  const inverted = g.node('Sub', [g.scalar(1), maskFloat], '/mask/Sub');
  const additive = g.node('Mul', [inverted, g.scalar(-3.4028234663852886e38)], '/mask/Mul');
  const mask = g.node('Unsqueeze', [additive, g.int64Tensor([2], [1, 2])], '/mask/Unsqueeze');
  const splitHeads = g.int64Tensor([4], [0, 0, heads, d]);
  const mergeHeads = g.int64Tensor([3], [0, 0, H]);
  const scale = g.scalar(Math.sqrt(d));
  const halfSqrt2 = g.scalar(Math.SQRT2);

  for (let i = 0; i < shape.layers; i++) {
    const s = k.scope(i);
    const key = (part: string) => `${k.layer(i)}${part}`;
    const heads4 = (t: string, name: string, perm: number[]) =>
      g.node('Transpose', [g.node('Reshape', [t, splitHeads], `${s}attention/${name}/Reshape`)], `${s}attention/${name}/Transpose`, [{ name: 'perm', ints: perm }]);
    const q = heads4(linear(x, key(k.q), H, H, `${s}attention/q/`), 'q', [0, 2, 1, 3]);
    const kT = heads4(linear(x, key(k.k), H, H, `${s}attention/k/`), 'k', [0, 2, 3, 1]);
    const v = heads4(linear(x, key(k.v), H, H, `${s}attention/v/`), 'v', [0, 2, 1, 3]);
    const scores = g.node('Div', [g.node('MatMul', [q, kT], `${s}attention/MatMul`), scale], `${s}attention/Div`);
    const probs = g.node('Softmax', [g.node('Add', [scores, mask], `${s}attention/Add_mask`)], `${s}attention/Softmax`, [{ name: 'axis', i: -1 }]);
    const context = g.node('MatMul', [probs, v], `${s}attention/MatMul_1`);
    const merged = g.node('Reshape', [g.node('Transpose', [context], `${s}attention/Transpose_out`, [{ name: 'perm', ints: [0, 2, 1, 3] }]), mergeHeads], `${s}attention/Reshape_out`);
    const attention = linear(merged, key(k.o), H, H, `${s}attention/out/`);
    const x1 = layerNorm(g.node('Add', [attention, x], `${s}attention/Add_residual`), key(k.ln1), `${s}${k.ln1Scope}`);
    const h = linear(x1, key(k.ff1), shape.intermediate, H, `${s}ffn/in/`);
    const erf = g.node('Erf', [g.node('Div', [h, halfSqrt2], `${s}ffn/gelu/Div`)], `${s}ffn/gelu/Erf`);
    const gelu = g.node('Mul', [g.node('Mul', [h, g.scalar(0.5)], `${s}ffn/gelu/Mul`), g.node('Add', [erf, g.scalar(1)], `${s}ffn/gelu/Add`)], `${s}ffn/gelu/Mul_1`);
    const out = linear(gelu, key(k.ff2), H, shape.intermediate, `${s}ffn/out/`);
    x = layerNorm(g.node('Add', [out, x1], `${s}Add_residual`), key(k.ln2), `${s}${k.ln2Scope}`);
    states.push(x);
  }
  g.output('last_hidden_state', ['batch_size', 'sequence_length', H]);
  g.nodeNamed('Identity', [x], 'last_hidden_state', '/Identity_last_hidden_state');
  if (options.hiddenStates) {
    states.forEach((state, i) => {
      g.output(`hidden_states.${i}`, ['batch_size', 'sequence_length', H]);
      g.nodeNamed('Identity', [state], `hidden_states.${i}`, `/Identity_hidden_states.${i}`);
    });
  }
  return g.encode(17, 'bertkit-onnx-builder');
}
