import { readFileSync } from 'node:fs';
import { EncoderError } from './errors.js';

export type TaskKind = 'text-classification' | 'token-classification' | 'question-answering';
export type ProblemType = 'single_label_classification' | 'multi_label_classification' | 'regression';

/** What a fine-tuned checkpoint's config.json says about its head. */
export interface TaskConfig {
  /** Label names by class index: id2label, or LABEL_k as transformers names them when absent. */
  labels: string[];
  /** Whether the labels came from id2label (false: made up as LABEL_k). */
  namedLabels: boolean;
  problemType: ProblemType | null;
  /** The task the architectures name (BertForTokenClassification...), or null. */
  architectureTask: TaskKind | null;
}

const PROBLEM_TYPES: readonly ProblemType[] = ['single_label_classification', 'multi_label_classification', 'regression'];

/**
 * Reads id2label (keys "0".."K-1"), num_labels and problem_type. `count`, when known from the graph's
 * logits, decides how many LABEL_k names a config without id2label gets (transformers' default is 2).
 */
export function readTaskConfig(file: string, count: number | null = null): TaskConfig {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new EncoderError('E_BAD_CONFIG', `${file}: not readable JSON (${(cause as Error).message})`, { file, cause });
  }
  const problem = json.problem_type;
  if (problem !== undefined && problem !== null && !PROBLEM_TYPES.includes(problem as ProblemType)) {
    throw new EncoderError('E_BAD_CONFIG', `${file}: problem_type must be one of ${PROBLEM_TYPES.join(', ')}, got ${JSON.stringify(problem)}`, { file });
  }
  const id2label = json.id2label;
  let labels: string[] | null = null;
  if (id2label !== undefined && id2label !== null) {
    if (typeof id2label !== 'object' || Array.isArray(id2label)) throw new EncoderError('E_BAD_CONFIG', `${file}: id2label must map "0".."K-1" to names`, { file });
    const entries = Object.entries(id2label as Record<string, unknown>);
    labels = new Array<string>(entries.length);
    for (const [key, name] of entries) {
      const k = Number(key);
      if (!Number.isInteger(k) || k < 0 || k >= entries.length || typeof name !== 'string') {
        throw new EncoderError('E_BAD_CONFIG', `${file}: id2label must map "0".."${entries.length - 1}" to strings, got ${JSON.stringify(key)}: ${JSON.stringify(name)}`, { file });
      }
      labels[k] = name;
    }
  }
  const declared = [json.num_labels, json._num_labels].find((v) => Number.isInteger(v) && (v as number) > 0) as number | undefined;
  const namedLabels = labels !== null;
  if (labels === null) labels = Array.from({ length: count ?? declared ?? 2 }, (_, k) => `LABEL_${k}`);
  const architectures = Array.isArray(json.architectures) ? json.architectures.filter((a): a is string => typeof a === 'string') : [];
  const architectureTask = architectures.some((a) => a.endsWith('ForTokenClassification'))
    ? 'token-classification'
    : architectures.some((a) => a.endsWith('ForQuestionAnswering'))
      ? 'question-answering'
      : architectures.some((a) => a.endsWith('ForSequenceClassification'))
        ? 'text-classification'
        : null;
  return { labels, namedLabels, problemType: (problem ?? null) as ProblemType | null, architectureTask };
}

/**
 * Scores from logits as the transformers text-classification pipeline reads problem_type: sigmoid per
 * label for multi-label (and for a single-logit head), identity for regression, softmax otherwise.
 */
export function scoreFunction(problemType: ProblemType | null, labels: number): 'softmax' | 'sigmoid' | 'identity' {
  if (problemType === 'regression') return 'identity';
  if (problemType === 'multi_label_classification' || labels === 1) return 'sigmoid';
  return 'softmax';
}

/** Applies `fn` to each `width`-wide row of logits, in float64. */
export function applyScores(logits: ArrayLike<number>, width: number, fn: 'softmax' | 'sigmoid' | 'identity'): Float64Array {
  const out = Float64Array.from(logits as ArrayLike<number>);
  if (fn === 'identity') return out;
  if (fn === 'sigmoid') {
    for (let k = 0; k < out.length; k++) out[k] = 1 / (1 + Math.exp(-(out[k] as number)));
    return out;
  }
  for (let at = 0; at < out.length; at += width) {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < width; k++) max = Math.max(max, out[at + k] as number);
    let sum = 0;
    for (let k = 0; k < width; k++) sum += out[at + k] = Math.exp((out[at + k] as number) - max);
    for (let k = 0; k < width; k++) out[at + k] = (out[at + k] as number) / sum;
  }
  return out;
}
