import type { Label } from '@bertkit/heads';
import { TrainerError } from './errors.js';
import { seededRandom, shuffle } from './random.js';

export interface Split {
  train: number[];
  test: number[];
}

export interface SplitOptions {
  /** Fraction (0..1) or count of rows for the test side. Default 0.25, as scikit-learn. */
  testSize?: number;
  seed?: number;
  /** Keep each label's share equal on both sides (default true when labels are given). */
  stratify?: boolean;
}

function groupsOf(labels: readonly Label[]): number[][] {
  const byLabel = new Map<Label, number[]>();
  labels.forEach((l, i) => byLabel.set(l, [...(byLabel.get(l) ?? []), i]));
  return [...byLabel.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, rows]) => rows);
}

/**
 * Seeded train/test split of row indexes. Stratified, each label gets round(share x test size) test
 * rows (largest remainders first, so the total is exact) and at least one row stays on each side.
 */
export function trainTestSplit(labels: readonly Label[], options: SplitOptions = {}): Split {
  const n = labels.length;
  const size = options.testSize ?? 0.25;
  const testCount = size > 0 && size < 1 ? Math.ceil(size * n) : size;
  if (!Number.isInteger(testCount) || testCount < 1 || testCount >= n) {
    throw new TrainerError('E_INVALID_OPTION', `testSize must be a fraction in (0, 1) or a count in [1, ${n - 1}], got ${size}`);
  }
  const random = seededRandom(options.seed ?? 0);
  if (!(options.stratify ?? true)) {
    const order = shuffle(Array.from({ length: n }, (_, i) => i), random);
    return { test: order.slice(0, testCount).sort((a, b) => a - b), train: order.slice(testCount).sort((a, b) => a - b) };
  }
  const groups = groupsOf(labels).map((rows) => shuffle(rows, random));
  const small = groups.find((g) => g.length < 2);
  if (small) throw new TrainerError('E_TOO_FEW', `label ${JSON.stringify(labels[small[0] as number])} has a single row; a stratified split needs at least 2 per label`);
  const exact = groups.map((g) => (g.length * testCount) / n);
  const counts = exact.map(Math.floor);
  let left = testCount - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, k) => [e - Math.floor(e), k] as const).sort((a, b) => b[0] - a[0]);
  for (const [, k] of byRemainder) {
    if (left === 0) break;
    counts[k] = (counts[k] as number) + 1;
    left--;
  }
  const test: number[] = [];
  const train: number[] = [];
  groups.forEach((rows, k) => {
    const c = Math.min(Math.max(counts[k] as number, 1), rows.length - 1);
    test.push(...rows.slice(0, c));
    train.push(...rows.slice(c));
  });
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/**
 * Stratified k folds (scikit-learn's StratifiedKFold with shuffle and a seed): each label's rows are
 * dealt round-robin over the folds, so every fold keeps the label shares.
 */
export function stratifiedKFold(labels: readonly Label[], folds = 5, seed = 0): Split[] {
  if (!Number.isInteger(folds) || folds < 2) throw new TrainerError('E_INVALID_OPTION', `folds must be an integer >= 2, got ${folds}`);
  const random = seededRandom(seed);
  const groups = groupsOf(labels);
  const small = groups.find((g) => g.length < folds);
  if (small) {
    throw new TrainerError('E_TOO_FEW', `label ${JSON.stringify(labels[small[0] as number])} has ${small.length} row(s), fewer than the ${folds} folds`);
  }
  const foldOf = new Int32Array(labels.length);
  let offset = 0;
  for (const rows of groups) {
    shuffle(rows, random).forEach((row, i) => {
      foldOf[row] = (offset + i) % folds;
    });
    offset += rows.length;
  }
  return Array.from({ length: folds }, (_, f) => {
    const split: Split = { train: [], test: [] };
    foldOf.forEach((fold, row) => (fold === f ? split.test : split.train).push(row));
    return split;
  });
}
