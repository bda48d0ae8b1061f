// The seed recipe end to end on shared data with the tiny random stand-in encoders: SST-2 (binary),
// AG News (4-class softmax), CoNLL-2003 NER from token features, and QA on a set built from CoNLL text.
// Random weights give near-chance numbers; these runs prove the plumbing and the metrics, and with real
// pretrained weights are the runs that reproduce published results.
import { join } from 'node:path';
import { Encoder, type TokenVectors } from '@bertkit/encoder';
import { LogisticRegression, SpanHead, TokenClassifier, spanTarget } from '@bertkit/heads';
import { requireShared } from '@bertkit/shared-data';
import { describe, expect, it } from 'vitest';
import { classificationReport, conllText, entityScores, gridSearch, readConll, readTable, rocAuc, squadScores, trainTestSplit } from './index.js';
import { conllQa } from './testing/conll-qa.js';

const shared = requireShared;
const SHARED = shared();
const model = (name: string) => join(SHARED, 'models', name);

describe('sentence classification', () => {
  it('SST-2: embed, grid-search C with 5-fold CV, evaluate on dev', async () => {
    const encoder = await Encoder.load(model('tiny-random-distilbert'));
    const train = readTable(join(SHARED, 'data/sst2/train.tsv')).slice(0, 2000);
    const dev = readTable(join(SHARED, 'data/sst2/dev.tsv'));
    const x = await encoder.embed(train.map((e) => e.text), { pooling: 'layer-concat' });
    const grid = gridSearch((p: { C: number }) => new LogisticRegression({ C: p.C, standardize: true }), { C: [0.01, 1] }, x, train.map((e) => e.label), { folds: 5 });
    const devX = await encoder.embed(dev.map((e) => e.text), { pooling: 'layer-concat' });
    const predicted = grid.model.predict(devX);
    const report = classificationReport(dev.map((e) => e.label), predicted);
    expect(report.labels).toEqual(['0', '1']);
    expect(report.accuracy).toBeGreaterThan(0.4);
    const p = grid.model.predictProba(devX);
    const auc = rocAuc(dev.map((e) => e.label), Array.from({ length: p.rows }, (_, r) => p.data[r * 2 + 1]!), '1');
    expect(auc).toBeGreaterThan(0.4);
    await encoder.release();
  }, 120_000);

  it('AG News dev: four classes with string labels, softmax, per-class report', async () => {
    const encoder = await Encoder.load(model('tiny-random-bert'));
    const rows = readTable(join(SHARED, 'data/agnews/dev.tsv')).slice(0, 3000);
    const split = trainTestSplit(rows.map((r) => r.label), { testSize: 0.25, seed: 0 });
    const x = await encoder.embed(rows.map((r) => r.text), { pooling: 'mean' });
    const take = (idx: number[]) => ({ data: idx.reduce((acc, r, i) => (acc.set(x.data.subarray(r * x.dim, (r + 1) * x.dim), i * x.dim), acc), new Float32Array(idx.length * x.dim)), rows: idx.length, cols: x.dim });
    const head = new LogisticRegression({ standardize: true, maxIter: 300 }).fit(take(split.train), split.train.map((r) => rows[r]!.label));
    expect(head.classes).toEqual(['Business', 'Sci/Tech', 'Sports', 'World']);
    const report = classificationReport(split.test.map((r) => rows[r]!.label), head.predict(take(split.test)));
    expect(report.perClass).toHaveLength(4);
    expect(report.accuracy).toBeGreaterThan(0.25);
    await encoder.release();
  }, 120_000);
});

/** Token features of CoNLL sentences, with each token mapped to its CoNLL word by character offsets. */
async function conllFeatures(encoder: Encoder, sentences: ReturnType<typeof readConll>) {
  const joined = sentences.map((s) => conllText(s.words));
  const texts = joined.map((j) => j.text);
  const tokens = await encoder.encodeTokens(texts, { layers: [-1, -2] });
  return tokens.map((t, i) => {
    const starts = joined[i]!.starts;
    const wordIds = t.offsets.map(([a, b], k) => (t.specialTokensMask[k] === 1 || a === b ? null : starts.findLastIndex((s) => s <= a)));
    return { ...t, wordIds, text: texts[i]! };
  });
}

