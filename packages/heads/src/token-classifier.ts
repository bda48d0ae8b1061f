import type { SavedHead } from './classifier.js';
import { HeadsError } from './errors.js';
import { LogisticRegression, type LogisticRegressionOptions } from './logistic-regression.js';

/** One tokenized sentence with its token vectors, as @bertkit/encoder's encodeTokens returns it. */
export interface TokenFeatures {
  /** tokens x dim, row-major. */
  vectors: Float32Array;
  dim: number;
  /** Word index of each token (null for special tokens). */
  wordIds: ReadonlyArray<number | null>;
  /** Character [start, end) of each token in the text. */
  offsets?: ReadonlyArray<readonly [number, number]>;
}

export type AggregationStrategy = 'none' | 'simple' | 'first' | 'average' | 'max';

export interface TokenEntity {
  /** The entity type ('PER'), or with strategy 'none' the token's tag ('B-PER'). */
  entity: string;
  score: number;
  start: number;
  end: number;
  word: string;
}

const VERSION = 1;
export const TOKEN_CLASSIFIER = 'token-classifier';

/**
 * NER as in the BERT paper's feature-based setup: a softmax over each token's features (e.g. the last four
 * layers concatenated), trained on the first sub-token of every word (the others are ignored, as with
 * label_all_tokens=False), decoded to entities with Hugging Face's token-classification aggregation.
 */
export class TokenClassifier {
  readonly head: LogisticRegression;

  constructor(options: LogisticRegressionOptions = {}) {
    this.head = new LogisticRegression({ maxIter: 300, ...options });
  }

  get tags(): readonly string[] {
    return this.head.classes as string[];
  }

  fit(sentences: readonly TokenFeatures[], tags: readonly (readonly string[])[]): this {
    if (sentences.length !== tags.length) throw new HeadsError('E_SHAPE', `${sentences.length} sentences but ${tags.length} tag lists`);
    if (sentences.length === 0) throw new HeadsError('E_EMPTY', 'no sentences to fit');
    const dim = sentences[0]?.dim as number;
    const rows: number[] = [];
    const labels: string[] = [];
    let count = 0;
    sentences.forEach((s, i) => {
      const wordTags = tags[i] as readonly string[];
      if (s.dim !== dim) throw new HeadsError('E_SHAPE', `sentence ${i} has ${s.dim}-dimensional tokens, sentence 0 has ${dim}`);
      firstSubTokens(s.wordIds).forEach((token, word) => {
        if (token < 0) return; // a word cut away by truncation
        const tag = wordTags[word];
        if (tag === undefined) throw new HeadsError('E_SHAPE', `sentence ${i}: word ${word} has a token but no tag (${wordTags.length} tags)`);
        rows.push(i, token);
        labels.push(tag);
        count++;
      });
    });
    const data = new Float32Array(count * dim);
    for (let k = 0; k < count; k++) {
      const s = sentences[rows[2 * k] as number] as TokenFeatures;
      const t = rows[2 * k + 1] as number;
      data.set(s.vectors.subarray(t * dim, (t + 1) * dim), k * dim);
    }
    this.head.fit({ data, rows: count, cols: dim }, labels);
    return this;
  }

  /** Tag probabilities of every token: tokens x tags, row-major, columns in `tags` order. */
  tokenProbabilities(sentence: TokenFeatures): Float64Array {
    const n = sentence.wordIds.length;
    return this.head.predictProba({ data: sentence.vectors.subarray(0, n * sentence.dim), rows: n, cols: sentence.dim }).data;
  }

  /** One tag per word (from its first sub-token), for conlleval-style scoring. */
  predictWordTags(sentence: TokenFeatures, words: number): string[] {
    const p = this.tokenProbabilities(sentence);
    const K = this.tags.length;
    const out = new Array<string>(words).fill('O');
    firstSubTokens(sentence.wordIds).forEach((token, word) => {
      if (token >= 0 && word < words) out[word] = this.tags[argmax(p, token * K, K)] as string;
    });
    return out;
  }

