import type { GraphBuilder } from '../graph-builder.js';
import type { Rule } from './rule.js';

/**
 * GELU with erf (PyTorch's default): y = x Φ(x); dy/dx = Φ(x) + x φ(x). The derivative is formed in the
 * forward, so the backward keeps one [N, F] tensor instead of x and Φ(x) (two of the largest activations
 * of a layer) and is a single Mul; the node count is the same.
 */
export function gelu(b: GraphBuilder, x: string): Rule {
  const cdf = b.mul(b.add(b.op('Erf', [b.mul(x, b.float(Math.SQRT1_2))]), b.float(1)), b.float(0.5));
  const y = b.mul(x, cdf);
  const pdf = b.mul(b.op('Exp', [b.mul(b.mul(x, x), b.float(-0.5))]), b.float(1 / Math.sqrt(2 * Math.PI)));
  const slope = b.add(cdf, b.mul(x, pdf));
  return {
    y,
    back(dy) {
      return b.mul(dy, slope);
    },
  };
}

/** tanh: dy/dx = 1 − y², from the saved output. */
export function tanh(b: GraphBuilder, x: string): Rule {
  const y = b.op('Tanh', [x]);
  return {
    y,
    back(dy) {
      return b.mul(dy, b.sub(b.float(1), b.mul(y, y)));
    },
  };
}

/** ReLU: the gradient passes where x > 0 (0 at x = 0, as PyTorch). */
export function relu(b: GraphBuilder, x: string): Rule {
  const y = b.op('Relu', [x]);
  return {
    y,
    back(dy) {
      return b.op('Where', [b.op('Greater', [x, b.float(0)]), dy, b.float(0)]);
    },
  };
}
