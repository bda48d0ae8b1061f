// Token and span heads on synthetic features with a known answer, and ensembles / distillation.
import { describe, expect, it } from 'vitest';
import { Ensemble, LogisticRegression, SpanHead, TokenClassifier, distill, firstSubTokens, spanTarget } from './index.js';

/** Features that make the tag of each token obvious: a one-hot of the tag plus noise-free padding dims. */
function sentence(tags: string[], wordIds: (number | null)[], all: string[]) {
  const dim = all.length + 1;
  const vectors = new Float32Array(wordIds.length * dim);
  wordIds.forEach((w, t) => {
    vectors[t * dim + all.length] = 1;
    if (w !== null) vectors[t * dim + all.indexOf(tags[w]!)] = 3;
  });
  return { vectors, dim, wordIds };
}

describe('TokenClassifier', () => {
  const all = ['B-PER', 'I-PER', 'O', 'B-LOC'];
  // "[CLS] Ada Love ##lace went to Paris [SEP]": words Ada, Lovelace (2 tokens), went, to, Paris
  const wordIds = [null, 0, 1, 1, 2, 3, 4, null];
  const tags = ['B-PER', 'I-PER', 'O', 'O', 'B-LOC'];
  const text = 'Ada Lovelace went to Paris';
  const offsets: [number, number][] = [[0, 0], [0, 3], [4, 8], [8, 12], [13, 17], [18, 20], [21, 26], [0, 0]];

  it('trains on first sub-tokens only and decodes words and entities with offsets', () => {
    expect(firstSubTokens(wordIds)).toEqual([1, 2, 4, 5, 6]);
    const s = sentence(tags, wordIds, all);
    // The continuation token ##lace carries a misleading feature: it must be ignored in training.
    s.vectors[3 * s.dim + all.indexOf('B-LOC')] = 3;
    s.vectors[3 * s.dim + all.indexOf('I-PER')] = 0;
    const ner = new TokenClassifier({ C: 100 }).fit(Array(8).fill(s), Array(8).fill(tags));
    expect(ner.predictWordTags(s, 5)).toEqual(tags);
    const withOffsets = { ...s, offsets };
    expect(ner.entities(withOffsets, text, 'first').map((e) => [e.entity, e.word])).toEqual([['PER', 'Ada Lovelace'], ['LOC', 'Paris']]);
    // 'simple' groups tokens: ##lace's own prediction (B-LOC) splits the person.
    expect(ner.entities(withOffsets, text, 'simple').map((e) => [e.entity, e.word])).toEqual([['PER', 'Ada Love'], ['LOC', 'lace'], ['LOC', 'Paris']]);
    expect(ner.entities(withOffsets, text, 'none').map((e) => e.entity)).toEqual(['B-PER', 'I-PER', 'B-LOC', 'B-LOC']);
    const back = TokenClassifier.fromJSON(JSON.parse(JSON.stringify(ner)));
    expect(back.predictWordTags(s, 5)).toEqual(tags);
  });
});

describe('SpanHead', () => {
  // Tokens: [CLS] q q [SEP] c0 c1 c2 c3 [SEP]; the answer token carries feature 0, the token after it feature 1.
  function window(answer: number | null) {
    const n = 9;
    const dim = 3;
    const vectors = new Float32Array(n * dim);
    for (let p = 0; p < n; p++) vectors[p * dim + 2] = 1;
    vectors[0 * dim + 0] = answer === null ? 2 : 0;
    vectors[0 * dim + 1] = answer === null ? 2 : 0;
    if (answer !== null) {
      vectors[answer * dim + 0] = 2;
      vectors[(answer + 1) * dim + 1] = 2;
    }
    const offsets: [number, number][] = [[0, 0], [0, 3], [4, 7], [0, 0], [0, 4], [5, 9], [10, 14], [15, 19], [0, 0]];
    return { vectors, dim, offsets, typeIds: [0, 0, 0, 0, 1, 1, 1, 1, 1], specialTokensMask: [1, 0, 0, 1, 0, 0, 0, 0, 1] };
  }
  const context = 'alfa beta gamm delt';

  it('learns start/end vectors, maps the best span to characters, honours no-answer', () => {
    const windows = [4, 5, 6, null, 4, 5, 6, null].map((a) => window(a));
    const targets = [4, 5, 6, null, 4, 5, 6, null].map((a) => (a === null ? { start: 0, end: 0 } : { start: a, end: a + 1 }));
    expect(spanTarget(windows[0]!, 0, 9)).toEqual({ start: 4, end: 5 });
    expect(spanTarget(windows[0]!, 20, 25)).toEqual({ start: 0, end: 0 });
    const head = new SpanHead({ C: 10 }).fit(windows, targets);
    const p = head.predict([window(5)], context, { nBest: 3 });
    expect([p.text, p.start, p.end]).toEqual(['beta gamm', 5, 14]);
    expect(p.nBest.length).toBeGreaterThan(1);
    expect(head.predict([window(null)], context, { noAnswerThreshold: 0 }).text).toBe('');
    expect(head.predict([window(5)], context, { maxAnswerLength: 1 }).text.split(' ')).toHaveLength(1);
    expect(SpanHead.fromJSON(JSON.parse(JSON.stringify(head))).predict([window(5)], context).text).toBe('beta gamm');
  });
});

describe('Ensemble and distill', () => {
  const X = Array.from({ length: 60 }, (_, i) => [Math.sin(i), Math.cos(i * 1.3), (i % 7) / 7]);
  const y = X.map((r) => (r[0]! + r[1]! > 0 ? 'yes' : 'no'));

  it('averages member probabilities and distils into one logistic regression', () => {
    const a = new LogisticRegression({ C: 0.1 }).fit(X, y);
    const b = new LogisticRegression({ C: 10 }).fit(X, y);
    const e = new Ensemble([a, b]);
    const p = e.predictProba(X);
    const pa = a.predictProba(X).data;
    const pb = b.predictProba(X).data;
    p.data.forEach((v, k) => expect(v).toBeCloseTo((pa[k]! + pb[k]!) / 2, 12));
    // The planted rule is learnable: the ensemble beats the majority class by a wide margin.
    const majority = Math.max(...['yes', 'no'].map((c) => y.filter((v) => v === c).length)) / y.length;
    expect(e.score(X, y)).toBeGreaterThan(Math.max(0.9, majority + 0.2));
    const student = distill(e, X, { C: 10 });
    expect(student.classes).toEqual(['no', 'yes']);
    const teacher = e.predict(X);
    expect(teacher).toHaveLength(X.length);
    const agree = student.predict(X).filter((v, i) => v === teacher[i]).length / X.length;
    expect(agree).toBeGreaterThan(0.95);
    expect(() => new Ensemble([a, new LogisticRegression().fit(X, X.map((_, i) => i % 3))])).toThrow(/classes/);
  });
});
