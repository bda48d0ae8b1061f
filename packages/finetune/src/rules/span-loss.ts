import type { GraphBuilder } from '../graph-builder.js';
import type { LossRule } from './loss.js';

/**
 * Cross-entropy over the positions of a sequence, as transformers' QA heads: logits [B, T], positions
 * [B] int64 clamped to [0, T], T itself being the ignored index (an answer outside the window); mean over
 * the rows not ignored (none: loss 0, no gradient — PyTorch would give NaN).
 */
export function positionCrossEntropy(b: GraphBuilder, logits: string, positions: string): LossRule {
  const t = b.op('Slice', [b.op('Shape', [logits]), b.ints([1]), b.ints([2])]);
  const clamped = b.op('Max', [b.op('Min', [positions, t]), b.ints([0])]);
  const ignored = b.op('Equal', [clamped, t]);
  const valid = b.op('Cast', [b.op('Not', [ignored])], [{ name: 'to', i: 1 }]);
  const safe = b.op('Where', [ignored, b.int(0), clamped]);
  const onehot = b.op('OneHot', [safe, t, b.floats('onehot_values', [0, 1])], [{ name: 'axis', i: -1 }]);
  const logp = b.op('LogSoftmax', [logits], [{ name: 'axis', i: -1 }]);
  const count = b.op('Max', [b.reduceSum(valid, [0]), b.float(1)]);
  const picked = b.reduceSum(b.mul(onehot, logp), [1]);
  const loss = b.op('Neg', [b.op('Div', [b.reduceSum(b.mul(picked, valid), [0]), count])]);
  const weight = b.op('Unsqueeze', [b.op('Div', [valid, count]), b.ints([1])]);
  return { loss, dlogits: b.mul(b.sub(b.op('Exp', [logp]), onehot), weight) };
}

export interface SpanLossRule {
  loss: string;
  dStart: string;
  dEnd: string;
}

/** transformers' QA loss: (CE(start) + CE(end)) / 2, each as positionCrossEntropy. */
export function spanLoss(b: GraphBuilder, startLogits: string, endLogits: string, startPositions: string, endPositions: string): SpanLossRule {
  const start = positionCrossEntropy(b, startLogits, startPositions);
  const end = positionCrossEntropy(b, endLogits, endPositions);
  const half = b.float(0.5);
  return { loss: b.mul(b.add(start.loss, end.loss), half), dStart: b.mul(start.dlogits, half), dEnd: b.mul(end.dlogits, half) };
}
