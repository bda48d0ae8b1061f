/** McNemar's exact test on paired predictions of two classifiers over the same examples. */
export interface McNemar {
  /** Examples only the first classifier gets right. */
  firstOnly: number;
  /** Examples only the second classifier gets right. */
  secondOnly: number;
  /** Two-sided exact p-value: the discordant pairs as Binomial(firstOnly + secondOnly, 1/2). */
  p: number;
}

/**
 * Whether two classifiers' accuracies on one test set really differ: a gap of a few examples out of
 * hundreds is often chance, and a bare "higher" hides that. Log-space binomial terms keep n in the
 * thousands exact enough.
 */
export function mcnemar(first: ArrayLike<unknown>, second: ArrayLike<unknown>, truth: ArrayLike<unknown>): McNemar {
  let firstOnly = 0;
  let secondOnly = 0;
  for (let i = 0; i < truth.length; i++) {
    const a = first[i] === truth[i];
    const b = second[i] === truth[i];
    if (a && !b) firstOnly++;
    else if (b && !a) secondOnly++;
  }
  const n = firstOnly + secondOnly;
  const k = Math.min(firstOnly, secondOnly);
  let logFactorial = 0;
  const logFact: number[] = [0];
  for (let i = 1; i <= n; i++) logFact.push((logFactorial += Math.log(i)));
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logFact[n]! - logFact[i]! - logFact[n - i]! - n * Math.LN2);
  return { firstOnly, secondOnly, p: n === 0 ? 1 : Math.min(1, 2 * tail) };
}
