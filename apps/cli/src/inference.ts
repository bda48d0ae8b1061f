import type { Encoder, TaskModel } from '@bertkit/encoder';
import type { AggregationStrategy, LogisticRegression, SpanHead, TokenClassifier, TokenEntity } from '@bertkit/heads';
import type { Bundle } from './bundle.js';
import { CliError } from './cli-error.js';
import type { QaExample } from '@bertkit/trainer';
import { qaWindows, sentenceFeatures, tokenFeatures } from './tasks.js';

export interface ClassPrediction {
  label: string;
  score: number;
  probs: Record<string, number>;
}

export interface QaPrediction {
  answer: string;
  start: number;
  end: number;
  score: number;
}

/** Labels with probabilities for texts (or pairs), features made exactly as at training time. */
export async function classify(bundle: Bundle, encoder: Encoder, inputs: Array<string | [string, string]>, options: { cache?: boolean } = {}): Promise<ClassPrediction[]> {
  const x = await sentenceFeatures(encoder, inputs, bundle.manifest.features, { cache: options.cache ?? false, label: 'embed' });
  const head = bundle.head as LogisticRegression;
  const p = head.predictProba(x);
  const labels = head.classes.map(String);
  const K = labels.length;
  const out: ClassPrediction[] = [];
  for (let r = 0; r < p.rows; r++) {
    let best = 0;
    const probs: Record<string, number> = {};
    for (let k = 0; k < K; k++) {
      const v = p.data[r * K + k] as number;
      probs[labels[k] as string] = v;
      if (v > (p.data[r * K + best] as number)) best = k;
    }
    out.push({ label: labels[best] as string, score: p.data[r * K + best] as number, probs });
  }
  return out;
}

/** Entities with character offsets in each text. */
export async function recognize(bundle: Bundle, encoder: Encoder, texts: string[], strategy: AggregationStrategy = 'simple'): Promise<TokenEntity[][]> {
  const features = await tokenFeatures(encoder, texts, bundle.manifest.features.layers ?? [-1]);
  const head = bundle.head as TokenClassifier;
  return features.map((f) => head.entities(f, f.text, strategy));
}

/** Word tags (first sub-token of each space-separated word), for conlleval scoring. */
export async function wordTags(bundle: Bundle, encoder: Encoder, texts: string[], words: number[]): Promise<string[][]> {
  const features = await tokenFeatures(encoder, texts, bundle.manifest.features.layers ?? [-1]);
  const head = bundle.head as TokenClassifier;
  return features.map((f, i) => head.predictWordTags(f, words[i] as number));
}

export async function answer(bundle: Bundle, encoder: Encoder, questions: ReadonlyArray<Pick<QaExample, 'question' | 'context'>>, options: { maxAnswerLength?: number; noAnswerThreshold?: number } = {}): Promise<QaPrediction[]> {
  const windows = await qaWindows(encoder, questions, bundle.manifest.features.layers ?? [-1], bundle.manifest.features.stride ?? 128);
  const head = bundle.head as SpanHead;
  return questions.map((q, i) => {
    const p = head.predict(windows[i] ?? [], q.context, { maxAnswerLength: options.maxAnswerLength ?? 30, noAnswerThreshold: options.noAnswerThreshold ?? 0 });
    return { answer: p.text, start: p.start, end: p.end, score: p.score };
  });
}

/** Labels of the evaluation data that the head never saw: named with their line, since they cannot be predicted. */
export function checkKnownLabels(bundle: Bundle, examples: ReadonlyArray<{ label: string; line: number }>, file: string): void {
  const known = new Set(bundle.manifest.labels);
  const unknown = examples.find((e) => !known.has(e.label));
  if (unknown) {
    throw new CliError('E_INPUT', `${file}:${unknown.line}: label ${JSON.stringify(unknown.label)} was not seen in training (the bundle knows ${bundle.manifest.labels.map((l) => JSON.stringify(l)).join(', ')})`);
  }
}

/**
 * One result per input from a fine-tuned task model (config.json id2label, graph with logits or
 * start/end logits), in the shapes bundles give: {label, score, probs}, {entities}, {answer, start, end, score}.
 */
export async function predictWithModel(
  model: TaskModel,
  inputs: { texts: Array<string | [string, string]> | null; questions: ReadonlyArray<Pick<QaExample, 'question' | 'context'>> | null },
  aggregation: AggregationStrategy,
): Promise<unknown[]> {
  if (model.task === 'text-classification') return model.classify(inputs.texts ?? []);
  if (model.task === 'token-classification') {
    const texts = (inputs.texts ?? []).map((t, i) => {
      if (typeof t !== 'string') throw new CliError('E_INPUT', `input ${i + 1}: a token-classification model takes single texts, not pairs`);
      return t;
    });
    return (await model.ner(texts, { aggregation })).map((entities) => ({ entities }));
  }
  const answers = await model.answer(inputs.questions ?? []);
  return answers.map(([best]) => best ?? { answer: '', start: -1, end: -1, score: 0 });
}
