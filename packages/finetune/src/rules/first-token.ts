import type { GraphBuilder } from '../graph-builder.js';
import type { Rule } from './rule.js';

/**
 * Rows [B·T, H] → the first token of each sequence [B, H] (what every sequence-classification head reads).
 * Backward: the [B, H] gradient padded back to [B, T, H] with zeros after token 0, as rows.
 */
export function firstToken(b: GraphBuilder, x: string, batchShape: string, hidden: number): Rule {
  const x3 = b.reshape(x, b.op('Concat', [batchShape, b.ints([hidden])], [{ name: 'axis', i: 0 }]));
  return {
    y: b.op('Gather', [x3, b.int(0)], [{ name: 'axis', i: 1 }]),
    back(dy) {
      const tail = b.sub(b.op('Slice', [batchShape, b.ints([1]), b.ints([2])]), b.ints([1]));
      const pads = b.op('Concat', [b.ints([0, 0, 0, 0]), tail, b.ints([0])], [{ name: 'axis', i: 0 }]);
      return b.reshape(b.op('Pad', [b.op('Unsqueeze', [dy, b.ints([1])]), pads]), b.ints([-1, hidden]));
    },
  };
}
