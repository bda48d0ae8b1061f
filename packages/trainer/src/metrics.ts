import type { Label } from '@bertkit/heads';
import { TrainerError } from './errors.js';

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  labels: Label[];
  perClass: Array<{ label: Label } & ClassScores>;
  macro: ClassScores;
  micro: ClassScores;
  weighted: ClassScores;
  confusion: number[][];
}

function sortedLabels(values: readonly Label[]): Label[] {
  return [...new Set(values)].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

function checkPair(yTrue: readonly Label[], yPred: readonly Label[]): void {
  if (yTrue.length !== yPred.length) throw new TrainerError('E_SHAPE', `yTrue has ${yTrue.length} labels but yPred has ${yPred.length}`);
  if (yTrue.length === 0) throw new TrainerError('E_TOO_FEW', 'no labels to score');
}

export function accuracy(yTrue: readonly Label[], yPred: readonly Label[]): number {
  checkPair(yTrue, yPred);
  let right = 0;
  yTrue.forEach((t, i) => {
    if (t === yPred[i]) right++;
  });
  return right / yTrue.length;
}

/** Rows are true labels, columns predicted, both in `labels` order (default: every label seen, sorted). */
export function confusionMatrix(yTrue: readonly Label[], yPred: readonly Label[], labels = sortedLabels([...yTrue, ...yPred])): number[][] {
  checkPair(yTrue, yPred);
  const index = new Map(labels.map((l, i) => [l, i]));
  const m = labels.map(() => labels.map(() => 0));
  yTrue.forEach((t, i) => {
    const r = index.get(t);
    const c = index.get(yPred[i] as Label);
    if (r !== undefined && c !== undefined) (m[r] as number[])[c] = ((m[r] as number[])[c] as number) + 1;
  });
  return m;
}

/** Precision, recall and F1 per class, their macro, micro and support-weighted averages (0 where undefined, as scikit-learn's zero_division=0). */
export function classificationReport(yTrue: readonly Label[], yPred: readonly Label[]): ClassificationReport {
  const labels = sortedLabels([...yTrue, ...yPred]);
  const confusion = confusionMatrix(yTrue, yPred, labels);
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));
  const perClass = labels.map((label, k) => {
    const tp = (confusion[k] as number[])[k] as number;
    const predicted = confusion.reduce((s, row) => s + (row[k] as number), 0);
    const support = (confusion[k] as number[]).reduce((a, b) => a + b, 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { label, precision, recall, f1: f1(precision, recall), support };
  });
  const total = yTrue.length;
  const mean = (key: 'precision' | 'recall' | 'f1', weighted: boolean) => {
    const present = perClass.filter((c) => !weighted || c.support > 0);
    return weighted ? present.reduce((s, c) => s + c[key] * c.support, 0) / total : perClass.reduce((s, c) => s + c[key], 0) / perClass.length;
  };
  const tpAll = labels.reduce<number>((s, _, k) => s + ((confusion[k] as number[])[k] as number), 0);
  const micro = ratio(tpAll, total);
  return {
    accuracy: micro,
    labels,
    perClass,
    macro: { precision: mean('precision', false), recall: mean('recall', false), f1: mean('f1', false), support: total },
    micro: { precision: micro, recall: micro, f1: micro, support: total },
    weighted: { precision: mean('precision', true), recall: mean('recall', true), f1: mean('f1', true), support: total },
    confusion,
  };
}

/** Area under the ROC curve for a binary problem: the probability a positive outranks a negative (ties count half). */
export function rocAuc(yTrue: readonly Label[], scores: ArrayLike<number>, positive: Label): number {
  if (yTrue.length !== scores.length) throw new TrainerError('E_SHAPE', `yTrue has ${yTrue.length} labels but scores has ${scores.length}`);
  const order = Array.from({ length: yTrue.length }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j: number = i;
    while (j < order.length && scores[order[j] as number] === scores[order[i] as number]) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (yTrue[order[k] as number] === positive) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j;
  }
  const negatives = yTrue.length - positives;
  if (positives === 0 || negatives === 0) throw new TrainerError('E_TOO_FEW', 'ROC-AUC needs both positive and negative examples');
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
