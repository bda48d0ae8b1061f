import type { ProblemType, TrainExample } from '@bertkit/finetune';
import { type ConllSentence, type QaExample, type TextExample, conllText } from '@bertkit/trainer';
import type { AnyTokenizer, Encoding, NativeTokenizer } from '@bertkit/wordpiece';
import { CliError } from './cli-error.js';

/**
 * Tokenized training examples for `bertkit finetune`, prepared as the Hugging Face example scripts do
 * (run_glue, run_ner, run_qa), so a model trained here and one trained there see the same rows.
 */

/** Label names in id order: sorted as run_glue / run_ner sort them (numerically when every name is a number). */
export function labelOrder(names: Iterable<string>): string[] {
  const unique = [...new Set(names)];
  const numeric = unique.every((n) => n.trim() !== '' && Number.isFinite(Number(n)));
  return numeric ? unique.sort((a, b) => Number(a) - Number(b)) : unique.sort();
}

/** The tokenizer of a model directory, which must give offsets (NER and QA align labels through them). */
export function nativeTokenizer(tokenizer: AnyTokenizer, dir: string): NativeTokenizer {
  if (tokenizer.kind === 'fallback') throw new CliError('E_MODEL', `${dir}: its tokenizer.json has stages bertkit does not run natively, so it cannot align labels to tokens for training`);
  return tokenizer;
}

const unseen = (file: string, line: number, label: string, known: readonly string[], trainFile: string) =>
  new CliError('E_INPUT', `${file}:${line}: label ${JSON.stringify(label)} never occurs in the training data ${trainFile} (its labels: ${known.join(', ')})`);

export interface ClassifySource {
  rows: readonly TextExample[];
  file: string;
}

/** Sequence classification rows; multi-label rows name their labels separated by commas. */
export function classifyExamples(
  tokenizer: NativeTokenizer,
  train: ClassifySource,
  dev: ClassifySource | null,
  options: { maxLength: number; problemType: ProblemType },
): { labelNames: string[]; train: TrainExample[]; dev: TrainExample[] | null } {
  const multi = options.problemType === 'multi_label_classification';
  const regression = options.problemType === 'regression';
  const split = (label: string) => label.split(',').map((s) => s.trim()).filter(Boolean);
  const labelNames = regression ? [] : labelOrder(train.rows.flatMap((r) => (multi ? split(r.label) : [r.label])));
  const ids = new Map(labelNames.map((name, i) => [name, i]));
  const convert = (source: ClassifySource): TrainExample[] =>
    source.rows.map((row) => {
      const e = tokenizer.encode(row.text, row.pair ?? null, { truncation: { maxLength: options.maxLength }, padding: false });
      const example: TrainExample = { ids: e.ids, typeIds: e.typeIds };
      if (regression) {
        const value = Number(row.label);
        if (row.label.trim() === '' || !Number.isFinite(value)) throw new CliError('E_INPUT', `${source.file}:${row.line}: regression needs a number as the label, got ${JSON.stringify(row.label)}`);
        example.label = value;
      } else if (multi) {
        const labels = new Array<number>(labelNames.length).fill(0);
        for (const name of split(row.label)) {
          const id = ids.get(name);
          if (id === undefined) throw unseen(source.file, row.line, name, labelNames, train.file);
          labels[id] = 1;
        }
        example.labels = labels;
      } else {
        const id = ids.get(row.label);
        if (id === undefined) throw unseen(source.file, row.line, row.label, labelNames, train.file);
        example.label = id;
      }
      return example;
    });
  return { labelNames, train: convert(train), dev: dev ? convert(dev) : null };
}

export interface NerSource {
  sentences: readonly ConllSentence[];
  file: string;
}

/**
 * Token classification: each CoNLL word's first subword carries its tag, other subwords and special
 * tokens -100 (run_ner.py with label_all_tokens=False). Words are the whitespace-separated CoNLL words,
 * not the pre-tokenizer's ("U.S." is one tagged word, several pre-tokenizer words).
 */
export function nerExamples(tokenizer: NativeTokenizer, train: NerSource, dev: NerSource | null, options: { maxLength: number }): { labelNames: string[]; train: TrainExample[]; dev: TrainExample[] | null } {
  const labelNames = labelOrder(train.sentences.flatMap((s) => s.tags));
  const ids = new Map(labelNames.map((name, i) => [name, i]));
  const convert = (source: NerSource): TrainExample[] =>
    source.sentences.map((s) => {
      const tagIds = s.tags.map((tag, w) => {
        const id = ids.get(tag);
        // One CoNLL word per line from the sentence's first line on.
        if (id === undefined) throw unseen(source.file, s.line + w, tag, labelNames, train.file);
        return id;
      });
      const { text, starts } = conllText(s.words);
      const e = tokenizer.encode(text, null, { truncation: { maxLength: options.maxLength }, padding: false });
      return { ids: e.ids, typeIds: e.typeIds, labels: firstSubwordLabels(e, starts, tagIds) };
    });
  return { labelNames, train: convert(train), dev: dev ? convert(dev) : null };
}

/** Per token: the word's label on the first token of each word, -100 elsewhere. */
export function firstSubwordLabels(e: Pick<Encoding, 'offsets' | 'specialTokensMask'>, starts: readonly number[], wordLabels: readonly number[]): number[] {
  let previous = -1;
  return e.offsets.map(([a, b], k) => {
    if (e.specialTokensMask[k] === 1 || a === b) {
      previous = -1;
      return -100;
    }
    const word = wordAt(starts, a);
    const label = word === previous ? -100 : (wordLabels[word] as number);
    previous = word;
    return label;
  });
}

/** Index of the last word starting at or before `offset`. */
function wordAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Extractive QA windows as run_qa.py's prepare_train_features: question + context truncated
 * only_second to `maxLength` with `stride` tokens of overlap; each window's start/end are the tokens
 * of the answer's first and last character, or 0/0 ([CLS]) when the window does not contain the whole
 * answer (or the question has none).
 */
export function qaExamples(tokenizer: NativeTokenizer, rows: readonly QaExample[], options: { maxLength: number; stride: number }): TrainExample[] {
  const out: TrainExample[] = [];
  for (const q of rows) {
    const first = tokenizer.encode(q.question, q.context, { truncation: { strategy: 'only_second', maxLength: options.maxLength, stride: options.stride }, padding: false });
    for (const w of [first, ...first.overflowing]) {
      const span = q.answer ? answerTokens(w, q.answer.start, q.answer.end) : null;
      out.push({ ids: w.ids, typeIds: w.typeIds, start: span?.start ?? 0, end: span?.end ?? 0 });
    }
  }
  return out;
}

/** Token span of characters [startChar, endChar) of the context (sequence 1) in one window, or null. */
export function answerTokens(w: Pick<Encoding, 'offsets' | 'sequenceIds'>, startChar: number, endChar: number): { start: number; end: number } | null {
  let first = w.sequenceIds.indexOf(1);
  let last = w.sequenceIds.lastIndexOf(1);
  if (first === -1) return null;
  if (!((w.offsets[first] as [number, number])[0] <= startChar && (w.offsets[last] as [number, number])[1] >= endChar)) return null;
  while (first < w.offsets.length && w.sequenceIds[first] === 1 && (w.offsets[first] as [number, number])[0] <= startChar) first++;
  while (last >= 0 && w.sequenceIds[last] === 1 && (w.offsets[last] as [number, number])[1] >= endChar) last--;
  return { start: first - 1, end: last + 1 };
}
