// Metrics against hand-computed cases: classification report, confusion matrix, ROC-AUC with ties,
// conlleval entity scores (including its I-starts-an-entity and type-change rules) and SQuAD EM/F1.
import { describe, expect, it } from 'vitest';
import { accuracy, classificationReport, confusionMatrix, entitiesFromTags, entityScores, exactMatch, normalizeAnswer, rocAuc, squadF1, squadScores } from './index.js';

describe('classification metrics', () => {
  const yTrue = ['cat', 'cat', 'cat', 'dog', 'dog', 'bird'];
  const yPred = ['cat', 'dog', 'cat', 'dog', 'cat', 'cat'];

  it('confusion matrix rows are truth, columns predictions, labels sorted', () => {
    expect(confusionMatrix(yTrue, yPred)).toEqual([
      [0, 1, 0], // bird
      [0, 2, 1], // cat
      [0, 1, 1], // dog
    ]);
    expect(accuracy(yTrue, yPred)).toBeCloseTo(3 / 6, 12);
  });

  it('per-class, macro, micro and weighted precision / recall / F1 (0 where undefined)', () => {
    const r = classificationReport(yTrue, yPred);
    const [bird, cat, dog] = r.perClass;
    expect(bird).toMatchObject({ label: 'bird', precision: 0, recall: 0, f1: 0, support: 1 });
    expect(cat!.precision).toBeCloseTo(2 / 4, 12);
    expect(cat!.recall).toBeCloseTo(2 / 3, 12);
    expect(cat!.f1).toBeCloseTo((2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3), 12);
    expect(dog!.precision).toBeCloseTo(1 / 2, 12);
    expect(dog!.recall).toBeCloseTo(1 / 2, 12);
    expect(r.macro.precision).toBeCloseTo((0 + 0.5 + 0.5) / 3, 12);
    expect(r.macro.f1).toBeCloseTo((0 + cat!.f1 + 0.5) / 3, 12);
    expect(r.weighted.recall).toBeCloseTo((0 * 1 + (2 / 3) * 3 + 0.5 * 2) / 6, 12);
    expect(r.micro.f1).toBeCloseTo(0.5, 12);
  });

  it('ROC-AUC: perfect, inverted, and ties counted half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 1)).toBe(1);
    expect(rocAuc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1], 1)).toBe(0);
    // Pairs (pos, neg): (0.5 vs 0.5) tie = 0.5, (0.5 vs 0.1) = 1, (0.9 vs both) = 2 -> 3.5 / 4.
    expect(rocAuc(['n', 'n', 'p', 'p'], [0.5, 0.1, 0.5, 0.9], 'p')).toBeCloseTo(3.5 / 4, 12);
    expect(() => rocAuc([1, 1], [0.2, 0.3], 1)).toThrow(/both positive and negative/);
  });

  it('mismatched lengths are an error', () => {
    expect(() => accuracy([1, 2], [1])).toThrow(/2 labels but yPred has 1/);
  });
});

describe('conlleval entity scores', () => {
  it('B-/I- runs, an I- after O starts an entity, a type change inside a run splits it', () => {
    expect(entitiesFromTags(['B-PER', 'I-PER', 'O', 'I-LOC', 'I-LOC', 'I-ORG', 'B-ORG', 'B-ORG'])).toEqual([
      { start: 0, end: 2, type: 'PER' },
      { start: 3, end: 5, type: 'LOC' }, // I- starting an entity
      { start: 5, end: 6, type: 'ORG' }, // type change inside a run
      { start: 6, end: 7, type: 'ORG' },
      { start: 7, end: 8, type: 'ORG' }, // B- after B- of the same type
    ]);
    expect(entitiesFromTags(['I-MISC', 'B-MISC', 'I-MISC'])).toEqual([
      { start: 0, end: 1, type: 'MISC' },
      { start: 1, end: 3, type: 'MISC' },
    ]);
    expect(entitiesFromTags(['S-PER', 'B-LOC', 'E-LOC', 'O'])).toEqual([
      { start: 0, end: 1, type: 'PER' },
      { start: 1, end: 3, type: 'LOC' },
    ]);
  });

  it('exact span and type must match; precision over predicted, recall over gold', () => {
    const gold = [
      ['B-PER', 'I-PER', 'O', 'B-LOC'],
      ['B-ORG', 'O', 'O'],
    ];
    const predicted = [
      ['B-PER', 'O', 'O', 'B-LOC'], // PER cut short (wrong), LOC right
      ['B-MISC', 'O', 'B-ORG'], // wrong type, spurious ORG
    ];
    const s = entityScores(gold, predicted);
    expect(s).toMatchObject({ gold: 3, predicted: 4, correct: 1 });
    expect(s.precision).toBeCloseTo(1 / 4, 12);
    expect(s.recall).toBeCloseTo(1 / 3, 12);
    expect(s.f1).toBeCloseTo((2 * 0.25 * (1 / 3)) / (0.25 + 1 / 3), 12);
    expect(s.perType.LOC).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(s.perType.MISC).toMatchObject({ gold: 0, predicted: 1, correct: 0, precision: 0 });
    expect(() => entityScores(gold, [predicted[0]!])).toThrow(/2 gold sentences but 1/);
  });
});

describe('SQuAD', () => {
  it('normalizes case, punctuation, articles and whitespace as the official script', () => {
    expect(normalizeAnswer('The  Eiffel-Tower!')).toBe('eiffeltower');
    expect(normalizeAnswer('an apple, a pear and THE plum')).toBe('apple pear and plum');
    expect(normalizeAnswer('theory of the atom')).toBe('theory of atom');
  });

  it('exact match and token F1 take the best gold answer; empty means no answer', () => {
    expect(exactMatch('the Denver Broncos', ['Denver Broncos', 'Broncos'])).toBe(1);
    expect(squadF1('Denver Broncos won', ['Denver Broncos'])).toBeCloseTo((2 * (2 / 3) * 1) / (2 / 3 + 1), 12);
    expect(squadF1('Carolina', ['Denver Broncos', 'Broncos'])).toBe(0);
    expect(squadF1('', [])).toBe(1);
    expect(squadF1('something', [])).toBe(0);
    expect(squadScores(['Denver Broncos', 'Paris'], [['Denver Broncos'], ['London']])).toEqual({ exactMatch: 50, f1: 50 });
  });
});
