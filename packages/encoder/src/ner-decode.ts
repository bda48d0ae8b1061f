import { type AggregationStrategy, LOGISTIC_REGRESSION, TOKEN_CLASSIFIER, TokenClassifier, type TokenEntity } from '@bertkit/heads';
import { EncoderError } from './errors.js';

/**
 * A TokenClassifier whose probabilities are softmax(logits) of a fine-tuned token-classification model,
 * so entities come out of @bertkit/heads' own aggregation (the pipeline's aggregation_strategy) rather
 * than a second copy of it: its logistic head is set to the identity (each class reads its own logit
 * column, intercept 0), fed the logits as features.
 */
export function logitsTokenClassifier(labels: readonly string[]): TokenClassifier {
  const K = labels.length;
  if (K < 2) throw new EncoderError('E_BAD_CONFIG', `a token-classification model needs at least two labels, it has ${K}`);
  if (new Set(labels).size !== K) throw new EncoderError('E_BAD_CONFIG', `id2label names a label twice: ${labels.join(', ')}`);
  // The head orders classes as it sorts them; row k of coef picks the logit column of sorted label k.
  const sorted = [...labels].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const column = new Map(labels.map((l, k) => [l, k]));
  let coef: number[];
  if (K === 2) {
    // Binary heads keep one row, sigmoid(w.x): w = e1 - e0 gives sigmoid(l1 - l0) = softmax.
    coef = new Array<number>(2).fill(0);
    coef[column.get(sorted[1] as string) as number] = 1;
    coef[column.get(sorted[0] as string) as number] = -1;
  } else {
    coef = new Array<number>(K * K).fill(0);
    sorted.forEach((label, k) => {
      coef[k * K + (column.get(label) as number)] = 1;
    });
  }
  const head = { type: LOGISTIC_REGRESSION, version: 1, options: {}, classes: sorted, cols: K, coef, intercept: new Array<number>(K === 2 ? 1 : K).fill(0), mean: null, scale: null, convergence: null };
  return TokenClassifier.fromJSON({ type: TOKEN_CLASSIFIER, version: 1, head });
}

/** One text's token logits (tokens x labels) and its encoding's word ids and offsets. */
export interface TokenLogits {
  logits: Float32Array;
  wordIds: ReadonlyArray<number | null>;
  offsets: ReadonlyArray<readonly [number, number]>;
}

export function decodeEntities(classifier: TokenClassifier, tokens: TokenLogits, text: string, strategy: AggregationStrategy): TokenEntity[] {
  const K = classifier.tags.length;
  return classifier.entities({ vectors: tokens.logits, dim: K, wordIds: tokens.wordIds, offsets: tokens.offsets }, text, strategy);
}
