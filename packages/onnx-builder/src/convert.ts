import { copyFileSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildEncoderGraph } from './build-graph.js';
import { openCheckpoint } from './checkpoint-files.js';
import { detectPrefix, detectTask, headTensorShapes, readConfig } from './checkpoint.js';
import { ModelToolsError } from './errors.js';
import type { EncoderShape, Task } from './spec.js';
import { TASKS } from './spec.js';
import { CheckpointWeights } from './tensor-source.js';

/** Files a Hugging Face model directory may hold beside the weights that the encoder needs. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json', 'vocab.json', 'merges.txt', 'sentencepiece.bpe.model', 'spiece.model'];

export interface ConvertOptions {
  /** Directory to write; defaults to the checkpoint directory. config.json and tokenizer files are copied there. */
  output?: string;
  /** Also output every hidden state (`hidden_states.0..L`). */
  hiddenStates?: boolean;
  /**
   * The head converted with the encoder: `auto` (default) follows config.json `architectures`
   * (…ForSequenceClassification, …ForTokenClassification, …ForQuestionAnswering, ElectraForPreTraining's
   * discriminator) or, without it, the head
   * tensors present; `base` converts the encoder alone.
   */
  task?: 'auto' | Task;
}

export interface ConvertReport {
  arch: EncoderShape['arch'];
  shape: EncoderShape;
  /** The base model's key prefix found in the checkpoint: '', 'bert.', 'roberta.', ... */
  prefix: string;
  task: Task;
  /** Width of the head's logits (labels; 2 for question answering), null without a head. */
  labels: number | null;
  /** The graph's outputs: last_hidden_state, the head's (logits, or start_logits and end_logits), pooler_output when the checkpoint has a pooler. */
  outputs: string[];
  /** Longest input in tokens the position table allows (also in the graph's metadata as bertkit.max_length). */
  maxLength: number;
  /** Checkpoint tensors the graph does not use (pooler, MLM/NSP/pre-training heads, buffers). */
  ignored: string[];
  parameters: number;
  /** The written ONNX file and its size. */
  onnx: string;
  bytes: number;
  dir: string;
}

/**
 * Converts a Hugging Face checkpoint directory (config.json + model.safetensors) into an ONNX model
 * with the interface of a Hugging Face (optimum) export, at `<output>/onnx/model.onnx`.
 */
export function convertCheckpoint(checkpoint: string, options: ConvertOptions = {}): ConvertReport {
  if (typeof checkpoint !== 'string' || checkpoint === '') throw new ModelToolsError('E_INVALID_OPTION', `checkpoint must be a directory path, got ${JSON.stringify(checkpoint)}`);
  const wanted = options.task ?? 'auto';
  if (wanted !== 'auto' && !TASKS.includes(wanted)) throw new ModelToolsError('E_INVALID_OPTION', `task must be auto, ${TASKS.join(', ')}; got ${JSON.stringify(wanted)}`);
  const dir = resolve(checkpoint);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelToolsError('E_NOT_FOUND', `${dir}: not a directory`, { file: dir });
  const { config, family, shape } = readConfig(join(dir, 'config.json'));
  const source = openCheckpoint(dir);
  try {
    const weights = new CheckpointWeights(source, family.renames);
    const prefix = detectPrefix(weights, family, source.file, source.names());
    const resolveKey = (key: string) => (key.startsWith('~') ? prefix + key.slice(1) : key);
    const task = wanted === 'auto' ? detectTask(config, family, weights, resolveKey) : wanted;
    const encoderShapes = Object.fromEntries(Object.entries(family.tensors(shape)).map(([k, v]) => [prefix + k, v]));
    let expected = encoderShapes;
    let labels: number | null = null;
    if (task !== 'base') {
      const head = family.heads[task];
      if (!head) throw new ModelToolsError('E_UNSUPPORTED', `${family.modelTypes[0]} has no ${task} head in the builder`);
      const h = headTensorShapes(head, shape.hidden, weights, resolveKey);
      expected = { ...encoderShapes, ...h.shapes };
      labels = h.labels;
    }
    // The pooler is output when the checkpoint has it (BertModel, pre-training checkpoints), as transformers'
    // pooler_output; a checkpoint without it (most task models, RoBERTa MLM) is converted without.
    const poolerKey = family.pooler === undefined ? undefined : resolveKey(family.pooler);
    const withPooler = poolerKey !== undefined && weights.has(`${poolerKey}.weight`) && weights.has(`${poolerKey}.bias`);
    if (withPooler) expected = { ...expected, [`${poolerKey}.weight`]: [shape.hidden, shape.hidden], [`${poolerKey}.bias`]: [shape.hidden] };
    weights.expect(expected);
    const parameters = Object.values(expected).reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
    const bytes = buildEncoderGraph(shape, weights, prefix, { hiddenStates: options.hiddenStates ?? false, task, labels: labels ?? 0, ...(withPooler ? { pooler: poolerKey } : {}) });
    const out = resolve(options.output ?? dir);
    mkdirSync(join(out, 'onnx'), { recursive: true });
    if (out !== dir) {
      for (const f of ['config.json', ...TOKENIZER_FILES]) if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(out, f));
    }
    const onnx = join(out, 'onnx', 'model.onnx');
    // Written aside then renamed: an interrupted conversion never leaves a truncated model.onnx behind.
    const partial = `${onnx}.partial-${process.pid}`;
    writeFileSync(partial, bytes);
    renameSync(partial, onnx);
    const outputs = ['last_hidden_state', ...(task === 'question-answering' ? ['start_logits', 'end_logits'] : task === 'base' ? [] : ['logits']), ...(withPooler ? ['pooler_output'] : [])];
    return { arch: shape.arch, shape, prefix, task, labels, outputs, maxLength: shape.maxLength, ignored: weights.unused(), parameters, onnx, bytes: bytes.length, dir: out };
  } finally {
    source.close();
  }
}
