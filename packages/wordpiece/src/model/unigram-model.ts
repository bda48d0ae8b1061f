import { TokenizerError } from '../errors.js';
import type { NormalizedBuffer } from '../normalizer/normalized-buffer.js';
import type { TokenSink } from '../pipeline/token-sink.js';
import type { TokenModel } from './model.js';
import { PieceTrie } from './piece-trie.js';
import { serdeJsonF64 } from './serde-float.js';
import { Vocab } from './vocab.js';

export interface UnigramOptions {
  /** Id of the unknown piece; null: an uncoverable character is an error. */
  unkId?: number | null;
  /** Unknown pieces become <0xXX> byte tokens when the vocabulary has them all. Default false. */
  byteFallback?: boolean;
  /** A space unit in the buffer stands for this character (Metaspace's replacement), or null. */
  spaceAs?: string | null;
}

/** Rust's kUnkPenalty: an unknown character scores this much below the worst piece. */
const UNK_PENALTY = 10;
const CACHE_LIMIT = 100_000;

/**
 * SentencePiece Unigram: the segmentation with the highest total score (Viterbi over every vocabulary
 * piece starting at each character), scanned and tie-broken exactly as Hugging Face's
 * `encode_optimized`: starts in order, pieces shortest first, a later candidate only wins when strictly
 * better. Characters no piece covers become the unknown piece; consecutive ones are fused.
 */
export class UnigramModel implements TokenModel {
  readonly vocab: Vocab;
  readonly scores: Float64Array;
  readonly unkId: number;
  readonly byteFallback: boolean;
  private readonly spaceAs: number;
  private readonly trie: PieceTrie;
  private readonly unkScore: number;
  private readonly cache = new Map<string, Int32Array>();
  private sym = new Uint16Array(256);
  private score = new Float64Array(257);
  private from = new Int32Array(257);
  private id = new Int32Array(257);

  constructor(pieces: ReadonlyArray<readonly [string, number]>, options: UnigramOptions = {}) {
    this.vocab = new Vocab(pieces.map(([piece], id): [string, number] => [piece, id]));
    this.scores = Float64Array.from(pieces, ([, score]) => serdeJsonF64(score));
    this.unkId = options.unkId ?? -1;
    this.byteFallback = options.byteFallback ?? false;
    this.spaceAs = options.spaceAs ? options.spaceAs.charCodeAt(0) : -1;
    let units = 0;
    for (const [piece] of pieces) units += piece.length;
    this.trie = new PieceTrie(units);
    let min = Infinity;
    pieces.forEach(([piece], id) => {
      this.trie.insert(piece, id);
      const score = this.scores[id] as number;
      if (score < min) min = score;
    });
    this.unkScore = (pieces.length === 0 ? 0 : min) - UNK_PENALTY;
  }

  tokenizeWord(buffer: NormalizedBuffer, start: number, end: number, word: number, sink: TokenSink, prefix: number): void {
    const n = end - start + prefix;
    if (n === 0) return;
    if (n > this.sym.length) this.grow(n);
    const sym = this.sym;
    const codes = buffer.codes;
    if (prefix) sym[0] = this.spaceAs >= 0 ? this.spaceAs : 0x20;
    let key = prefix ? '\u0001' : '';
    for (let i = start; i < end; i++) {
      let c = codes[i] as number;
      if (c === 0x20 && this.spaceAs >= 0) c = this.spaceAs;
      else if (c >= 0xd800 && c <= 0xdfff) c = loneToReplacement(codes, i, start, end);
      sym[i - start + prefix] = c;
      key += String.fromCharCode(c);
    }
    let result = this.cache.get(key);
    if (result === undefined) {
      result = this.segment(n);
      if (this.cache.size < CACHE_LIMIT) this.cache.set(key, result);
    }
    const alignStart = buffer.alignStart;
    const alignEnd = buffer.alignEnd;
    let firstCharLast = start;
    if (prefix && end - start > 1 && isPair(codes[start] as number, codes[start + 1] as number)) firstCharLast = start + 1;
    for (let k = 0; k < result.length; k += 3) {
      const id = result[k] as number;
      const s0 = result[k + 1] as number;
      const e0 = result[k + 2] as number;
      const s = s0 === 0 && prefix ? (alignStart[start] as number) : (alignStart[start + s0 - prefix] as number);
      const e = e0 - 1 === 0 && prefix ? (alignEnd[firstCharLast] as number) : (alignEnd[start + e0 - 1 - prefix] as number);
      if (id >= 0) {
        sink.push(id, s, e, word);
        continue;
      }
      // An unknown stretch: its own text as the token, or its bytes with byte_fallback.
      const text = String.fromCharCode(...this.sym.subarray(s0, e0));
      const bytes = this.byteFallback ? this.byteTokens(text) : null;
      if (bytes !== null) {
        for (const b of bytes) sink.push(b, s, e, word);
        continue;
      }
      if (this.unkId < 0) throw new TokenizerError('E_MISSING_TOKEN', `Unigram: ${JSON.stringify(text)} is not covered by the vocabulary and there is no unk_id`);
      sink.push(this.unkId, s, e, word);
      sink.setLastText(text);
    }
  }

