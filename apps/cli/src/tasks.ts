import type { EmbedOptions, Encoder, TokenVectors } from '@bertkit/encoder';
import type { TokenFeatures } from '@bertkit/heads';
import { type ConllSentence, FeatureCache, type QaExample, type TextExample, readConll, readJsonl, readTable } from '@bertkit/trainer';
import { CliError } from './cli-error.js';
import { cacheRoot } from './hub.js';
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

let cache: FeatureCache | null = null;

/** One feature cache per process: it remembers file digests, so a model file is hashed once per run. */
export function featureCache(): FeatureCache {
  cache ??= new FeatureCache(`${cacheRoot()}/features`);
  return cache;
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
    const e = await featureCache().embed(encoder, inputs, embedOptions);
    return { data: e.data, rows: e.rows, dim: e.dim, cached: e.status === 'hit' };
  } finally {
    progress.done();
  }
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

/** Question+context windows (contexts longer than the model are split with `stride` tokens of overlap), grouped by question. */
export async function qaWindows(encoder: Encoder, examples: ReadonlyArray<Pick<QaExample, 'question' | 'context'>>, layers: number[], stride: number): Promise<TokenVectors[][]> {
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
