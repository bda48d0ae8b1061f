import { OnnxGraph, SeededRandom } from '@bertkit/onnx-builder';
import type { Attribute } from '@bertkit/onnx-builder';

/** The opset the training graphs target: ReduceSum takes axes as an input, ReduceMean still as an attribute. */
export const TRAIN_OPSET = 17;

/**
 * An OnnxGraph plus what the backward pass needs: unique node names, cached constants and one gradient
 * per parameter, summed when a parameter is used more than once (the tied MLM decoder).
 */
export class GraphBuilder {
  readonly graph = new OnnxGraph();
  private count = 0;
  private seeds = 0;
  /** With a dropout seed: the stream the random nodes' seeds are drawn from. */
  private readonly seedStream: SeededRandom | null;
  private readonly constants = new Map<string, string>();
  private readonly grads = new Map<string, string>();

  /** `dropoutSeed`: seeds every random node from this number instead of the fixed 1000, 1001, ... */
  constructor(options: { dropoutSeed?: number } = {}) {
    this.seedStream = options.dropoutSeed === undefined ? null : new SeededRandom(options.dropoutSeed);
  }

  op(type: string, inputs: string[], attributes: Attribute[] = []): string {
    return this.graph.node(type, inputs, `${type}_${this.count++}`, attributes);
  }

  /** A node whose output gets a chosen name (graph outputs). */
  named(output: string, type: string, inputs: string[], attributes: Attribute[] = []): string {
    return this.graph.nodeNamed(type, inputs, output, `${type}_${this.count++}`, attributes);
  }

  /** A 1-D int64 constant (shapes, axes, indices). */
  ints(values: number[]): string {
    return this.cached(`i:${values.join(',')}`, () => this.graph.int64Tensor([values.length], values));
  }

  /** A 0-D int64 constant. */
  int(value: number): string {
    return this.cached(`i0:${value}`, () => this.graph.int64Tensor([], [value]));
  }

  float(value: number): string {
    return this.cached(`f:${value}`, () => this.graph.scalar(value));
  }

  floats(name: string, values: number[]): string {
    return this.cached(`fs:${values.join(',')}`, () => this.graph.floatTensor(name, [values.length], new Float32Array(values)));
  }

  reduceSum(x: string, axes: number[], keepdims = false): string {
    return this.op('ReduceSum', [x, this.ints(axes)], [{ name: 'keepdims', i: keepdims ? 1 : 0 }]);
  }

  reduceMean(x: string, axes: number[], keepdims = true): string {
    return this.op('ReduceMean', [x], [{ name: 'axes', ints: axes }, { name: 'keepdims', i: keepdims ? 1 : 0 }]);
  }

  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }

  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }

  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }

  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], [{ name: 'perm', ints: perm }]);
  }

  reshape(x: string, shape: string): string {
    return this.op('Reshape', [x, shape]);
  }

  /**
   * A seed per random node, so dropout masks differ between layers but repeat between builds with the same
   * options. Drawn seeds are integers below 2^24: the attribute is a float32, which holds them exactly.
   */
  nextSeed(): number {
    if (this.seedStream) return Math.floor(this.seedStream.uniform() * 0x1000000);
    return 1000 + this.seeds++;
  }

  /** Records a parameter's gradient, adding it to an earlier contribution. */
  addGrad(param: string, grad: string): void {
    const before = this.grads.get(param);
    this.grads.set(param, before === undefined ? grad : this.add(before, grad));
  }

  gradients(): ReadonlyMap<string, string> {
    return this.grads;
  }

  private cached(key: string, make: () => string): string {
    let name = this.constants.get(key);
    if (name === undefined) {
      name = make();
      this.constants.set(key, name);
    }
    return name;
  }
}