  private grow(n: number): void {
    this.sym = new Uint16Array(n * 2);
    this.score = new Float64Array(n * 2 + 1);
    this.from = new Int32Array(n * 2 + 1);
    this.id = new Int32Array(n * 2 + 1);
  }

  /**
   * (id, start, end) triples over sym[0, n); id -1 marks a fused unknown stretch whose text is not a
   * vocabulary entry (the caller turns it into unk or byte tokens).
   */
  private segment(n: number): Int32Array {
    const { sym, score, from, id, trie, scores } = this;
    for (let k = 0; k <= n; k++) from[k] = -1;
    score[0] = 0;
    let at = 0;
    while (at < n) {
      const width = at + 1 < n && isPair(sym[at] as number, sym[at + 1] as number) ? 2 : 1;
      const base = score[at] as number;
      let single = false;
      let node = 0;
      for (let k = at; k < n; k++) {
        node = trie.next(node, sym[k] as number);
        if (node < 0) break;
        const piece = trie.idAt(node);
        if (piece < 0) continue;
        const stop = k + 1;
        const candidate = base + (scores[piece] as number);
        if (from[stop] === -1 || candidate > (score[stop] as number)) {
          score[stop] = candidate;
          from[stop] = at;
          id[stop] = piece;
        }
        if (stop - at === width) single = true;
      }
      if (!single) {
        const stop = at + width;
        const candidate = base + this.unkScore;
        if (from[stop] === -1 || candidate > (score[stop] as number)) {
          score[stop] = candidate;
          from[stop] = at;
          id[stop] = -2;
        }
      }
      at += width;
    }
    // Back from the end; unknown pieces next to each other become one.
    const out: number[] = [];
    let stop = n;
    let unkEnd = -1;
    while (stop > 0) {
      const start = from[stop] as number;
      const piece = id[stop] as number;
      const unknown = piece === -2 || (piece === this.unkId && this.unkId >= 0);
      if (unknown) {
        if (unkEnd < 0) unkEnd = stop;
      } else {
        if (unkEnd >= 0) {
          out.push(this.fusedId(stop, unkEnd), stop, unkEnd);
          unkEnd = -1;
        }
        out.push(piece, start, stop);
      }
      stop = start;
    }
    if (unkEnd >= 0) out.push(this.fusedId(0, unkEnd), 0, unkEnd);
    const result = new Int32Array(out.length);
    for (let k = out.length - 3, p = 0; k >= 0; k -= 3, p += 3) {
      result[p] = out[k] as number;
      result[p + 1] = out[k + 1] as number;
      result[p + 2] = out[k + 2] as number;
    }
    return result;
  }

  /** A fused unknown stretch keeps an id only when its whole text is a piece (Rust looks it up). */
  private fusedId(start: number, end: number): number {
    const text = String.fromCharCode(...this.sym.subarray(start, end));
    return this.vocab.tokenToId.get(text) ?? -1;
  }

  private byteTokens(text: string): number[] | null {
    const ids: number[] = [];
    for (const b of new TextEncoder().encode(text)) {
      const id = this.vocab.tokenToId.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
      if (id === undefined) return null;
      ids.push(id);
    }
    return ids;
  }
}

function isPair(c: number, d: number): boolean {
  return c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff;
}

/** A surrogate unit that is half of a pair stays; a lone one reads as U+FFFD, as the Rust binding sees it. */
function loneToReplacement(codes: Uint16Array, i: number, start: number, end: number): number {
  const c = codes[i] as number;
  if (c <= 0xdbff) return i + 1 < end && isPair(c, codes[i + 1] as number) ? c : 0xfffd;
  return i > start && isPair(codes[i - 1] as number, c) ? c : 0xfffd;
}
