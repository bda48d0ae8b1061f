import type { GraphContext } from './graph-context.js';

export type ActivationKind = 'gelu' | 'gelu_new' | 'relu' | 'tanh';

/** The activation as ONNX ops (opset 17 has no Gelu): exact erf GELU, the tanh approximation, ReLU, tanh. */
export function activation(ctx: GraphContext, x: string, kind: ActivationKind, scope: string): string {
  const g = ctx.g;
  if (kind === 'relu') return g.node('Relu', [x], `${scope}Relu`);
  if (kind === 'tanh') return g.node('Tanh', [x], `${scope}Tanh`);
  const half = g.node('Mul', [x, g.scalar(0.5)], `${scope}gelu/Mul`);
  let inner: string;
  if (kind === 'gelu') {
    inner = g.node('Erf', [g.node('Div', [x, g.scalar(Math.SQRT2)], `${scope}gelu/Div`)], `${scope}gelu/Erf`);
  } else {
    // gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as transformers' NewGELUActivation.
    const cube = g.node('Mul', [g.node('Mul', [x, x], `${scope}gelu/Square`), x], `${scope}gelu/Cube`);
    const sum = g.node('Add', [x, g.node('Mul', [cube, g.scalar(0.044715)], `${scope}gelu/Mul_cube`)], `${scope}gelu/Add_cube`);
    inner = g.node('Tanh', [g.node('Mul', [sum, g.scalar(Math.sqrt(2 / Math.PI))], `${scope}gelu/Mul_scale`)], `${scope}gelu/Tanh`);
  }
  return g.node('Mul', [half, g.node('Add', [inner, g.scalar(1)], `${scope}gelu/Add`)], `${scope}gelu/Mul_1`);
}
