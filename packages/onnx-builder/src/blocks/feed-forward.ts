import { activation } from './activations.js';
import type { GraphContext } from './graph-context.js';

/** Linear up to intermediate, the family's activation, Linear back to hidden (no residual, no norm). */
export function feedForward(ctx: GraphContext, x: string, inKey: string, outKey: string, scope: string): string {
  const { shape } = ctx;
  const h = ctx.linear(x, inKey, shape.intermediate, shape.hidden, `${scope}ffn/in/`);
  return ctx.linear(activation(ctx, h, shape.activation, `${scope}ffn/`), outKey, shape.hidden, shape.intermediate, `${scope}ffn/out/`);
}