describe('token classification', () => {
  it('CoNLL-2003 NER: first sub-token training, entity-level F1, entities with offsets', async () => {
    const encoder = await Encoder.load(model('tiny-random-bert'));
    const train = readConll(join(SHARED, 'data/conll2003/train.txt')).slice(0, 600);
    const valid = readConll(join(SHARED, 'data/conll2003/valid.txt')).slice(0, 200);
    const trainX = await conllFeatures(encoder, train);
    const ner = new TokenClassifier({ standardize: true, maxIter: 200 }).fit(trainX, train.map((s) => s.tags));
    expect(ner.tags).toContain('B-PER');
    const validX = await conllFeatures(encoder, valid);
    const predicted = validX.map((x, i) => ner.predictWordTags(x, valid[i]!.words.length));
    const scores = entityScores(valid.map((s) => s.tags), predicted);
    expect(scores.gold).toBeGreaterThan(100);
    expect(scores.f1).toBeGreaterThanOrEqual(0);
    for (const strategy of ['none', 'simple', 'first', 'average', 'max'] as const) {
      for (const e of ner.entities(validX[0]!, validX[0]!.text, strategy)) {
        expect(validX[0]!.text.slice(e.start, e.end)).toBe(e.word);
        expect(e.score).toBeGreaterThan(0);
      }
    }
    await encoder.release();
  }, 180_000);
});

describe('extractive QA', () => {
  it('templated questions over CoNLL sentences: windows with stride, spans mapped back, EM/F1', async () => {
    const encoder = await Encoder.load(model('tiny-random-bert'), { maxLength: 32 });
    const sentences = readConll(join(SHARED, 'data/conll2003/valid.txt')).filter((s) => s.words.length >= 6).slice(0, 150);
    const qa = conllQa(sentences);
    expect(qa.some((q) => q.answer === null)).toBe(true);
    const windows = await encoder.encodeTokens(
      qa.map((q) => [q.question, q.context] as [string, string]),
      { layers: [-1, -2], long: 'window', stride: 8, truncation: 'only_second' },
    );
    expect(windows.length).toBeGreaterThan(qa.length); // long contexts were split
    const byQuestion = new Map<number, TokenVectors[]>();
    for (const w of windows) byQuestion.set(w.input, [...(byQuestion.get(w.input) ?? []), w]);
    const trainIdx = qa.map((_, i) => i).filter((i) => i % 4 !== 0);
    const testIdx = qa.map((_, i) => i).filter((i) => i % 4 === 0);
    const trainWindows = trainIdx.flatMap((i) => byQuestion.get(i)!);
    const targets = trainWindows.map((w) => {
      const a = qa[w.input]!.answer;
      return a ? spanTarget(w, a.start, a.end) : { start: 0, end: 0 };
    });
    expect(targets.some((t) => t.start > 0)).toBe(true);
    const head = new SpanHead({ C: 1, maxIter: 100 }).fit(trainWindows, targets);
    const predictions = testIdx.map((i) => head.predict(byQuestion.get(i)!, qa[i]!.context, { maxAnswerLength: 8, noAnswerThreshold: 0 }));
    for (const p of predictions) if (p.start >= 0) expect(p.text).toBe(qa[testIdx[predictions.indexOf(p)]!]!.context.slice(p.start, p.end));
    const scores = squadScores(predictions.map((p) => p.text), testIdx.map((i) => (qa[i]!.answer ? [qa[i]!.answer!.text] : [])));
    expect(scores.f1).toBeGreaterThanOrEqual(0);
    expect(scores.exactMatch).toBeLessThanOrEqual(100);
    await encoder.release();
  }, 180_000);
});
