import type { GraphContext } from './graph-context.js';

/** Additive mask [B, 1, 1, S]: 0 where attended, the float32 minimum where padded (as transformers). */
export function attentionMask(ctx: GraphContext): string {
  const g = ctx.g;
  const maskFloat = g.node('Cast', ['attention_mask'], '/mask/Cast', [{ name: 'to', i: 1 }]);
  const inverted = g.node('Sub', [g.scalar(1), maskFloat], '/mask/Sub');
  const additive = g.node('Mul', [inverted, g.scalar(-3.4028234663852886e38)], '/mask/Mul');
  return g.node('Unsqueeze', [additive, g.int64Tensor([2], [1, 2])], '/mask/Unsqueeze');
}

export interface AttentionKeys {
  q: string;
  k: string;
  v: string;
  /** The output projection. Its node scope is `<block>attention/out/`, which @bertkit/encoder's [CLS] shortcut looks for. */
  o: string;
}

/**
 * Multi-head scaled dot-product self-attention with the output projection (no residual, no norm):
 * softmax(q k^T / sqrt(d) + bias + mask) v, then o. `bias` is an additive [1 or B, heads, S, S] term
 * (MPNet's relative position bias) or null.
 */
export function selfAttention(ctx: GraphContext, x: string, mask: string, keys: AttentionKeys, scope: string, bias: string | null): string {
  const { g, shape } = ctx;
  const H = shape.hidden;
  const d = H / shape.heads;
  const s = `${scope}attention/`;
  const split = g.int64Tensor([4], [0, 0, shape.heads, d]);
  const heads4 = (t: string, name: string, perm: number[]) =>
    g.node('Transpose', [g.node('Reshape', [t, split], `${s}${name}/Reshape`)], `${s}${name}/Transpose`, [{ name: 'perm', ints: perm }]);
  const q = heads4(ctx.linear(x, keys.q, H, H, `${s}q/`), 'q', [0, 2, 1, 3]);
  const kT = heads4(ctx.linear(x, keys.k, H, H, `${s}k/`), 'k', [0, 2, 3, 1]);
  const v = heads4(ctx.linear(x, keys.v, H, H, `${s}v/`), 'v', [0, 2, 1, 3]);
  let scores = g.node('Div', [g.node('MatMul', [q, kT], `${s}MatMul`), g.scalar(Math.sqrt(d))], `${s}Div`);
  if (bias !== null) scores = g.node('Add', [scores, bias], `${s}Add_bias`);
  const probs = g.node('Softmax', [g.node('Add', [scores, mask], `${s}Add_mask`)], `${s}Softmax`, [{ name: 'axis', i: -1 }]);
  const context = g.node('MatMul', [probs, v], `${s}MatMul_1`);
  const merged = g.node('Reshape', [g.node('Transpose', [context], `${s}Transpose_out`, [{ name: 'perm', ints: [0, 2, 1, 3] }]), g.int64Tensor([3], [0, 0, H])], `${s}Reshape_out`);
  return ctx.linear(merged, keys.o, H, H, `${s}out/`);
}
