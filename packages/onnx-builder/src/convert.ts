import { copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildEncoderGraph } from './bert-graph.js';
import type { EncoderShape } from './bert-graph.js';
import { detectPrefix, encoderTensorShapes, readEncoderShape } from './checkpoint.js';
import { ModelToolsError } from './errors.js';
import { SafetensorsFile } from './safetensors.js';

/** Files a Hugging Face model directory may hold beside the weights that the encoder needs. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json'];

export interface ConvertOptions {
  /** Directory to write; defaults to the checkpoint directory. config.json and tokenizer files are copied there. */
  output?: string;
  /** Also output every hidden state (`hidden_states.0..L`). */
  hiddenStates?: boolean;
}

export interface ConvertReport {
  arch: EncoderShape['arch'];
  shape: EncoderShape;
  /** The key prefix found in the checkpoint: '', 'bert.' or 'distilbert.'. */
  prefix: string;
  /** Checkpoint tensors the encoder does not use (pooler, MLM/NSP/classifier heads, buffers). */
  ignored: string[];
  parameters: number;
  /** The written ONNX file and its size. */
  onnx: string;
  bytes: number;
  dir: string;
}

/**
 * Converts a Hugging Face checkpoint directory (config.json + model.safetensors) into an ONNX model
 * with the interface of a Hugging Face export, at `<output>/onnx/model.onnx`.
 */
export function convertCheckpoint(checkpoint: string, options: ConvertOptions = {}): ConvertReport {
  if (typeof checkpoint !== 'string' || checkpoint === '') throw new ModelToolsError('E_INVALID_OPTION', `checkpoint must be a directory path, got ${JSON.stringify(checkpoint)}`);
  const dir = resolve(checkpoint);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelToolsError('E_NOT_FOUND', `${dir}: not a directory`, { file: dir });
  const shape = readEncoderShape(join(dir, 'config.json'));
  const weightsPath = join(dir, 'model.safetensors');
  if (!existsSync(weightsPath)) {
    const hint = existsSync(join(dir, 'pytorch_model.bin')) ? ' (pytorch_model.bin is a pickle and is not read; save the checkpoint with safe_serialization=True)' : '';
    throw new ModelToolsError('E_NOT_FOUND', `${weightsPath}: no model.safetensors${hint}`, { file: weightsPath });
  }
  const weights = SafetensorsFile.open(weightsPath);
  try {
    const prefix = detectPrefix(weights.names(), shape.arch, weightsPath);
    const expected = encoderTensorShapes(shape);
    const prefixed = Object.fromEntries(Object.entries(expected).map(([k, v]) => [prefix + k, v]));
    weights.expect(prefixed);
    const ignored = weights.names().filter((n) => !(n in prefixed));
    const parameters = Object.values(expected).reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
    const bytes = buildEncoderGraph(shape, weights, prefix, { hiddenStates: options.hiddenStates ?? false });
    const out = resolve(options.output ?? dir);
    mkdirSync(join(out, 'onnx'), { recursive: true });
    if (out !== dir) {
      for (const f of ['config.json', ...TOKENIZER_FILES]) if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(out, f));
    }
    const onnx = join(out, 'onnx', 'model.onnx');
    writeFileSync(onnx, bytes);
    return { arch: shape.arch, shape, prefix, ignored, parameters, onnx, bytes: bytes.length, dir: out };
  } finally {
    weights.close();
  }
}
