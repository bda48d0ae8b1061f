// The tokenized examples `bertkit finetune` trains on, against independent constructions: NER labels as
// transformers' run_ner builds them from words tokenized one by one (is_split_into_words), QA targets as
// the smallest token span covering the answer's characters, found by brute force over every window.
import { join } from 'node:path';
import { readConll } from '@bertkit/trainer';
import { type NativeTokenizer, loadTokenizer } from '@bertkit/wordpiece';
import { describe, expect, it } from 'vitest';
import { SHARED } from './testing/paths.js';
import { sst2 } from './testing/training.js';
import { classifyExamples, labelOrder, nerExamples, qaExamples } from './train-examples.js';

const tokenizer = (name: string) => loadTokenizer(join(SHARED, 'models', name)) as NativeTokenizer;

describe('label order', () => {
  it('sorted names as run_glue/run_ner; numbers numerically', () => {
    expect(labelOrder(['O', 'B-PER', 'I-PER', 'O', 'B-LOC'])).toEqual(['B-LOC', 'B-PER', 'I-PER', 'O']);
    expect(labelOrder(['10', '2', '1', '2'])).toEqual(['1', '2', '10']);
  });
});

describe('ner: first-subword labels', () => {
  it('equal run_ner labels on CoNLL-2003 sentences (each word tokenized alone; special tokens and later pieces -100)', () => {
    const tok = tokenizer('bert-ner');
    const file = join(SHARED, 'data/conll2003/valid.txt');
    const sentences = readConll(file).slice(0, 300);
    const { labelNames, train } = nerExamples(tok, { sentences, file }, null, { maxLength: 512 });
    const id = new Map(labelNames.map((n, i) => [n, i]));
    let multiPiece = 0;
    sentences.forEach((s, i) => {
      const expected = [-100];
      s.words.forEach((w, k) => {
        const pieces = tok.encode(w, null, { addSpecialTokens: false, truncation: false, padding: false }).ids.length;
        if (pieces > 1) multiPiece++;
        expected.push(id.get(s.tags[k] as string) as number, ...new Array<number>(pieces - 1).fill(-100));
      });
      expected.push(-100);
      expect(train[i]!.labels).toEqual(expected);
      expect(train[i]!.ids).toHaveLength(expected.length);
    });
    // Words split into several pieces ("U.S.", long names) occurred, so the -100 rule was exercised.
    expect(multiPiece).toBeGreaterThan(100);
  });
});

describe('qa: windows and answer tokens', () => {
  it('each window marks the smallest token span covering the answer, or [CLS] when the window lacks it', () => {
    const tok = tokenizer('distilbert-qa');
    const texts = sst2('train', 400).map((l) => l.split('\t')[0] as string);
    const rows = Array.from({ length: 40 }, (_, i) => {
      const context = texts.slice(i * 10, i * 10 + 10).join(' . ');
      const words = context.split(' ');
      const from = (i * 7) % (words.length - 3);
      const answer = words.slice(from, from + 1 + (i % 3)).join(' ');
      const start = words.slice(0, from).join(' ').length + (from > 0 ? 1 : 0);
      return { question: 'what is said ?', context, answer: { start, end: start + answer.length, text: answer }, answers: [answer], line: i + 1 };
    });
    rows.push({ ...rows[0]!, answer: null as never, answers: [] });
    const examples = qaExamples(tok, rows, { maxLength: 64, stride: 16 });
    let k = 0;
    let found = 0;
    let windows = 0;
    for (const q of rows) {
      const first = tok.encode(q.question, q.context, { truncation: { strategy: 'only_second', maxLength: 64, stride: 16 }, padding: false });
      let seen = false;
      for (const w of [first, ...first.overflowing]) {
        windows++;
        const e = examples[k++]!;
        expect(e.ids).toEqual(w.ids);
        const context = w.sequenceIds.flatMap((s, t) => (s === 1 ? [t] : []));
        const a = q.answer;
        const inside = a !== null && w.offsets[context[0]!]![0] <= a.start && w.offsets[context.at(-1)!]![1] >= a.end;
        if (!inside) {
          expect([e.start, e.end]).toEqual([0, 0]);
          continue;
        }
        // Brute force: the latest context token starting at or before the answer, the earliest ending at or after it.
        const start = Math.max(...context.filter((t) => w.offsets[t]![0] <= a.start));
        const end = Math.min(...context.filter((t) => w.offsets[t]![1] >= a.end));
        expect([e.start, e.end]).toEqual([start, end]);
        expect(q.context.slice(w.offsets[start]![0], w.offsets[end]![1])).toContain(a.text);
        seen = true;
        found++;
      }
      if (q.answer) expect(seen).toBe(true);
    }
    expect(k).toBe(examples.length);
    // Long contexts: several windows each, and windows without the answer.
    expect(windows).toBeGreaterThan(rows.length * 2);
    expect(windows - found).toBeGreaterThan(rows.length);
  });
});

describe('classify', () => {
  it('regression labels must be numbers (file:line); multi-label rows become 0/1 per sorted class', () => {
    const tok = tokenizer('tiny-random-distilbert');
    const rows = [
      { text: 'a', label: 'x,y', line: 1 },
      { text: 'b', label: 'y', line: 2 },
    ];
    const multi = classifyExamples(tok, { rows, file: 't.tsv' }, null, { maxLength: 16, problemType: 'multi_label_classification' });
    expect(multi.labelNames).toEqual(['x', 'y']);
    expect(multi.train.map((e) => e.labels)).toEqual([
      [1, 1],
      [0, 1],
    ]);
    expect(() => classifyExamples(tok, { rows, file: 't.tsv' }, null, { maxLength: 16, problemType: 'regression' })).toThrow(/t\.tsv:1: regression needs a number/);
  });
});
