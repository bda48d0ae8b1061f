import type { HeadSpec } from './blocks/heads.js';
import { ConfigReader } from './config-reader.js';
import { ModelToolsError } from './errors.js';
import type { Family } from './families/family.js';
import { MODEL_TYPES, familyOf } from './families/registry.js';
import type { EncoderShape, Task } from './spec.js';
import type { CheckpointWeights } from './tensor-source.js';

/** config.json's family and shape. */
export function readConfig(path: string): { config: ConfigReader; family: Family; shape: EncoderShape } {
  return fromConfig(ConfigReader.read(path));
}

function fromConfig(config: ConfigReader): { config: ConfigReader; family: Family; shape: EncoderShape } {
  const type = config.json.model_type;
  const family = typeof type === 'string' ? familyOf(type) : undefined;
  if (!family) {
    throw new ModelToolsError('E_UNKNOWN_MODEL_TYPE', `${config.path}: model_type ${JSON.stringify(type)} is not supported; the builder knows ${MODEL_TYPES.join(', ')}`, { file: config.path });
  }
  return { config, family, shape: family.shape(config, type as EncoderShape['arch']) };
}

/** Reads config.json into the graph builder's shape, in any supported family's key names. */
export function readEncoderShape(path: string): EncoderShape {
  return readConfig(path).shape;
}

export function shapeFromConfig(json: Record<string, unknown>, path: string): EncoderShape {
  return fromConfig(new ConfigReader(json, path)).shape;
}

/** Every tensor the encoder uses, unprefixed, with its checkpoint shape (PyTorch Linear is [out, in]). */
export function encoderTensorShapes(shape: EncoderShape): Record<string, number[]> {
  const family = familyOf(shape.arch);
  if (!family) throw new ModelToolsError('E_UNKNOWN_MODEL_TYPE', `model_type ${JSON.stringify(shape.arch)} is not supported`);
  return family.tensors(shape);
}

/**
 * The key prefix a checkpoint uses: none for a bare BertModel, the family's (`bert.`, `roberta.`, ...)
 * for checkpoints saved from a model with a head (ForMaskedLM, ForSequenceClassification, ...).
 */
export function detectPrefix(weights: Pick<CheckpointWeights, 'has'>, family: Family, file: string, names: readonly string[] = []): string {
  for (const prefix of ['', family.prefix]) if (weights.has(`${prefix}embeddings.word_embeddings.weight`)) return prefix;
  const guess = names.find((n) => n.endsWith('embeddings.word_embeddings.weight'));
  const hint = guess ? ` (found ${JSON.stringify(guess)}; expected no prefix or "${family.prefix}")` : '';
  throw new ModelToolsError('E_BAD_CONFIG', `${file}: no ${family.modelTypes[0]} word embeddings tensor${hint}`, { file });
}

const ARCHITECTURE_TASKS: Array<[RegExp, Exclude<Task, 'base'>]> = [
  [/ForSequenceClassification$/, 'sequence-classification'],
  [/ForTokenClassification$/, 'token-classification'],
  [/ForQuestionAnswering$/, 'question-answering'],
  [/^ElectraForPreTraining$/, 'replaced-token-detection'],
];

/**
 * The head to convert: config.json `architectures` says which (BertForTokenClassification, ...); without
 * it, a head whose every tensor is present. Anything else (MaskedLM, PreTraining, a bare model) is the
 * encoder alone.
 */
export function detectTask(config: ConfigReader, family: Family, weights: Pick<CheckpointWeights, 'has'>, resolve: (key: string) => string): Task {
  const architecture = config.architecture();
  if (architecture !== null) {
    const task = ARCHITECTURE_TASKS.find(([pattern]) => pattern.test(architecture))?.[1];
    return task !== undefined && family.heads[task] ? task : 'base';
  }
  // No architectures: only a head recognisable by a tensor of its own. A bare `classifier` (with or without
  // a pooler) is BERT's sequence head and every family's token head alike, so it needs architectures.
  for (const task of ['question-answering', 'sequence-classification'] as const) {
    const head = family.heads[task];
    if (!head) continue;
    const keys = Object.keys(head.tensors(1, 1)).map(resolve);
    const own = task === 'question-answering' || keys.some((k) => !/^classifier\.(weight|bias)$/.test(k) && !k.includes('pooler'));
    if (own && keys.every((k) => weights.has(k))) return task;
  }
  return 'base';
}

/** The head's tensors with their full checkpoint names; the label count is read from the output Linear. */
export function headTensorShapes(head: HeadSpec, hidden: number, weights: Pick<CheckpointWeights, 'shape' | 'file'>, resolve: (key: string) => string): { shapes: Record<string, number[]>; labels: number } {
  const labelsKey = `${resolve(head.labels)}.weight`;
  const stored = weights.shape(labelsKey);
  if (stored === undefined) throw new ModelToolsError('E_BAD_CONFIG', `${weights.file}: the ${head.task} head needs ${labelsKey}, which the checkpoint does not hold (convert with task: 'base' for the encoder alone)`, { file: weights.file });
  const labels = stored[0] ?? 0;
  const shapes = Object.fromEntries(Object.entries(head.tensors(hidden, labels)).map(([k, v]) => [resolve(k), v]));
  return { shapes, labels };
}
