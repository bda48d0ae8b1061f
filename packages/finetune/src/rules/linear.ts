import type { GraphBuilder } from '../graph-builder.js';
import type { Rule } from './rule.js';

/**
 * y = x Wᵀ + b on rows x [N, in], W [out, in] (PyTorch's nn.Linear layout).
 * Backward: dx = dy W, dW = dyᵀ x, db = Σ_rows dy.
 */
export function linear(b: GraphBuilder, x: string, weight: string, bias: string): Rule {
  const y = b.op('Gemm', [x, weight, bias], [{ name: 'transB', i: 1 }]);
  return {
    y,
    back(dy) {
      b.addGrad(weight, b.op('Gemm', [dy, x], [{ name: 'transA', i: 1 }]));
      b.addGrad(bias, b.reduceSum(dy, [0]));
      return b.op('MatMul', [dy, weight]);
    },
  };
}
