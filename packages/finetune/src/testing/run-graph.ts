import ort from 'onnxruntime-node';
import { GraphBuilder, TRAIN_OPSET } from '../graph-builder.js';

export interface TestInput {
  name: string;
  data: Float32Array | BigInt64Array;
  dims: number[];
}

/** Declares the inputs, builds with `body`, runs once on one thread and returns the named float outputs. */
export async function runGraph(
  inputs: TestInput[],
  body: (b: GraphBuilder) => Record<string, { tensor: string; rank: number }>,
): Promise<Record<string, Float32Array>> {
  const b = new GraphBuilder();
  for (const i of inputs) b.graph.input(i.name, i.data instanceof BigInt64Array ? 'int64' : 'float', i.dims);
  const outs = body(b);
  for (const [name, { tensor, rank }] of Object.entries(outs)) {
    b.named(name, 'Identity', [tensor]);
    b.graph.output(name, Array.from({ length: rank }, (_, d) => `${name}_${d}`));
  }
  const session = await ort.InferenceSession.create(b.graph.encode(TRAIN_OPSET, 'test'), { intraOpNumThreads: 1 });
  const feeds: Record<string, ort.Tensor> = {};
  for (const i of inputs) feeds[i.name] = new ort.Tensor(i.data instanceof BigInt64Array ? 'int64' : 'float32', i.data, i.dims);
  const result = await session.run(feeds);
  await session.release();
  const out: Record<string, Float32Array> = {};
  for (const name of Object.keys(outs)) out[name] = result[name]!.data as Float32Array;
  return out;
}

/** Deterministic values in [-scale, scale), float32-representable. */
export function randomFloats(count: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/** Central differences of a float64 scalar function at x, for every coordinate. */
export function numericGradient(f: (x: Float64Array) => number, at: ArrayLike<number>, h = 1e-6): Float64Array {
  const x = Float64Array.from(at);
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i]!;
    x[i] = keep + h;
    const up = f(x);
    x[i] = keep - h;
    const down = f(x);
    x[i] = keep;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** max |a − b| / max |b| — the error relative to the reference tensor's largest magnitude. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Σ w ⊙ y — the scalar whose gradient with respect to x is the backward of y = f(x) at upstream w. */
export function dot(w: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i]! * y[i]!;
  return s;
}
