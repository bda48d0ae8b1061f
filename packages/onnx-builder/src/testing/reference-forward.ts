import { relativePositionBucket } from '../blocks/relative-position.js';
import type { WeightSource } from '../blocks/graph-context.js';
import type { EncoderShape } from '../spec.js';
import { erf } from './erf.js';

/**
 * The forward pass of every family written out plainly in TypeScript (float64 accumulation, no batching,
 * no tricks, its own copy of the key names), as an independent check of the ONNX graph at sizes and for
 * families (MPNet) where no PyTorch reference exists here. Returns every hidden state, [layers + 1][length * hidden].
 */
export function referenceForward(shape: EncoderShape, weights: WeightSource, prefix: string, ids: number[], typeIds?: number[]): Float32Array[] {
  const H = shape.hidden;
  const n = ids.length;
  const heads = shape.heads;
  const d = H / heads;
  const w = (name: string) => weights.read(prefix + name);
  const E = shape.embeddingSize;
  const paddingOffset = ['roberta', 'xlm-roberta', 'camembert', 'mpnet'].includes(shape.arch);
  const word = w('embeddings.word_embeddings.weight');
  const pos = w('embeddings.position_embeddings.weight');
  const types = shape.typeVocab > 0 ? w('embeddings.token_type_embeddings.weight') : null;
  // RoBERTa / MPNet: create_position_ids_from_input_ids, positions over non-pad tokens after padding_idx.
  let counted = 0;
  const positionIds = ids.map((id, t) => (paddingOffset ? (id === shape.padTokenId ? shape.padTokenId : shape.padTokenId + ++counted) : t));
  let x = new Float64Array(n * E);
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < E; j++) {
      let v = (word[(ids[t] as number) * E + j] as number) + (pos[(positionIds[t] as number) * E + j] as number);
      if (types) v += types[(typeIds?.[t] ?? 0) * E + j] as number;
      x[t * E + j] = v;
    }
  }
  const layerNorm = (v: Float64Array, key: string, H = shape.hidden) => {
    const g = w(`${key}.weight`);
    const b = w(`${key}.bias`);
    const out = new Float64Array(v.length);
    for (let t = 0; t < n; t++) {
      let mean = 0;
      for (let j = 0; j < H; j++) mean += v[t * H + j] as number;
      mean /= H;
      let variance = 0;
      for (let j = 0; j < H; j++) variance += ((v[t * H + j] as number) - mean) ** 2;
      variance /= H;
      const inv = 1 / Math.sqrt(variance + shape.layerNormEps);
      for (let j = 0; j < H; j++) out[t * H + j] = ((v[t * H + j] as number) - mean) * inv * (g[j] as number) + (b[j] as number);
    }
    return out;
  };
  // PyTorch Linear: y = x W^T + b with W stored [out, in].
  const linear = (v: Float64Array, key: string, out: number, inn: number) => {
    const W = w(`${key}.weight`);
    const b = w(`${key}.bias`);
    const y = new Float64Array(n * out);
    for (let t = 0; t < n; t++) {
      for (let o = 0; o < out; o++) {
        let s = b[o] as number;
        for (let i = 0; i < inn; i++) s += (v[t * inn + i] as number) * (W[o * inn + i] as number);
        y[t * out + o] = s;
      }
    }
    return y;
  };
  const gelu = (z: number) =>
    shape.activation === 'gelu' ? 0.5 * z * (1 + erf(z / Math.SQRT2)) : 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3)));
  const albertGroup = (l: number) => `encoder.albert_layer_groups.${Math.floor(l / (shape.layers / shape.hiddenGroups))}.albert_layers.0.`;
  const names =
    shape.arch === 'distilbert'
      ? { layer: (l: number) => `transformer.layer.${l}.`, q: 'attention.q_lin', k: 'attention.k_lin', v: 'attention.v_lin', o: 'attention.out_lin', ln1: 'sa_layer_norm', f1: 'ffn.lin1', f2: 'ffn.lin2', ln2: 'output_layer_norm' }
      : shape.arch === 'albert'
        ? { layer: albertGroup, q: 'attention.query', k: 'attention.key', v: 'attention.value', o: 'attention.dense', ln1: 'attention.LayerNorm', f1: 'ffn', f2: 'ffn_output', ln2: 'full_layer_layer_norm' }
        : shape.arch === 'mpnet'
          ? { layer: (l: number) => `encoder.layer.${l}.`, q: 'attention.attn.q', k: 'attention.attn.k', v: 'attention.attn.v', o: 'attention.attn.o', ln1: 'attention.LayerNorm', f1: 'intermediate.dense', f2: 'output.dense', ln2: 'output.LayerNorm' }
          : { layer: (l: number) => `encoder.layer.${l}.`, q: 'attention.self.query', k: 'attention.self.key', v: 'attention.self.value', o: 'attention.output.dense', ln1: 'attention.output.LayerNorm', f1: 'intermediate.dense', f2: 'output.dense', ln2: 'output.LayerNorm' };
  x = layerNorm(x, 'embeddings.LayerNorm', E);
  const projection = shape.arch === 'albert' ? 'encoder.embedding_hidden_mapping_in' : shape.arch === 'electra' && E !== H ? 'embeddings_project' : null;
  if (projection) x = linear(x, projection, H, E);
  // MPNet: bias[h][a][b] = relative_attention_bias[bucket(b - a)][h], the same for every layer.
  const relative = shape.arch === 'mpnet' ? w('encoder.relative_attention_bias.weight') : null;
  const states = [Float32Array.from(x)];
  for (let l = 0; l < shape.layers; l++) {
    const p = names.layer(l);
    const q = linear(x, p + names.q, H, H);
    const k = linear(x, p + names.k, H, H);
    const v = linear(x, p + names.v, H, H);
    const context = new Float64Array(n * H);
    const scores = new Float64Array(n);
    for (let h = 0; h < heads; h++) {
      for (let a = 0; a < n; a++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let b = 0; b < n; b++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += (q[a * H + h * d + j] as number) * (k[b * H + h * d + j] as number);
          scores[b] = s / Math.sqrt(d) + (relative ? (relative[relativePositionBucket(b - a) * heads + h] as number) : 0);
          max = Math.max(max, scores[b] as number);
        }
        let sum = 0;
        for (let b = 0; b < n; b++) {
          scores[b] = Math.exp((scores[b] as number) - max);
          sum += scores[b] as number;
        }
        for (let j = 0; j < d; j++) {
          let s = 0;
          for (let b = 0; b < n; b++) s += ((scores[b] as number) / sum) * (v[b * H + h * d + j] as number);
          context[a * H + h * d + j] = s;
        }
      }
    }
    const attention = linear(context, p + names.o, H, H);
    for (let i = 0; i < attention.length; i++) attention[i] = (attention[i] as number) + (x[i] as number);
    const x1 = layerNorm(attention, p + names.ln1);
    const hidden = linear(x1, p + names.f1, shape.intermediate, H);
    for (let i = 0; i < hidden.length; i++) {
      hidden[i] = gelu(hidden[i] as number);
    }
    const out = linear(hidden, p + names.f2, H, shape.intermediate);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (x1[i] as number);
    x = layerNorm(out, p + names.ln2);
    states.push(Float32Array.from(x));
  }
  return states;
}
