import type { GraphBuilder } from '../graph-builder.js';

export interface CrossEntropyRule {
  /** Scalar mean loss over the rows whose label is not -100. */
  loss: string;
  /** Gradient of the loss with respect to the logits. */
  dlogits: string;
}

/**
 * PyTorch's cross_entropy(ignore_index=-100, reduction='mean') on logits [M, C] and int64 labels [M]:
 * loss = −Σ_valid log softmax(z)[y] / n_valid; dz = (softmax(z) − onehot(y)) ⊙ valid / n_valid.
 * With no valid row PyTorch returns NaN; here the count is clamped to 1, giving loss 0 and no gradient.
 */
export function crossEntropy(b: GraphBuilder, logits: string, labels: string, classes: number): CrossEntropyRule {
  const ignored = b.op('Equal', [labels, b.int(-100)]);
  const valid = b.op('Cast', [b.op('Not', [ignored])], [{ name: 'to', i: 1 }]);
  const safe = b.op('Where', [ignored, b.int(0), labels]);
  const onehot = b.op('OneHot', [safe, b.int(classes), b.floats('onehot_values', [0, 1])], [{ name: 'axis', i: -1 }]);
  const logp = b.op('LogSoftmax', [logits], [{ name: 'axis', i: -1 }]);
  const count = b.op('Max', [b.reduceSum(valid, [0]), b.float(1)]);
  const picked = b.reduceSum(b.mul(onehot, logp), [1]);
  const loss = b.op('Neg', [b.op('Div', [b.reduceSum(b.mul(picked, valid), [0]), count])]);
  const weight = b.op('Unsqueeze', [b.op('Div', [valid, count]), b.ints([1])]);
  const dlogits = b.mul(b.sub(b.op('Exp', [logp]), onehot), weight);
  return { loss, dlogits };
}
