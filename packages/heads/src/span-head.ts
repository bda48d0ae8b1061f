import type { SavedHead } from './classifier.js';
import { HeadsError } from './errors.js';
import { minimize } from './lbfgs.js';

/** One question+context window: token vectors with offsets and type ids (1 = context), as encodeTokens returns. */
export interface SpanWindow {
  vectors: Float32Array;
  dim: number;
  offsets: ReadonlyArray<readonly [number, number]>;
  typeIds: ArrayLike<number>;
  specialTokensMask?: ArrayLike<number>;
}

export interface SpanTarget {
  /** Token positions of the answer's first and last token in this window; 0 and 0 ([CLS]) for no answer. */
  start: number;
  end: number;
}

export interface SpanAnswer {
  text: string;
  /** Character offsets in the context; -1 for no answer. */
  start: number;
  end: number;
  score: number;
}

export interface SpanPrediction extends SpanAnswer {
  nBest: SpanAnswer[];
  /** [CLS] start + end logits (the least over windows): the no-answer score. */
  noAnswerScore: number;
}

export interface SpanHeadOptions {
  C?: number;
  maxIter?: number;
  tol?: number;
}

const VERSION = 1;
export const SPAN_HEAD = 'span-head';

/**
 * Extractive QA (the BERT paper's SQuAD head): start and end logits are dot products of each token's
 * features with two learned vectors, trained with softmax cross-entropy over the window's positions
 * (position 0, [CLS], stands for "no answer"), L2-penalised like LogisticRegression.
 */
export class SpanHead {
  readonly options: Required<SpanHeadOptions>;
  start = new Float64Array(0);
  end = new Float64Array(0);
  dim = 0;

  constructor(options: SpanHeadOptions = {}) {
    const C = options.C ?? 1;
    if (!(C > 0)) throw new HeadsError('E_INVALID_OPTION', `C must be positive, got ${JSON.stringify(C)}`);
    this.options = { C, maxIter: options.maxIter ?? 300, tol: options.tol ?? 1e-4 };
  }

  fit(windows: readonly SpanWindow[], targets: readonly SpanTarget[]): this {
    if (windows.length === 0) throw new HeadsError('E_EMPTY', 'no windows to fit');
    if (windows.length !== targets.length) throw new HeadsError('E_SHAPE', `${windows.length} windows but ${targets.length} targets`);
    const dim = (windows[0] as SpanWindow).dim;
    windows.forEach((w, i) => {
      const n = w.offsets.length;
      const t = targets[i] as SpanTarget;
      if (w.dim !== dim) throw new HeadsError('E_SHAPE', `window ${i} has dim ${w.dim}, window 0 has ${dim}`);
      if (!(t.start >= 0 && t.end >= t.start && t.end < n)) throw new HeadsError('E_SHAPE', `window ${i}: target [${t.start}, ${t.end}] is not a span of its ${n} tokens`);
      for (let k = 0; k < w.vectors.length; k++) if (!Number.isFinite(w.vectors[k] as number)) throw new HeadsError('E_NOT_FINITE', `window ${i}: feature ${k} is ${w.vectors[k]}`);
    });
    const C = this.options.C;
    const objective = (params: Float64Array, gradient: Float64Array): number => {
      gradient.fill(0);
      let loss = 0;
      windows.forEach((w, i) => {
        const t = targets[i] as SpanTarget;
        for (const [offset, target] of [[0, t.start], [dim, t.end]] as const) {
          const logits = this.logits(w, params.subarray(offset, offset + dim));
          let max = Number.NEGATIVE_INFINITY;
          for (const v of logits) max = Math.max(max, v);
          let sum = 0;
          for (const v of logits) sum += Math.exp(v - max);
          const lse = max + Math.log(sum);
          loss += lse - (logits[target] as number);
          logits.forEach((v, p) => {
            const r = Math.exp(v - lse) - (p === target ? 1 : 0);
            for (let d = 0; d < dim; d++) gradient[offset + d] = (gradient[offset + d] as number) + r * (w.vectors[p * dim + d] as number);
          });
        }
      });
      let penalty = 0;
      for (let k = 0; k < params.length; k++) {
        penalty += (params[k] as number) ** 2;
        gradient[k] = (gradient[k] as number) + (params[k] as number) / C;
      }
      return loss + penalty / (2 * C);
    };
    const result = minimize(objective, new Float64Array(2 * dim), { maxIter: this.options.maxIter, gtol: this.options.tol });
    this.dim = dim;
    this.start = result.x.slice(0, dim);
    this.end = result.x.slice(dim);
    return this;
  }

