// Span decoding on a hand-made window whose best span is worked out by hand.
import { describe, expect, it } from 'vitest';
import { decodeAnswers } from './index.js';

// "[CLS] who ? [SEP] hill ##climb ##ing is fun [SEP]" over the context "hillclimbing is fun".
const context = 'hillclimbing is fun';
const window = {
  offsets: [[0, 0], [0, 3], [3, 4], [0, 0], [0, 4], [4, 9], [9, 12], [13, 15], [16, 19], [0, 0]] as Array<[number, number]>,
  context: [false, false, false, false, true, true, true, true, true, false],
  wordIds: [null, 0, 1, null, 0, 0, 0, 1, 2, null],
  cls: 0,
  // The question tokens have the largest logits: they must never be picked.
  start: [5, 9, 9, 0, 0, 4, 0, 0, 0, 0],
  end: [5, 9, 9, 0, 0, 4, 0, 1, 0, 0],
};

describe('decodeAnswers', () => {
  it('the best context span by p(start) x p(end), question tokens excluded', () => {
    const [best] = decodeAnswers([window], context, { alignToWords: false });
    expect(best).toMatchObject({ answer: 'climb', start: 4, end: 9 });
    // Softmax over [CLS] and the five context tokens, [CLS] then zeroed.
    const z = (l: number[]) => Math.exp(5) + l.reduce((s, v) => s + Math.exp(v), 0);
    const pStart = Math.exp(4) / z([0, 4, 0, 0, 0]);
    const pEnd = Math.exp(4) / z([0, 4, 0, 1, 0]);
    expect(best!.score).toBeCloseTo(pStart * pEnd, 12);
  });

  it('align_to_words widens the span to the whole word; maxAnswerLength and topK', () => {
    expect(decodeAnswers([window], context)[0]).toMatchObject({ answer: 'hillclimbing', start: 0, end: 12 });
    const two = decodeAnswers([window], context, { topK: 2, alignToWords: false });
    expect(two.map((a) => a.answer)).toEqual(['climb', 'climbing is']);
    expect(decodeAnswers([{ ...window, start: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], end: [0, 0, 0, 0, 0, 0, 0, 0, 9, 0] }], context, { maxAnswerLength: 1, alignToWords: false })[0]!.answer).toBe('fun');
  });

  it('handleImpossible: [CLS] x [CLS] competes as the empty answer', () => {
    const sure = { ...window, start: [20, 0, 0, 0, 0, 0, 0, 0, 0, 0], end: [20, 0, 0, 0, 0, 0, 0, 0, 0, 0] };
    expect(decodeAnswers([sure], context, { handleImpossible: true })[0]).toMatchObject({ answer: '', start: -1, end: -1 });
  });
});
