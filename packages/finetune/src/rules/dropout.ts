import type { GraphBuilder } from '../graph-builder.js';
import type { Rule } from './rule.js';

/**
 * Inverted dropout with the rate read from a scalar graph input: keep where u ≥ rate (u uniform in
 * [0, 1)), scale kept values by 1/(1 − rate); the backward applies the same mask. At rate 0 every u
 * passes and the scale is exactly 1, so an eval-mode run is bit-identical to a graph without dropout.
 * The mask kept for the backward is boolean (1 byte a value, as PyTorch's) rather than a float mask.
 */
export function dropout(b: GraphBuilder, x: string, rate: string, seed: number): Rule {
  const u = b.op('RandomUniformLike', [x], [{ name: 'seed', f: seed }]);
  const keep = b.op('GreaterOrEqual', [u, rate]);
  const scale = b.op('Reciprocal', [b.sub(b.float(1), rate)]);
  return {
    y: b.op('Where', [keep, b.mul(x, scale), b.float(0)]),
    back(dy) {
      return b.op('Where', [keep, b.mul(dy, scale), b.float(0)]);
    },
  };
}
