import type { EmbedOptions, Encoder, TokenVectors } from '@bertkit/encoder';
import type { TokenFeatures } from '@bertkit/heads';
import { type ConllSentence, FeatureCache, type TextExample, readConll, readJsonl, readTable } from '@bertkit/trainer';
import { CliError } from './cli-error.js';
import { cacheRoot } from './hub.js';
import { readInput } from './inputs.js';
import { Progress } from './progress.js';

export type Task = 'classify' | 'ner' | 'qa';
export const TASKS: readonly Task[] = ['classify', 'ner', 'qa'];

/** How sentence vectors are made; stored in a bundle so predict and serve make the same ones. */
export interface FeatureSpec {
  pooling: NonNullable<EmbedOptions['pooling']>;
  layers?: number[];
  layerPooling?: 'cls' | 'mean';
  normalize?: boolean;
}

export interface ColumnOptions {
  textColumn?: string | number;
  labelColumn?: string | number;
  pairColumn?: string | number;
}

/** Labelled texts from a TSV/CSV (columns chosen by name or index) or JSONL file. */
export function readClassifyData(file: string, columns: ColumnOptions): TextExample[] {
  if (file.endsWith('.jsonl')) {
    const fields: { text?: string; label?: string; pair?: string } = {};
    if (typeof columns.textColumn === 'string') fields.text = columns.textColumn;
    if (typeof columns.labelColumn === 'string') fields.label = columns.labelColumn;
    if (typeof columns.pairColumn === 'string') fields.pair = columns.pairColumn;
    return readJsonl(file, fields);
  }
  return readTable(file, columns);
}

export function exampleInputs(examples: readonly TextExample[]): Array<string | [string, string]> {
  return examples.map((e) => (e.pair === undefined ? e.text : [e.text, e.pair]));
}

/** Sentence vectors through the on-disk feature cache (unless disabled), with a progress bar. */
export async function sentenceFeatures(encoder: Encoder, inputs: Array<string | [string, string]>, spec: FeatureSpec, options: { cache: boolean; label?: string }) {
  const progress = new Progress(options.label ?? 'embed', 'sentences');
  const embedOptions: EmbedOptions = { ...spec, onProgress: (p) => progress.update(p.done, p.total) };
  try {
    if (!options.cache) {
      const e = await encoder.embed(inputs, embedOptions);
      return { data: e.data, rows: e.rows, dim: e.dim, cached: false };
    }
    const e = await new FeatureCache(`${cacheRoot()}/features`).embed(encoder, inputs, embedOptions);
    return { data: e.data, rows: e.rows, dim: e.dim, cached: e.status === 'hit' };
  } finally {
    progress.done();
  }
}

/** The texts of CoNLL sentences (words joined by spaces) and where each word starts. */
export function conllTexts(sentences: readonly ConllSentence[]): Array<{ text: string; starts: number[] }> {
  return sentences.map((s) => {
    const starts: number[] = [];
    let text = '';
    for (const w of s.words) {
      if (text) text += ' ';
      starts.push(text.length);
      text += w;
    }
    return { text, starts };
  });
}

/**
 * Token vectors of texts, each token's word id rewritten to the index of the whitespace-separated word
 * it falls in: CoNLL words such as "U.S." are several pre-tokenizer words but one tagged word.
 */
export async function tokenFeatures(encoder: Encoder, texts: readonly string[], layers: number[]): Promise<WordFeatures[]> {
  const progress = new Progress('token features', 'sentences');
  const tokens = await encoder.encodeTokens(texts, { layers, onProgress: (p) => progress.update(p.done, p.total) });
  progress.done();
  return wordFeatures(tokens, texts);
}

export type WordFeatures = TokenFeatures & TokenVectors & { text: string };

/** Token vectors with each token's word id rewritten to the whitespace-separated word it falls in. */
export function wordFeatures(tokens: readonly TokenVectors[], texts: readonly string[]): WordFeatures[] {
  return tokens.map((t) => {
    const text = texts[t.input] as string;
    const starts: number[] = [];
    for (let i = 0; i < text.length; i++) if (text[i] !== ' ' && (i === 0 || text[i - 1] === ' ')) starts.push(i);
    const wordIds = t.offsets.map(([a, b], k) => {
      if (t.specialTokensMask[k] === 1 || a === b) return null;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= a) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    });
    return { ...t, wordIds, text };
  });
}

export function readNerData(file: string): ConllSentence[] {
  const sentences = readConll(file);
  if (sentences.length === 0) throw new CliError('E_INPUT', `${file}: no sentences (CoNLL: one "word ... tag" per line, blank lines between sentences)`);
  return sentences;
}

export interface QaExample {
  question: string;
  context: string;
  /** Gold answers (SQuAD scores against any of them); the first with its offset trains the head. */
  answers: string[];
  answer: { start: number; end: number } | null;
  line: number;
}

/**
 * SQuAD-style JSON Lines: {question, context, answers: {text: [...], answer_start: [...]}} (the Hugging
 * Face datasets layout), or {question, context, answer: {text, start}}; no answer for an unanswerable one.
 */
export function readQaData(file: string): QaExample[] {
  const out: QaExample[] = [];
  readInput(file)
    .split('\n')
    .forEach((raw, i) => {
      const line = i + 1;
      if (raw.trim() === '') return;
      const where = `${file}:${line}`;
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(raw);
      } catch (cause) {
        throw new CliError('E_INPUT', `${where}: invalid JSON (${(cause as Error).message})`);
      }
      const { question, context } = row;
      if (typeof question !== 'string' || typeof context !== 'string') throw new CliError('E_INPUT', `${where}: "question" and "context" must be strings`);
      let texts: string[] = [];
      let starts: number[] = [];
      if (row.answers && typeof row.answers === 'object') {
        const a = row.answers as { text?: unknown; answer_start?: unknown };
        if (!Array.isArray(a.text) || !Array.isArray(a.answer_start) || a.text.length !== a.answer_start.length) {
          throw new CliError('E_INPUT', `${where}: "answers" must hold equal-length "text" and "answer_start" arrays`);
        }
        texts = a.text.map(String);
        starts = a.answer_start.map(Number);
      } else if (row.answer && typeof row.answer === 'object') {
        const a = row.answer as { text?: unknown; start?: unknown };
        texts = [String(a.text)];
        starts = [Number(a.start)];
      }
      const first = texts[0];
      const start = starts[0];
      if (first !== undefined && start !== undefined && (!Number.isInteger(start) || context.slice(start, start + first.length) !== first)) {
        throw new CliError('E_INPUT', `${where}: answer ${JSON.stringify(first)} is not at offset ${start} of the context`);
      }
      out.push({ question, context, answers: texts, answer: first !== undefined && start !== undefined ? { start, end: start + first.length } : null, line });
    });
  if (out.length === 0) throw new CliError('E_INPUT', `${file}: no questions`);
  return out;
}

/** Question+context windows (contexts longer than the model are split with `stride` tokens of overlap), grouped by question. */
export async function qaWindows(encoder: Encoder, examples: readonly QaExample[], layers: number[], stride: number): Promise<TokenVectors[][]> {
  const progress = new Progress('qa windows', 'questions');
  const windows = await encoder.encodeTokens(
    examples.map((q) => [q.question, q.context] as [string, string]),
    { layers, long: 'window', stride, truncation: 'only_second', onProgress: (p) => progress.update(p.done, p.total) },
  );
  progress.done();
  const grouped = examples.map((): TokenVectors[] => []);
  for (const w of windows) grouped[w.input]?.push(w);
  return grouped;
}