  /**
   * The best answer over one question's windows (a long context split with stride), mapped to
   * character offsets in `context`; with `noAnswerThreshold`, "" when the no-answer score beats the best
   * span by more than the threshold.
   */
  predict(windows: readonly SpanWindow[], context: string, options: { maxAnswerLength?: number; nBest?: number; noAnswerThreshold?: number } = {}): SpanPrediction {
    if (this.dim === 0) throw new HeadsError('E_NOT_FITTED', 'this SpanHead is not fitted yet');
    const maxLength = options.maxAnswerLength ?? 30;
    const nBest = options.nBest ?? 5;
    const candidates: SpanAnswer[] = [];
    let noAnswer = Number.POSITIVE_INFINITY;
    for (const w of windows) {
      if (w.dim !== this.dim) throw new HeadsError('E_SHAPE', `window has dim ${w.dim}, the head was fitted on ${this.dim}`);
      const s = this.logits(w, this.start);
      const e = this.logits(w, this.end);
      noAnswer = Math.min(noAnswer, (s[0] as number) + (e[0] as number));
      const inContext = (p: number) => w.typeIds[p] === 1 && !(w.specialTokensMask?.[p] === 1);
      // Only the top start and end positions can form the n best spans (as the HF QA pipeline's topk).
      const top = (l: Float64Array) => Array.from(l.keys()).filter(inContext).sort((a, b) => (l[b] as number) - (l[a] as number)).slice(0, 20);
      for (const a of top(s)) {
        for (const b of top(e)) {
          if (b < a || b - a + 1 > maxLength) continue;
          const start = (w.offsets[a] as readonly [number, number])[0];
          const end = (w.offsets[b] as readonly [number, number])[1];
          candidates.push({ text: context.slice(start, end), start, end, score: (s[a] as number) + (e[b] as number) });
        }
      }
    }
    candidates.sort((a, b) => b.score - a.score);
    const unique = candidates.filter((c, i) => candidates.findIndex((d) => d.start === c.start && d.end === c.end) === i).slice(0, nBest);
    const best = unique[0];
    const none: SpanAnswer = { text: '', start: -1, end: -1, score: noAnswer };
    const pick = !best || (options.noAnswerThreshold !== undefined && noAnswer - best.score > options.noAnswerThreshold) ? none : best;
    return { ...pick, nBest: unique, noAnswerScore: noAnswer };
  }

  toJSON(): SavedHead {
    return { type: SPAN_HEAD, version: VERSION, options: this.options, dim: this.dim, start: Array.from(this.start), end: Array.from(this.end) };
  }

  static fromJSON(json: unknown): SpanHead {
    const j = json as Record<string, unknown> | null;
    if (!j || j.type !== SPAN_HEAD) throw new HeadsError('E_BAD_SAVED', `not a saved ${SPAN_HEAD}: type is ${JSON.stringify(j?.type)}`);
    if (j.version !== VERSION) throw new HeadsError('E_BAD_SAVED', `${SPAN_HEAD} version ${JSON.stringify(j.version)}; this build reads version ${VERSION}`);
    const dim = j.dim;
    const ok = (v: unknown) => Array.isArray(v) && v.length === dim && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!Number.isInteger(dim) || !ok(j.start) || !ok(j.end)) throw new HeadsError('E_BAD_SAVED', `${SPAN_HEAD}: start/end must be ${dim} finite numbers`);
    const head = new SpanHead((j.options ?? {}) as SpanHeadOptions);
    head.dim = dim as number;
    head.start = Float64Array.from(j.start as number[]);
    head.end = Float64Array.from(j.end as number[]);
    return head;
  }

  private logits(w: SpanWindow, weights: Float64Array): Float64Array {
    const n = w.offsets.length;
    const out = new Float64Array(n);
    for (let p = 0; p < n; p++) {
      let v = 0;
      for (let d = 0; d < w.dim; d++) v += (w.vectors[p * w.dim + d] as number) * (weights[d] as number);
      out[p] = v;
    }
    return out;
  }
}

/** The answer's token span in a window (context tokens covering [answerStart, answerEnd)), or [CLS] when it is not wholly inside. */
export function spanTarget(window: Pick<SpanWindow, 'offsets' | 'typeIds' | 'specialTokensMask'>, answerStart: number, answerEnd: number): SpanTarget {
  let start = -1;
  let end = -1;
  window.offsets.forEach(([a, b], p) => {
    if (window.typeIds[p] !== 1 || window.specialTokensMask?.[p] === 1) return;
    if (start < 0 && a <= answerStart && answerStart < b) start = p;
    if (a < answerEnd && answerEnd <= b) end = p;
  });
  return start >= 0 && end >= start ? { start, end } : { start: 0, end: 0 };
}
