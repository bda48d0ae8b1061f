/** A loss on one logits tensor: the scalar loss and d(loss)/d(logits), both tensor names. */
export interface LossRule {
  loss: string;
  dlogits: string;
}
