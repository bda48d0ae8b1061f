import { OnnxGraph } from '../onnx-graph.js';
import type { EncoderShape } from '../spec.js';

/** Where weights come from: a checkpoint seen through a family's names, or anything keyed the same way. */
export interface WeightSource {
  read(name: string): Float32Array;
}

/** PyTorch Linear stores [out, in]; MatMul wants [in, out]. */
export function transposed(w: Float32Array, out: number, inn: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inn; i++) t[i * out + o] = w[o * inn + i] as number;
  return t;
}

/**
 * The graph under construction with the checkpoint it reads from. Blocks take it as their first argument;
 * weights are keyed by checkpoint name (`base()` adds the base model's prefix), and each weight becomes
 * one initializer however many nodes read it (ALBERT applies one layer's weights N times).
 */
export class GraphContext {
  readonly g = new OnnxGraph();
  private readonly initializers = new Map<string, string>();

  constructor(
    readonly shape: EncoderShape,
    private readonly weights: WeightSource,
    /** The base model's key prefix in this checkpoint: '', 'bert.', 'roberta.', ... */
    readonly prefix: string,
  ) {}

  /** A key of the base model (`embeddings.word_embeddings.weight`) as stored in this checkpoint. */
  base(key: string): string {
    return this.prefix + key;
  }

  read(name: string): Float32Array {
    return this.weights.read(name);
  }

  /** The tensor `name` as an initializer (optionally transformed once, e.g. transposed). */
  weight(name: string, dims: number[], transform?: (w: Float32Array) => Float32Array, initializer = name): string {
    const known = this.initializers.get(initializer);
    if (known !== undefined) return known;
    const data = this.weights.read(name);
    this.g.floatTensor(initializer, dims, transform ? transform(data) : data);
    this.initializers.set(initializer, initializer);
    return initializer;
  }

  /** y = x W^T + b for a PyTorch Linear stored under `key` (.weight [out, in], .bias [out]). */
  linear(x: string, key: string, out: number, inn: number, scope: string): string {
    const W = this.weight(`${key}.weight`, [inn, out], (w) => transposed(w, out, inn), `${key}.weight.T`);
    const b = this.weight(`${key}.bias`, [out]);
    return this.g.node('Add', [this.g.node('MatMul', [x, W], `${scope}MatMul`), b], `${scope}Add`);
  }
}
