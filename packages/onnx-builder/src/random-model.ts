import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EncoderShape } from './bert-graph.js';
import { encoderTensorShapes } from './checkpoint.js';
import { TOKENIZER_FILES, convertCheckpoint } from './convert.js';
import { ModelToolsError } from './errors.js';
import { SeededRandom } from './rng.js';
import { writeSafetensors } from './safetensors-writer.js';
import type { NamedTensor } from './safetensors-writer.js';

export type RandomModelPreset = 'tiny' | 'base';

export interface RandomModelOptions {
  /** Directory to write (created). */
  output: string;
  /** Directory holding tokenizer files (tokenizer.json and/or vocab.txt) copied into the model. */
  tokenizer: string;
  preset?: RandomModelPreset;
  arch?: EncoderShape['arch'];
  hidden?: number;
  layers?: number;
  heads?: number;
  intermediate?: number;
  vocab?: number;
  maxPositions?: number;
  seed?: number;
  /** Standard deviation of weights and biases (transformers' initializer_range). */
  std?: number;
  /** Keep an existing directory made with the same options instead of writing it again (default true). */
  reuse?: boolean;
}

export interface RandomModel {
  dir: string;
  shape: EncoderShape;
  seed: number;
  parameters: number;
  /** False when an identical model already existed and was kept. */
  created: boolean;
}

/** DistilBERT shapes: `base` is distilbert-base-uncased (66M parameters), `tiny` the shared stand-in's. */
export const RANDOM_MODEL_PRESETS: Record<RandomModelPreset, Omit<EncoderShape, 'layerNormEps'>> = {
  tiny: { arch: 'distilbert', hidden: 32, layers: 2, heads: 2, intermediate: 37, vocab: 30522, maxPositions: 512, typeVocab: 0 },
  base: { arch: 'distilbert', hidden: 768, layers: 6, heads: 12, intermediate: 3072, vocab: 30522, maxPositions: 512, typeVocab: 0 },
};

const STAMP = 'bertkit-random-model.json';

/**
 * Writes a complete model directory with seeded random weights: config.json, model.safetensors,
 * onnx/model.onnx (through the same conversion a user's checkpoint takes) and the tokenizer files.
 */
export function createRandomModel(options: RandomModelOptions): RandomModel {
  const preset = RANDOM_MODEL_PRESETS[options.preset ?? 'tiny'];
  if (!preset) throw new ModelToolsError('E_INVALID_OPTION', `preset must be ${Object.keys(RANDOM_MODEL_PRESETS).join(' or ')}, got ${JSON.stringify(options.preset)}`);
  const arch = options.arch ?? preset.arch;
  if (arch !== 'bert' && arch !== 'distilbert') throw new ModelToolsError('E_INVALID_OPTION', `arch must be "bert" or "distilbert", got ${JSON.stringify(arch)}`);
  const shape: EncoderShape = {
    arch,
    hidden: positive('hidden', options.hidden ?? preset.hidden),
    layers: positive('layers', options.layers ?? preset.layers),
    heads: positive('heads', options.heads ?? preset.heads),
    intermediate: positive('intermediate', options.intermediate ?? preset.intermediate),
    vocab: positive('vocab', options.vocab ?? preset.vocab),
    maxPositions: positive('maxPositions', options.maxPositions ?? preset.maxPositions),
    typeVocab: arch === 'bert' ? 2 : 0,
    layerNormEps: 1e-12,
  };
  if (shape.hidden % shape.heads !== 0) throw new ModelToolsError('E_INVALID_OPTION', `hidden (${shape.hidden}) must be divisible by heads (${shape.heads})`);
  const seed = options.seed ?? 42;
  const std = options.std ?? 0.02;
  const dir = resolve(options.output);
  const tokenizerFiles = TOKENIZER_FILES.filter((f) => existsSync(join(options.tokenizer, f)));
  if (!tokenizerFiles.some((f) => f === 'tokenizer.json' || f === 'vocab.txt')) {
    throw new ModelToolsError('E_NOT_FOUND', `${options.tokenizer}: no tokenizer.json or vocab.txt to copy into the model`, { file: options.tokenizer });
  }
  const tensorShapes = encoderTensorShapes(shape);
  const parameters = Object.values(tensorShapes).reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
  const stamp = JSON.stringify({ shape, seed, std, version: 1 });
  if ((options.reuse ?? true) && existsSync(join(dir, STAMP)) && existsSync(join(dir, 'onnx', 'model.onnx')) && readFileSync(join(dir, STAMP), 'utf8') === stamp) {
    return { dir, shape, seed, parameters, created: false };
  }
  mkdirSync(dir, { recursive: true });
  const rng = new SeededRandom(seed);
  const tensors: NamedTensor[] = Object.entries(tensorShapes).map(([name, dims]) => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    // LayerNorm starts as the identity (as in transformers' init); everything else, biases too, is random
    // so that a transposed or misplaced bias cannot go unnoticed in the tests.
    if (/(LayerNorm|layer_norm)\.weight$/.test(name)) data.fill(1);
    else if (!/(LayerNorm|layer_norm)\.bias$/.test(name)) rng.fillNormal(data, std);
    return { name, shape: dims, data };
  });
  writeSafetensors(join(dir, 'model.safetensors'), tensors);
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(configJson(shape, std, seed), null, 2)}\n`);
  for (const f of tokenizerFiles) {
    // Shared tokenizer directories are often read-only; the model's copies must stay writable.
    copyFileSync(join(options.tokenizer, f), join(dir, f));
    chmodSync(join(dir, f), 0o644);
  }
  convertCheckpoint(dir);
  writeFileSync(join(dir, STAMP), stamp);
  return { dir, shape, seed, parameters, created: true };
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new ModelToolsError('E_INVALID_OPTION', `${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}

function configJson(shape: EncoderShape, std: number, seed: number): Record<string, unknown> {
  const common = { vocab_size: shape.vocab, max_position_embeddings: shape.maxPositions, initializer_range: std, pad_token_id: 0, bertkit_random_seed: seed };
  if (shape.arch === 'bert') {
    return {
      architectures: ['BertModel'], model_type: 'bert', hidden_size: shape.hidden, num_hidden_layers: shape.layers, num_attention_heads: shape.heads,
      intermediate_size: shape.intermediate, hidden_act: 'gelu', type_vocab_size: shape.typeVocab, layer_norm_eps: shape.layerNormEps,
      position_embedding_type: 'absolute', ...common,
    };
  }
  return {
    architectures: ['DistilBertModel'], model_type: 'distilbert', dim: shape.hidden, n_layers: shape.layers, n_heads: shape.heads,
    hidden_dim: shape.intermediate, activation: 'gelu', sinusoidal_pos_embds: false, ...common,
  };
}
