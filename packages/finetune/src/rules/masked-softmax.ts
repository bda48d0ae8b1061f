import type { GraphBuilder } from '../graph-builder.js';
import type { Rule } from './rule.js';

/**
 * Softmax over the last axis of `scores + maskBias` (maskBias: 0 where attended, float32 min where masked,
 * as transformers' extended attention mask). Backward: ds = P ⊙ (dP − Σ_last dP ⊙ P); masked entries have
 * P = 0 so get no gradient.
 */
export function maskedSoftmax(b: GraphBuilder, scores: string, maskBias: string): Rule {
  const y = b.op('Softmax', [b.add(scores, maskBias)], [{ name: 'axis', i: -1 }]);
  return {
    y,
    back(dy) {
      const dot = b.reduceSum(b.mul(dy, y), [-1], true);
      return b.mul(y, b.sub(dy, dot));
    },
  };
}

/** transformers' additive mask from a 0/1 attention mask [B, T]: [B, 1, 1, T], 0 or float32 min. */
export function attentionMaskBias(b: GraphBuilder, mask: string): string {
  const masked = b.sub(b.float(1), b.op('Cast', [mask], [{ name: 'to', i: 1 }]));
  return b.op('Unsqueeze', [b.mul(masked, b.float(-3.4028234663852886e38)), b.ints([1, 2])]);
}
