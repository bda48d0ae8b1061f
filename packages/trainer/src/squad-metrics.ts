import { TrainerError } from './errors.js';
// The official SQuAD evaluation's answer normalisation and scores (v2.0 script semantics for empty answers).
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

export function normalizeAnswer(text: string): string {
  const lower = text.toLowerCase();
  const noPunct = Array.from(lower)
    .filter((c) => !PUNCTUATION.has(c))
    .join('');
  const noArticles = noPunct.replace(/\b(a|an|the)\b/g, ' ');
  return noArticles.split(/\s+/).filter((t) => t.length > 0).join(' ');
}

export function exactMatch(prediction: string, answers: readonly string[]): number {
  const p = normalizeAnswer(prediction);
  return answers.some((a) => normalizeAnswer(a) === p) ? 1 : 0;
}

function f1One(prediction: string, answer: string): number {
  const p = normalizeAnswer(prediction).split(' ').filter(Boolean);
  const g = normalizeAnswer(answer).split(' ').filter(Boolean);
  if (p.length === 0 || g.length === 0) return p.length === g.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Token-overlap F1 against the best of the gold answers (an empty list means "no answer"). */
export function squadF1(prediction: string, answers: readonly string[]): number {
  const golds = answers.length === 0 ? [''] : answers;
  return Math.max(...golds.map((a) => f1One(prediction, a)));
}

export function squadScores(predictions: readonly string[], answers: readonly (readonly string[])[]): { exactMatch: number; f1: number } {
  if (predictions.length === 0 || predictions.length !== answers.length) throw new TrainerError('E_SHAPE', `squadScores: ${predictions.length} predictions for ${answers.length} questions`);
  let em = 0;
  let f1 = 0;
  predictions.forEach((p, i) => {
    const gold = answers[i] as readonly string[];
    em += exactMatch(p, gold.length === 0 ? [''] : gold);
    f1 += squadF1(p, gold);
  });
  return { exactMatch: (100 * em) / predictions.length, f1: (100 * f1) / predictions.length };
}
