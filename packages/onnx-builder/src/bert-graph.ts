// Kept for modules written against the first builder (pytorch-bin imports WeightSource from here); new
// code imports from blocks/graph-context.js, build-graph.js and spec.js.
export type { WeightSource } from './blocks/graph-context.js';
export type { EncoderShape } from './spec.js';
export { buildEncoderGraph } from './build-graph.js';
export type { BuildOptions } from './build-graph.js';
