import type { AttentionKeys } from './attention.js';
import { selfAttention } from './attention.js';
import { feedForward } from './feed-forward.js';
import type { GraphContext } from './graph-context.js';
import { layerNorm } from './layer-norm.js';

/** Checkpoint keys of one post-LN transformer layer. */
export interface LayerKeys extends AttentionKeys {
  attentionNorm: string;
  ffIn: string;
  ffOut: string;
  outputNorm: string;
}

/**
 * Node scopes of one layer. @bertkit/encoder finds hidden_states[i] as the last node of `block` +
 * `outputNorm` (`/encoder/layer.N/output/LayerNorm/` or `/transformer/layer.N/output_layer_norm/`), so every
 * family keeps one of those two namings whatever its checkpoint calls the module.
 */
export interface LayerScopes {
  block: string;
  attentionNorm: string;
  outputNorm: string;
}

export const BERT_SCOPES = (i: number): LayerScopes => ({ block: `/encoder/layer.${i}/`, attentionNorm: 'attention/output/LayerNorm/', outputNorm: 'output/LayerNorm/' });

/** x1 = LN(x + attention(x)); out = LN(x1 + ffn(x1)): the layer of every family here. */
export function transformerLayer(ctx: GraphContext, x: string, mask: string, keys: LayerKeys, scopes: LayerScopes, bias: string | null = null): string {
  const g = ctx.g;
  const s = scopes.block;
  const attention = selfAttention(ctx, x, mask, keys, s, bias);
  const x1 = layerNorm(ctx, g.node('Add', [attention, x], `${s}attention/Add_residual`), keys.attentionNorm, `${s}${scopes.attentionNorm}`);
  const out = feedForward(ctx, x1, keys.ffIn, keys.ffOut, s);
  return layerNorm(ctx, g.node('Add', [out, x1], `${s}Add_residual`), keys.outputNorm, `${s}${scopes.outputNorm}`);
}
