import type { GraphBuilder } from '../graph-builder.js';
import type { LossRule } from './loss.js';

/** The number of elements of `x` as a float scalar (the divisor of a mean over every entry). */
export function elementCount(b: GraphBuilder, x: string): string {
  return b.op('Cast', [b.op('Size', [x])], [{ name: 'to', i: 1 }]);
}

/**
 * PyTorch's BCEWithLogitsLoss (reduction 'mean') on logits z and float targets y of the same shape:
 * loss = mean(max(z, 0) − z·y + log(1 + e^−|z|)) — the overflow-free form PyTorch uses;
 * dz = (σ(z) − y) / N over all N entries.
 */
export function bceWithLogits(b: GraphBuilder, logits: string, targets: string): LossRule {
  const n = elementCount(b, logits);
  const softplus = b.op('Softplus', [b.op('Neg', [b.op('Abs', [logits])])]);
  const terms = b.add(b.sub(b.op('Relu', [logits]), b.mul(logits, targets)), softplus);
  const loss = b.op('Div', [b.op('ReduceSum', [terms], [{ name: 'keepdims', i: 0 }]), n]);
  const dlogits = b.op('Div', [b.sub(b.op('Sigmoid', [logits]), targets), n]);
  return { loss, dlogits };
}
