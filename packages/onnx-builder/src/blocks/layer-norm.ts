import type { GraphContext } from './graph-context.js';

/** LayerNorm over the last axis with the checkpoint's `key`.weight / `key`.bias; `width` defaults to hidden. */
export function layerNorm(ctx: GraphContext, x: string, key: string, scope: string, width = ctx.shape.hidden): string {
  const gamma = ctx.weight(`${key}.weight`, [width]);
  const beta = ctx.weight(`${key}.bias`, [width]);
  return ctx.g.node('LayerNormalization', [x, gamma, beta], `${scope}LayerNormalization`, [
    { name: 'axis', i: -1 },
    { name: 'epsilon', f: ctx.shape.layerNormEps },
  ]);
}