  /** Entities with character offsets into `text`, grouped as the Hugging Face pipeline's aggregation_strategy. */
  entities(sentence: TokenFeatures, text: string, strategy: AggregationStrategy = 'simple'): TokenEntity[] {
    const offsets = sentence.offsets;
    if (!offsets) throw new HeadsError('E_SHAPE', 'entities need token offsets (encodeTokens returns them)');
    const p = this.tokenProbabilities(sentence);
    const K = this.tags.length;
    const tokens: Array<{ tag: string; score: number; scores: Float64Array; start: number; end: number; word: number }> = [];
    sentence.wordIds.forEach((word, t) => {
      if (word === null) return;
      const k = argmax(p, t * K, K);
      const [start, end] = offsets[t] as readonly [number, number];
      tokens.push({ tag: this.tags[k] as string, score: p[t * K + k] as number, scores: p.subarray(t * K, (t + 1) * K), start, end, word });
    });
    if (strategy === 'none') {
      return tokens.filter((t) => t.tag !== 'O').map((t) => ({ entity: t.tag, score: t.score, start: t.start, end: t.end, word: text.slice(t.start, t.end) }));
    }
    let units = tokens;
    if (strategy !== 'simple') {
      // Word-level: one tag per word from its sub-tokens, then grouped like 'simple'.
      const byWord = new Map<number, typeof tokens>();
      for (const t of tokens) byWord.set(t.word, [...(byWord.get(t.word) ?? []), t]);
      units = [...byWord.values()].map((group) => {
        const first = group[0] as (typeof tokens)[number];
        const last = group[group.length - 1] as (typeof tokens)[number];
        let scores: Float64Array;
        if (strategy === 'first') scores = first.scores;
        else if (strategy === 'max') scores = group.reduce((a, b) => (b.score > a.score ? b : a)).scores;
        else {
          scores = new Float64Array(K);
          for (const t of group) for (let k = 0; k < K; k++) scores[k] = (scores[k] as number) + (t.scores[k] as number) / group.length;
        }
        const k = argmax(scores, 0, K);
        return { tag: this.tags[k] as string, score: scores[k] as number, scores, start: first.start, end: last.end, word: first.word };
      });
    } else if (!['simple', 'first', 'average', 'max'].includes(strategy)) {
      throw new HeadsError('E_INVALID_OPTION', `strategy must be none, simple, first, average or max; got ${JSON.stringify(strategy)}`);
    }
    const entities: TokenEntity[] = [];
    let open: { type: string; scores: number[]; start: number; end: number } | null = null;
    const close = () => {
      if (open) entities.push({ entity: open.type, score: open.scores.reduce((a, b) => a + b, 0) / open.scores.length, start: open.start, end: open.end, word: text.slice(open.start, open.end) });
      open = null;
    };
    for (const u of units) {
      const [prefix, type] = u.tag === 'O' ? ['O', ''] : [u.tag.slice(0, 1), u.tag.slice(2)];
      if (prefix === 'O') {
        close();
        continue;
      }
      // As the pipeline's group_entities: a B- (or a type change) starts a new entity.
      if (open === null || prefix === 'B' || prefix === 'S' || (open as { type: string }).type !== type) {
        close();
        open = { type, scores: [u.score], start: u.start, end: u.end };
      } else {
        (open as { scores: number[] }).scores.push(u.score);
        (open as { end: number }).end = u.end;
      }
    }
    close();
    return entities;
  }

  toJSON(): SavedHead {
    return { type: TOKEN_CLASSIFIER, version: VERSION, head: this.head.toJSON() };
  }

  static fromJSON(json: unknown): TokenClassifier {
    const j = json as Record<string, unknown> | null;
    if (!j || j.type !== TOKEN_CLASSIFIER) throw new HeadsError('E_BAD_SAVED', `not a saved ${TOKEN_CLASSIFIER}: type is ${JSON.stringify(j?.type)}`);
    if (j.version !== VERSION) throw new HeadsError('E_BAD_SAVED', `${TOKEN_CLASSIFIER} version ${JSON.stringify(j.version)}; this build reads version ${VERSION}`);
    const model = new TokenClassifier();
    Object.assign(model, { head: LogisticRegression.fromJSON(j.head) });
    return model;
  }
}

/** For each word index, the position of its first token (-1 when the word has none). */
export function firstSubTokens(wordIds: ReadonlyArray<number | null>): number[] {
  const first: number[] = [];
  wordIds.forEach((w, t) => {
    if (w === null) return;
    while (first.length <= w) first.push(-1);
    if (first[w] === -1) first[w] = t;
  });
  return first;
}

function argmax(values: ArrayLike<number>, from: number, count: number): number {
  let best = 0;
  for (let k = 1; k < count; k++) if ((values[from + k] as number) > (values[from + best] as number)) best = k;
  return best;
}
