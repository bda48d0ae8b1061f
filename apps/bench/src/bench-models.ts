import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type RandomModel, createRandomModel, quantizeModel } from '@bertkit/onnx-builder';

export interface BenchModel extends RandomModel {
  fp32: string;
  int8: string;
  fp32Bytes: number;
  int8Bytes: number;
}

/**
 * The seeded random DistilBERT the embed suite measures (`base`: 66M parameters; `tiny` for --quick),
 * made by the model tools and cached between runs: only random weights, but the real graph and shapes.
 */
export function benchModel(cacheDir: string, shared: string, preset: 'tiny' | 'base'): BenchModel {
  const model = createRandomModel({ preset, seed: 42, output: join(cacheDir, `random-distilbert-${preset}-seed42`), tokenizer: join(shared, 'tokenizers/bert-base-uncased') });
  const fp32 = join(model.dir, 'onnx', 'model.onnx');
  const int8 = join(model.dir, 'onnx', 'model_quantized.onnx');
  if (model.created || !existsSync(int8) || statSync(int8).mtimeMs < statSync(fp32).mtimeMs) quantizeModel(fp32, { output: int8 });
  return { ...model, fp32, int8, fp32Bytes: statSync(fp32).size, int8Bytes: statSync(int8).size };
}

/** Nominal FLOPs of one token of a sequence of `length` through the encoder: the linear layers plus attention. */
export function flopsPerToken(shape: RandomModel['shape'], length: number): number {
  const { hidden: H, intermediate: I, layers: L } = shape;
  return 2 * L * (4 * H * H + 2 * H * I) + 4 * L * H * length;
}
