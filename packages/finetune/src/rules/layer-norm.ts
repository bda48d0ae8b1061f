import type { GraphBuilder } from '../graph-builder.js';
import type { Rule } from './rule.js';

/**
 * LayerNorm over the last axis of rows x [N, H]. The forward keeps x̂ and the inverse standard deviation;
 * backward: dγ = Σ dy ⊙ x̂, dβ = Σ dy, dx = inv ⊙ (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) with g = dy ⊙ γ.
 */
export function layerNorm(b: GraphBuilder, x: string, gamma: string, beta: string, eps: number): Rule {
  const centered = b.sub(x, b.reduceMean(x, [-1]));
  const variance = b.reduceMean(b.mul(centered, centered), [-1]);
  const inv = b.op('Reciprocal', [b.op('Sqrt', [b.add(variance, b.float(eps))])]);
  const xhat = b.mul(centered, inv);
  const y = b.add(b.mul(xhat, gamma), beta);
  return {
    y,
    back(dy) {
      b.addGrad(gamma, b.reduceSum(b.mul(dy, xhat), [0]));
      b.addGrad(beta, b.reduceSum(dy, [0]));
      const g = b.mul(dy, gamma);
      const inner = b.sub(b.sub(g, b.reduceMean(g, [-1])), b.mul(xhat, b.reduceMean(b.mul(g, xhat), [-1])));
      return b.mul(inv, inner);
    },
  };
}
