export { SafetensorsFile } from './safetensors.js';
export type { SafetensorsDtype, TensorEntry } from './safetensors.js';
export { SafetensorsError } from './errors.js';
export type { SafetensorsErrorCode } from './errors.js';
export { f16ToF32 } from './half-float.js';
export { buildEncoderGraph } from './bert-graph.js';
export type { EncoderShape, WeightSource } from './bert-graph.js';
