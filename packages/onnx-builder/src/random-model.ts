import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigReader } from './config-reader.js';
import { TOKENIZER_FILES, convertCheckpoint } from './convert.js';
import { ModelToolsError } from './errors.js';
import { MODEL_TYPES, familyOf } from './families/registry.js';
import { SeededRandom } from './rng.js';
import { writeSafetensors } from './safetensors-writer.js';
import type { NamedTensor } from './safetensors-writer.js';
import type { EncoderShape, ModelType } from './spec.js';
import { tinyByteLevelBpe, tokenizerVocabSize } from './tiny-tokenizer.js';

export type RandomModelPreset =
  | 'tiny'
  | 'base'
  | 'bert-tiny'
  | 'bert-base'
  | 'roberta-tiny'
  | 'roberta-base'
  | 'albert-tiny'
  | 'albert-base'
  | 'electra-tiny'
  | 'electra-small'
  | 'mpnet-tiny'
  | 'mpnet-base';

export interface RandomModelOptions {
  /** Directory to write (created). */
  output: string;
  /**
   * Directory holding tokenizer files (tokenizer.json, vocab.txt, vocab.json + merges.txt, ...) copied into
   * the model. Without it, a tiny byte-level BPE tokenizer.json (256 byte tokens and RoBERTa's specials,
   * no merges) is written: enough to run RoBERTa/MPNet-style models, not to match any real vocabulary.
   */
  tokenizer?: string;
  preset?: RandomModelPreset;
  arch?: ModelType;
  hidden?: number;
  layers?: number;
  heads?: number;
  intermediate?: number;
  vocab?: number;
  maxPositions?: number;
  /** Width of the embedding tables (ALBERT, ELECTRA); default the preset's, or hidden. */
  embeddingSize?: number;
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

/** A preset fixes the architecture's size; everything else follows from the family (see createRandomModel). */
type PresetShape = Pick<EncoderShape, 'arch' | 'hidden' | 'layers' | 'heads' | 'intermediate' | 'vocab' | 'maxPositions'> & { embeddingSize?: number };

/**
 * Shapes of the released base models (random weights): `base` is distilbert-base-uncased (66M parameters),
 * `tiny` the shared stand-in's; `<family>-tiny` are test sizes of each family.
 */
export const RANDOM_MODEL_PRESETS: Record<RandomModelPreset, PresetShape> = {
  tiny: { arch: 'distilbert', hidden: 32, layers: 2, heads: 2, intermediate: 37, vocab: 30522, maxPositions: 512 },
  base: { arch: 'distilbert', hidden: 768, layers: 6, heads: 12, intermediate: 3072, vocab: 30522, maxPositions: 512 },
  'bert-tiny': { arch: 'bert', hidden: 32, layers: 2, heads: 4, intermediate: 37, vocab: 30522, maxPositions: 512 },
  'bert-base': { arch: 'bert', hidden: 768, layers: 12, heads: 12, intermediate: 3072, vocab: 30522, maxPositions: 512 },
  'roberta-tiny': { arch: 'roberta', hidden: 32, layers: 2, heads: 4, intermediate: 37, vocab: 50265, maxPositions: 514 },
  'roberta-base': { arch: 'roberta', hidden: 768, layers: 12, heads: 12, intermediate: 3072, vocab: 50265, maxPositions: 514 },
  'albert-tiny': { arch: 'albert', hidden: 32, layers: 2, heads: 4, intermediate: 37, vocab: 30000, maxPositions: 512, embeddingSize: 16 },
  'albert-base': { arch: 'albert', hidden: 768, layers: 12, heads: 12, intermediate: 3072, vocab: 30000, maxPositions: 512, embeddingSize: 128 },
  'electra-tiny': { arch: 'electra', hidden: 32, layers: 2, heads: 4, intermediate: 37, vocab: 30522, maxPositions: 512, embeddingSize: 16 },
  'electra-small': { arch: 'electra', hidden: 256, layers: 12, heads: 4, intermediate: 1024, vocab: 30522, maxPositions: 512, embeddingSize: 128 },
  'mpnet-tiny': { arch: 'mpnet', hidden: 32, layers: 2, heads: 4, intermediate: 37, vocab: 30527, maxPositions: 514 },
  'mpnet-base': { arch: 'mpnet', hidden: 768, layers: 12, heads: 12, intermediate: 3072, vocab: 30527, maxPositions: 514 },
};

const STAMP = 'bertkit-random-model.json';
const PAD_ONE: readonly ModelType[] = ['roberta', 'xlm-roberta', 'camembert', 'mpnet'];

/**
 * Writes a complete model directory with seeded random weights: config.json, model.safetensors,
 * onnx/model.onnx (through the same conversion a user's checkpoint takes) and the tokenizer files.
 */
export function createRandomModel(options: RandomModelOptions): RandomModel {
  const preset = RANDOM_MODEL_PRESETS[options.preset ?? 'tiny'];
  if (!preset) throw new ModelToolsError('E_INVALID_OPTION', `preset must be one of ${Object.keys(RANDOM_MODEL_PRESETS).join(', ')}; got ${JSON.stringify(options.preset)}`);
  const arch = options.arch ?? preset.arch;
  const family = familyOf(arch);
  if (!family) throw new ModelToolsError('E_INVALID_OPTION', `arch must be one of ${MODEL_TYPES.join(', ')}; got ${JSON.stringify(arch)}`);
  const hidden = positive('hidden', options.hidden ?? preset.hidden);
  const padOne = PAD_ONE.includes(arch);
  const draft: EncoderShape = {
    arch,
    hidden,
    layers: positive('layers', options.layers ?? preset.layers),
    heads: positive('heads', options.heads ?? preset.heads),
    intermediate: positive('intermediate', options.intermediate ?? preset.intermediate),
    vocab: positive('vocab', options.vocab ?? preset.vocab),
    maxPositions: positive('maxPositions', options.maxPositions ?? preset.maxPositions),
    typeVocab: arch === 'distilbert' || arch === 'mpnet' ? 0 : padOne ? 1 : 2,
    layerNormEps: padOne ? 1e-5 : 1e-12,
    embeddingSize: positive('embeddingSize', options.embeddingSize ?? (arch === preset.arch ? (preset.embeddingSize ?? hidden) : arch === 'albert' ? Math.min(128, hidden) : hidden)),
    activation: arch === 'albert' ? 'gelu_new' : 'gelu',
    padTokenId: padOne ? 1 : 0,
    hiddenGroups: 1,
    relativeBuckets: arch === 'mpnet' ? 32 : 0,
    maxLength: 0,
  };
  if (draft.hidden % draft.heads !== 0) throw new ModelToolsError('E_INVALID_OPTION', `hidden (${draft.hidden}) must be divisible by heads (${draft.heads})`);
  const seed = options.seed ?? 42;
  const std = options.std ?? 0.02;
  const dir = resolve(options.output);
  const config = { architectures: [`${family.className}Model`], model_type: arch, ...family.config(draft), initializer_range: std, bertkit_random_seed: seed };
  // The written config.json read back is the shape: what a user converting this directory would get.
  const shape = family.shape(new ConfigReader(config, join(dir, 'config.json')), arch);
  const tokenizerFiles = options.tokenizer === undefined ? [] : TOKENIZER_FILES.filter((f) => existsSync(join(options.tokenizer as string, f)));
  if (options.tokenizer !== undefined) {
    if (!tokenizerFiles.some((f) => f === 'tokenizer.json' || f === 'vocab.txt')) {
      throw new ModelToolsError('E_NOT_FOUND', `${options.tokenizer}: no tokenizer.json or vocab.txt to copy into the model`, { file: options.tokenizer });
    }
    const size = tokenizerVocabSize(options.tokenizer);
    if (size > shape.vocab) throw new ModelToolsError('E_INVALID_OPTION', `${options.tokenizer}: the tokenizer has ${size} tokens but the model's vocab is ${shape.vocab}; give a larger vocab`);
  }
  const tensorShapes = family.tensors(shape);
  const parameters = Object.values(tensorShapes).reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
  const stamp = JSON.stringify({ shape, seed, std, tokenizer: options.tokenizer ? 'copied' : 'tiny-bpe', version: 2 });
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
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  for (const f of tokenizerFiles) {
    // Shared tokenizer directories are often read-only; the model's copies must stay writable.
    copyFileSync(join(options.tokenizer as string, f), join(dir, f));
    chmodSync(join(dir, f), 0o644);
  }
  if (options.tokenizer === undefined) {
    writeFileSync(join(dir, 'tokenizer.json'), `${JSON.stringify(tinyByteLevelBpe(shape.maxLength))}\n`);
    writeFileSync(join(dir, 'tokenizer_config.json'), `${JSON.stringify({ model_max_length: shape.maxLength, tokenizer_class: 'RobertaTokenizer' })}\n`);
  }
  convertCheckpoint(dir);
  writeFileSync(join(dir, STAMP), stamp);
  return { dir, shape, seed, parameters, created: true };
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new ModelToolsError('E_INVALID_OPTION', `${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}
