import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConvertReport } from '@bertkit/onnx-builder';
import { TOKENIZER_FILES, convertCheckpoint } from '@bertkit/onnx-builder';
import type { EncoderSpec, TrainTask } from '../model/model-spec.js';
import { ioError, writeFileAtomic, writeSafetensorsAtomic } from './atomic-write.js';
import type { ProblemType } from './types.js';

const HEAD_CLASS: Record<TrainTask, string> = {
  'sequence-classification': 'ForSequenceClassification',
  'token-classification': 'ForTokenClassification',
  'question-answering': 'ForQuestionAnswering',
  'masked-lm': 'ForMaskedLM',
};

/** transformers' class-name prefix of each trainable family, and of the variants trained as one (EncoderSpec.configType). */
const FAMILY_CLASS: Record<string, string> = { distilbert: 'DistilBert', bert: 'Bert', roberta: 'Roberta', electra: 'Electra', albert: 'Albert', mpnet: 'MPNet', 'xlm-roberta': 'XLMRoberta', camembert: 'Camembert' };

export interface OutputConfigOptions {
  problemType?: ProblemType;
  labelNames?: readonly string[];
}

/**
 * The written model's config.json: the input config with `architectures` of the trained head class and, for
 * classification heads, `id2label` / `label2id` (string keys, as transformers writes them) and `problem_type`.
 */
export function outputConfig(input: Record<string, unknown>, spec: EncoderSpec, task: TrainTask, options: OutputConfigOptions = {}): Record<string, unknown> {
  const family = FAMILY_CLASS[spec.configType ?? spec.modelType]!;
  const config: Record<string, unknown> = { ...input, architectures: [`${family}${HEAD_CLASS[task]}`] };
  const labels = options.labelNames;
  if ((task === 'sequence-classification' || task === 'token-classification') && labels && labels.length > 0) {
    config.id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
    config.label2id = Object.fromEntries(labels.map((l, i) => [l, i]));
  } else if (task !== 'sequence-classification' && task !== 'token-classification') {
    delete config.id2label;
    delete config.label2id;
  }
  if (task === 'sequence-classification') {
    config.problem_type = options.problemType ?? 'single_label_classification';
    if (options.problemType === 'regression') {
      config.id2label = { '0': 'LABEL_0' };
      config.label2id = { LABEL_0: 0 };
    }
  } else delete config.problem_type;
  return config;
}

/** config.json + model.safetensors (Hugging Face key names; the tied MLM decoder is not stored, as transformers saves it), each atomically. */
export function writeModelFiles(out: string, config: Record<string, unknown>, parameters: Array<{ name: string; shape: number[]; data: Float32Array }>): void {
  mkdirSync(out, { recursive: true });
  writeSafetensorsAtomic(join(out, 'model.safetensors'), parameters);
  writeFileAtomic(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

/** Copies the tokenizer files the source model directory has. */
export function copyTokenizerFiles(from: string, out: string): string[] {
  const copied: string[] = [];
  for (const f of TOKENIZER_FILES) {
    const src = join(from, f);
    if (!existsSync(src)) continue;
    let bytes: Buffer;
    try {
      bytes = readFileSync(src);
    } catch (cause) {
      throw ioError(src, cause, 'reading');
    }
    writeFileAtomic(join(out, f), bytes);
    copied.push(f);
  }
  return copied;
}

/**
 * onnx/model.onnx through the converter (head from `architectures`). The converter has no masked-LM head:
 * for masked LM the encoder alone is written (last_hidden_state), which `embed` uses.
 */
export function exportOnnx(out: string): ConvertReport {
  try {
    return convertCheckpoint(out, { task: 'auto' });
  } catch (cause) {
    throw ioError(join(out, 'onnx', 'model.onnx'), cause, 'converting to');
  }
}
