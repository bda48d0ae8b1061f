import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EncoderError } from './errors.js';

export interface ModelFiles {
  /** The model directory (config.json and tokenizer files). */
  dir: string;
  onnx: string;
  config: string;
}

/** Where an export keeps its graph, most specific first. */
const ONNX_CANDIDATES = ['onnx/model.onnx', 'model.onnx'];
const QUANTIZED_CANDIDATES = ['onnx/model_quantized.onnx', 'model_quantized.onnx'];

/**
 * Resolves a Hugging Face style model directory, or an explicit .onnx path whose directory (or its
 * parent, for onnx/model.onnx) holds config.json and the tokenizer files.
 */
export function resolveModelFiles(path: string, options: { quantized?: boolean } = {}): ModelFiles {
  if (typeof path !== 'string' || path.length === 0) {
    throw new EncoderError('E_INVALID_OPTION', `model path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new EncoderError('E_MODEL_NOT_FOUND', `${path}: no such file or directory`, { file: path });
  }
  let dir: string;
  let onnx: string;
  if (stat.isDirectory()) {
    dir = path;
    const candidates = options.quantized ? QUANTIZED_CANDIDATES : ONNX_CANDIDATES;
    const found = candidates.map((c) => join(path, c)).find((c) => existsSync(c));
    if (!found) {
      throw new EncoderError('E_MODEL_NOT_FOUND', `${path}: no ONNX model (looked for ${candidates.join(', ')})`, { file: path });
    }
    onnx = found;
  } else {
    onnx = path;
    dir = dirname(path);
    if (!existsSync(join(dir, 'config.json')) && basename(dir) === 'onnx') dir = dirname(dir);
  }
  const config = join(dir, 'config.json');
  if (!existsSync(config)) throw new EncoderError('E_MODEL_NOT_FOUND', `${dir}: no config.json beside the model`, { file: config });
  return { dir, onnx, config };
}
