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

/**
 * transformers' gelu_new (ALBERT's default; "gelu_pytorch_tanh"): y = ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³);
 * dy/dx = ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²). The slope is formed in the forward, as gelu's.
 */
export function geluTanh(b: GraphBuilder, x: string): Rule {
  const c = Math.sqrt(2 / Math.PI);
  const x2 = b.mul(x, x);
  const t = b.op('Tanh', [b.mul(b.mul(x, b.add(b.mul(x2, b.float(0.044715)), b.float(1))), b.float(c))]);
  const half = b.mul(b.add(t, b.float(1)), b.float(0.5));
  const y = b.mul(x, half);
  const du = b.mul(b.add(b.mul(x2, b.float(3 * 0.044715)), b.float(1)), b.float(c));
  const slope = b.add(half, b.mul(b.mul(b.mul(x, b.float(0.5)), b.sub(b.float(1), b.mul(t, t))), du));
  return {
    y,
    back(dy) {
      return b.mul(dy, slope);
    },
  };
}

export type ActivationKind = 'gelu' | 'gelu_new' | 'tanh' | 'relu';

/** The activation a config or a head names (hidden_act's gelu / gelu_new; a head's tanh or relu). */
export function activation(b: GraphBuilder, x: string, kind: ActivationKind = 'gelu'): Rule {
  const rules = { gelu, gelu_new: geluTanh, tanh, relu };
  return rules[kind](b, x);
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
