/**
 * A differentiable step in a training graph: `y` is the forward output's tensor name, `back(dy)` emits the
 * backward nodes and returns the input gradient's name (parameter gradients go to GraphBuilder.addGrad).
 */
export interface Rule {
  readonly y: string;
  back(dy: string): string;
}
