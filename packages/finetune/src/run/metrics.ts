import { entityScores } from '@bertkit/trainer';

/** Single-label classification: accuracy and macro F1 over the classes seen in gold or predicted (scikit-learn's f1_score(average='macro')). */
export function classifyMetrics(gold: readonly number[], predicted: readonly number[]): Record<string, number> {
  const classes = [...new Set([...gold, ...predicted])];
  let correct = 0;
  gold.forEach((g, i) => void (g === predicted[i] && correct++));
  const f1s = classes.map((c) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    gold.forEach((g, i) => {
      const p = predicted[i];
      if (p === c && g === c) tp++;
      else if (p === c) fp++;
      else if (g === c) fn++;
    });
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return { accuracy: gold.length === 0 ? 0 : correct / gold.length, f1: f1s.length === 0 ? 0 : f1s.reduce((a, b) => a + b, 0) / f1s.length };
}

/** Multi-label: micro F1 over every (example, class) decision and subset accuracy (every class right) as `accuracy`. */
export function multiLabelMetrics(gold: readonly (readonly number[])[], predicted: readonly (readonly number[])[]): Record<string, number> {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let exact = 0;
  gold.forEach((g, i) => {
    const p = predicted[i]!;
    let same = true;
    g.forEach((v, k) => {
      const q = p[k]!;
      if (q === 1 && v === 1) tp++;
      else if (q === 1) fp++;
      else if (v === 1) fn++;
      if (q !== v) same = false;
    });
    if (same) exact++;
  });
  return { f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn), accuracy: gold.length === 0 ? 0 : exact / gold.length };
}

/** Regression: mean squared error and Pearson's r (0 when either side is constant). */
export function regressionMetrics(gold: readonly number[], predicted: readonly number[]): Record<string, number> {
  const n = gold.length;
  if (n === 0) return { mse: 0, pearson: 0 };
  let mse = 0;
  let mg = 0;
  let mp = 0;
  for (let i = 0; i < n; i++) {
    mse += (gold[i]! - predicted[i]!) ** 2;
    mg += gold[i]!;
    mp += predicted[i]!;
  }
  mg /= n;
  mp /= n;
  let sgp = 0;
  let sgg = 0;
  let spp = 0;
  for (let i = 0; i < n; i++) {
    const a = gold[i]! - mg;
    const b = predicted[i]! - mp;
    sgp += a * b;
    sgg += a * a;
    spp += b * b;
  }
  return { mse: mse / n, pearson: sgg === 0 || spp === 0 ? 0 : sgp / Math.sqrt(sgg * spp) };
}

/**
 * NER: entity-level precision / recall / F1 (conlleval rules, as `bertkit eval`) over the tags of the labelled
 * positions (first subwords), plus token accuracy there. `gold` / `predicted`: label ids per labelled position.
 */
export function nerMetrics(gold: readonly (readonly number[])[], predicted: readonly (readonly number[])[], labelNames: readonly string[]): Record<string, number> {
  const tag = (id: number) => labelNames[id] ?? 'O';
  const scores = entityScores(gold.map((s) => s.map(tag)), predicted.map((s) => s.map(tag)));
  let correct = 0;
  let total = 0;
  gold.forEach((s, i) => s.forEach((g, k) => void (total++, g === predicted[i]![k] && correct++)));
  return { precision: scores.precision, recall: scores.recall, f1: scores.f1, accuracy: total === 0 ? 0 : correct / total };
}

/** The best span with start <= end < start + maxLength by start + end logit, as the QA pipeline picks it. */
export function bestSpan(start: Float32Array, end: Float32Array, length: number, maxLength = 30): [number, number] {
  let best = -Infinity;
  let span: [number, number] = [0, 0];
  for (let s = 0; s < length; s++) {
    for (let e = s; e < Math.min(length, s + maxLength); e++) {
      const score = start[s]! + end[e]!;
      if (score > best) {
        best = score;
        span = [s, e];
      }
    }
  }
  return span;
}

/** QA on token spans: exact match and token-overlap F1 (SQuAD's F1 with tokens as positions), as fractions. */
export function qaMetrics(gold: readonly (readonly [number, number])[], predicted: readonly (readonly [number, number])[]): Record<string, number> {
  let exact = 0;
  let f1 = 0;
  gold.forEach(([gs, ge], i) => {
    const [ps, pe] = predicted[i]!;
    if (gs === ps && ge === pe) exact++;
    const overlap = Math.max(0, Math.min(ge, pe) - Math.max(gs, ps) + 1);
    if (overlap > 0) {
      const precision = overlap / (pe - ps + 1);
      const recall = overlap / (ge - gs + 1);
      f1 += (2 * precision * recall) / (precision + recall);
    }
  });
  const n = Math.max(1, gold.length);
  return { exact: exact / n, f1: f1 / n };
}
