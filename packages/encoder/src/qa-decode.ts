/** One answer span of a question-answering model, in characters of the context. */
export interface QaAnswer {
  answer: string;
  /** [start, end) in the context, UTF-16 code units; -1 for "no answer". */
  start: number;
  end: number;
  /** p(start) x p(end), the transformers question-answering pipeline's score. */
  score: number;
}

/** One window's logits with what decoding needs from its encoding. */
export interface QaWindow {
  start: ArrayLike<number>;
  end: ArrayLike<number>;
  /** Which tokens are context (sequence id 1), the only ones an answer may cover. */
  context: ArrayLike<boolean>;
  /** Token offsets in the context. */
  offsets: ReadonlyArray<readonly [number, number]>;
  /** Position of [CLS] (the no-answer token), or -1. */
  cls: number;
  /** Word of each token (null for special tokens), to widen answers to whole words. */
  wordIds?: ReadonlyArray<number | null>;
}

export interface QaDecodeOptions {
  /** Longest answer in tokens. Default 15 (the pipeline's max_answer_len). */
  maxAnswerLength?: number;
  /** Answers to return, best first. Default 1. */
  topK?: number;
  /** Also consider "no answer" ([CLS] x [CLS]) as the pipeline's handle_impossible_answer. Default false. */
  handleImpossible?: boolean;
  /** Widen an answer to the whole words its first and last tokens belong to (the pipeline's align_to_words). Default true. */
  alignToWords?: boolean;
}

/** Character span of tokens a..b, widened to whole words when word ids are known. */
function span(w: QaWindow, a: number, b: number, align: boolean): [number, number] {
  let first = a;
  let last = b;
  const words = w.wordIds;
  if (align && words) {
    const startWord = words[a];
    const endWord = words[b];
    while (first > 0 && startWord !== null && startWord !== undefined && words[first - 1] === startWord && w.context[first - 1] === true) first--;
    while (last + 1 < words.length && endWord !== null && endWord !== undefined && words[last + 1] === endWord && w.context[last + 1] === true) last++;
  }
  return [(w.offsets[first] as readonly [number, number])[0], (w.offsets[last] as readonly [number, number])[1]];
}

/** Softmax over the allowed positions (context and [CLS]); the others get the pipeline's -10000 logit. */
function maskedSoftmax(logits: ArrayLike<number>, allowed: (p: number) => boolean, n: number): Float64Array {
  const out = new Float64Array(n);
  let max = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < n; p++) max = Math.max(max, (out[p] = allowed(p) ? (logits[p] as number) : -10000));
  let sum = 0;
  for (let p = 0; p < n; p++) sum += out[p] = Math.exp((out[p] as number) - max);
  for (let p = 0; p < n; p++) out[p] = (out[p] as number) / sum;
  return out;
}

/**
 * The best spans over one question's windows, scored as the transformers question-answering pipeline
 * does: per window, softmax of start and end logits over the context tokens and [CLS], [CLS] then
 * zeroed, spans with start <= end < start + maxAnswerLength, score p(start) x p(end); best over windows.
 */
export function decodeAnswers(windows: readonly QaWindow[], context: string, options: QaDecodeOptions = {}): QaAnswer[] {
  const maxLength = options.maxAnswerLength ?? 15;
  const topK = options.topK ?? 1;
  const align = options.alignToWords ?? true;
  const candidates: QaAnswer[] = [];
  let nullScore = Number.POSITIVE_INFINITY;
  for (const w of windows) {
    const n = w.offsets.length;
    const allowed = (p: number) => w.context[p] === true || p === w.cls;
    const ps = maskedSoftmax(w.start, allowed, n);
    const pe = maskedSoftmax(w.end, allowed, n);
    if (w.cls >= 0) {
      nullScore = Math.min(nullScore, (ps[w.cls] as number) * (pe[w.cls] as number));
      ps[w.cls] = 0;
      pe[w.cls] = 0;
    }
    for (let a = 0; a < n; a++) {
      if (w.context[a] !== true) continue;
      for (let b = a; b < Math.min(n, a + maxLength); b++) {
        if (w.context[b] !== true) continue;
        const [start, end] = span(w, a, b, align);
        candidates.push({ answer: context.slice(start, end), start, end, score: (ps[a] as number) * (pe[b] as number) });
      }
    }
  }
  if (options.handleImpossible && Number.isFinite(nullScore)) candidates.push({ answer: '', start: -1, end: -1, score: nullScore });
  candidates.sort((x, y) => y.score - x.score);
  const seen = new Set<string>();
  const out: QaAnswer[] = [];
  for (const c of candidates) {
    const key = `${c.start}:${c.end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
    if (out.length === topK) break;
  }
  return out;
}
