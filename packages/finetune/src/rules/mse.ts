import type { GraphBuilder } from '../graph-builder.js';
import { elementCount } from './bce.js';
import type { LossRule } from './loss.js';

/**
 * PyTorch's MSELoss (reduction 'mean') on predictions z and float targets y of the same number of entries
 * (transformers' regression: squeezed [B] for one label, [B, C] elementwise otherwise — the same mean):
 * loss = mean((z − y)²); dz = 2(z − y) / N.
 */
export function meanSquaredError(b: GraphBuilder, predictions: string, targets: string): LossRule {
  const n = elementCount(b, predictions);
  const diff = b.sub(predictions, b.reshape(targets, b.op('Shape', [predictions])));
  const loss = b.op('Div', [b.op('ReduceSum', [b.mul(diff, diff)], [{ name: 'keepdims', i: 0 }]), n]);
  const dlogits = b.op('Div', [b.mul(diff, b.float(2)), n]);
  return { loss, dlogits };
}
