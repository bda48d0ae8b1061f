import { TokenizerError } from '../errors.js';
import type { NormalizedBuffer } from '../normalizer/normalized-buffer.js';
import type { TokenSink } from '../pipeline/token-sink.js';
import { byteChar, utf8WithUnits } from './byte-level.js';
import type { TokenModel } from './model.js';
import type { Vocab } from './vocab.js';

export interface BpeOptions {
  /** Token for symbols missing from the vocabulary; null drops them (as Rust does without one). */
  unkToken?: string | null;
  continuingSubwordPrefix?: string;
  endOfWordSuffix?: string;
  /** Consecutive unknown symbols become one unknown token. Default false. */
  fuseUnk?: boolean;
  /** Unknown characters become <0xXX> byte tokens when the vocabulary has them. Default false. */
  byteFallback?: boolean;
  /** A word that is a vocabulary entry as a whole is not split (newer files). Default false. */
  ignoreMerges?: boolean;
  /** Symbols are the UTF-8 bytes of a word in GPT-2's byte-to-character mapping (ByteLevel pre-tokenizer). */
  byteLevel?: boolean;
  /** Names merge `index` in errors, e.g. "merges.txt line 7". Default `model.merges[index]`. */
  mergeLabel?: (index: number) => string;
  /** The file, for errors. */
  file?: string;
}

/** Words cached at most; Rust caps its cache the same way and simply stops adding. */
const CACHE_LIMIT = 100_000;

/**
 * Byte-pair encoding: a word starts as single symbols (bytes in byte-level mode, characters
 * otherwise) and the adjacent pair with the lowest merge rank is merged until none applies, the
 * leftmost first on ties, as Hugging Face's priority queue does. Results are cached per word as
 * (id, first unit, last unit) triples so that a repeated word costs one lookup.
 */
export class BpeModel implements TokenModel {
  readonly vocab: Vocab;
  readonly options: Required<Omit<BpeOptions, 'mergeLabel' | 'file' | 'unkToken'>> & { unkToken: string | null };
  private readonly unkId: number;
  /** left * idSpace + right -> merge index; the rank is the index. */
  private readonly pairs = new Map<number, number>();
  private readonly mergeResult: Int32Array;
  private readonly idSpace: number;
  /** Byte -> symbol id (byte-level mode without prefix/suffix), -1 when the vocabulary lacks it. */
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly cache = new Map<string, Int32Array>();
  private readonly prefixCache = new Map<string, Int32Array>();
  // Scratch, grown as needed: bytes/characters of the word and the symbol list being merged.
  private bytes = new Uint8Array(256);
  private firstUnit = new Int32Array(256);
  private lastUnit = new Int32Array(256);
  private symId = new Int32Array(256);
  private symFirst = new Int32Array(256);
  private symLast = new Int32Array(256);
  private symNext = new Int32Array(256);
  private symRank = new Int32Array(256);

  constructor(vocab: Vocab, merges: ReadonlyArray<readonly [string, string]>, options: BpeOptions = {}) {
    this.vocab = vocab;
    this.options = {
      unkToken: options.unkToken ?? null,
      continuingSubwordPrefix: options.continuingSubwordPrefix ?? '',
      endOfWordSuffix: options.endOfWordSuffix ?? '',
      fuseUnk: options.fuseUnk ?? false,
      byteFallback: options.byteFallback ?? false,
      ignoreMerges: options.ignoreMerges ?? false,
      byteLevel: options.byteLevel ?? false,
    };
    const file = options.file ?? 'tokenizer.json';
    const label = options.mergeLabel ?? ((i: number) => `model.merges[${i}]`);
    const unk = this.options.unkToken;
    this.unkId = unk === null ? -1 : (vocab.tokenToId.get(unk) ?? -1);
    this.idSpace = vocab.idLimit + 1;
    this.mergeResult = new Int32Array(merges.length);
    const prefix = this.options.continuingSubwordPrefix;
    merges.forEach(([a, b], index) => {
      const left = vocab.tokenToId.get(a);
      const right = vocab.tokenToId.get(b);
      const missing = left === undefined ? a : right === undefined ? b : null;
      if (missing !== null) {
        throw new TokenizerError('E_MALFORMED_TOKENIZER_JSON', `${file}: ${label(index)} merges ${JSON.stringify(missing)}, which is not in the vocabulary`, { file });
      }
      const merged = a + (prefix.length > 0 && b.startsWith(prefix) ? b.slice(prefix.length) : b);
      const id = vocab.tokenToId.get(merged);
      if (id === undefined) {
        throw new TokenizerError('E_MALFORMED_TOKENIZER_JSON', `${file}: ${label(index)} makes ${JSON.stringify(merged)}, which is not in the vocabulary`, { file });
      }
      const key = (left as number) * this.idSpace + (right as number);
      if (!this.pairs.has(key)) this.pairs.set(key, index);
      this.mergeResult[index] = id;
    });
    for (let b = 0; b < 256; b++) this.byteIds[b] = vocab.tokenToId.get(byteChar(b)) ?? -1;
  }

  tokenizeWord(buffer: NormalizedBuffer, start: number, end: number, word: number, sink: TokenSink, prefix: number): void {
    const codes = buffer.codes;
    let key = '';
    for (let i = start; i < end; i++) key += String.fromCharCode(codes[i] as number);
    const cache = prefix ? this.prefixCache : this.cache;
    let result = cache.get(key);
    if (result === undefined) {
      result = this.encodeWord(codes, start, end, prefix);
      if (cache.size < CACHE_LIMIT) cache.set(key, result);
    }
    const alignStart = buffer.alignStart;
    const alignEnd = buffer.alignEnd;
    // The prepended character aligns with the word's first character (both units of a surrogate pair).
    let firstCharLast = start;
    if (prefix && end - start > 1) {
      const c = codes[start] as number;
      const d = codes[start + 1] as number;
      if (c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) firstCharLast = start + 1;
    }
    for (let k = 0; k < result.length; k += 3) {
      const first = result[k + 1] as number;
      const last = result[k + 2] as number;
      const s = first < 0 ? (alignStart[start] as number) : (alignStart[start + first] as number);
      const e = last < 0 ? (alignEnd[firstCharLast] as number) : (alignEnd[start + last] as number);
      sink.push(result[k] as number, s, e, word);
    }
  }

  /** Token (id, first unit, last unit) triples of one word; unit -1 is the prepended space. */
  private encodeWord(codes: Uint16Array, start: number, end: number, prefix: number): Int32Array {
    const o = this.options;
    if (o.ignoreMerges && !prefix) {
      let whole = '';
      for (let i = start; i < end; i++) whole += String.fromCharCode(codes[i] as number);
      if (o.byteLevel) whole = toByteLevel(whole);
      const id = this.vocab.tokenToId.get(whole);
      if (id !== undefined) return Int32Array.of(id, 0, end - start - 1);
    }
    const capacity = (end - start) * 3 + 2;
    if (capacity > this.bytes.length) this.grow(capacity);
    const n = this.initialSymbols(codes, start, end, prefix);
    return this.merge(n);
  }

  private grow(size: number): void {
    this.bytes = new Uint8Array(size * 2);
    this.firstUnit = new Int32Array(size * 2);
    this.lastUnit = new Int32Array(size * 2);
    this.symId = new Int32Array(size * 2);
    this.symFirst = new Int32Array(size * 2);
    this.symLast = new Int32Array(size * 2);
    this.symNext = new Int32Array(size * 2);
    this.symRank = new Int32Array(size * 2);
  }

  /** Fills the symbol arrays; returns the symbol count. */
  private initialSymbols(codes: Uint16Array, start: number, end: number, prefix: number): number {
    const o = this.options;
    let units = 0;
    if (o.byteLevel) {
      if (prefix) {
        this.bytes[0] = 0x20;
        this.firstUnit[0] = -1;
        this.lastUnit[0] = -1;
        units = 1;
      }
      units += utf8WithUnits(codes, start, end, this.bytes, this.firstUnit, this.lastUnit, units);
    } else {
      if (prefix) throw new TokenizerError('E_UNSUPPORTED_FEATURE', 'a prepended space needs the ByteLevel pre-tokenizer');
      for (let i = start; i < end; i++) {
        const c = codes[i] as number;
        const d = i + 1 < end ? (codes[i + 1] as number) : 0;
        const pair = c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff;
        this.firstUnit[units] = i - start;
        this.lastUnit[units] = pair ? i + 1 - start : i - start;
        units++;
        if (pair) i++;
      }
    }
    const plain = o.byteLevel && o.continuingSubwordPrefix === '' && o.endOfWordSuffix === '';
    let n = 0;
    let unkOpen = false;
    for (let u = 0; u < units; u++) {
      let id: number;
      if (plain) id = this.byteIds[this.bytes[u] as number] as number;
      else id = this.vocab.tokenToId.get(this.symbolString(codes, start, u, units)) ?? -1;
      if (id >= 0) {
        this.pushSymbol(n++, id, u, u);
        unkOpen = false;
        continue;
      }
      if (o.byteFallback) {
        const n2 = this.pushByteFallback(codes, start, u, n);
        if (n2 >= 0) {
          n = n2;
          unkOpen = false;
          continue;
        }
      }
      if (this.unkId < 0) {
        if (o.unkToken !== null) {
          throw new TokenizerError('E_MISSING_TOKEN', `BPE needs the unknown token ${JSON.stringify(o.unkToken)} but the vocabulary does not contain it`);
        }
        continue;
      }
      if (unkOpen && o.fuseUnk) {
        this.symLast[n - 1] = this.lastUnit[u] as number;
        continue;
      }
      this.pushSymbol(n++, this.unkId, u, u);
      unkOpen = true;
    }
    return n;
  }

  private symbolString(codes: Uint16Array, start: number, u: number, units: number): string {
    const o = this.options;
    let s: string;
    if (o.byteLevel) s = byteChar(this.bytes[u] as number);
    else s = String.fromCharCode(...codes.subarray(start + (this.firstUnit[u] as number), start + (this.lastUnit[u] as number) + 1));
    if (u > 0) s = o.continuingSubwordPrefix + s;
    if (u === units - 1) s += o.endOfWordSuffix;
    return s;
  }

  /** <0xXX> tokens for the bytes of symbol u; returns the new symbol count, or -1 if one is missing. */
  private pushByteFallback(codes: Uint16Array, start: number, u: number, n: number): number {
    const text = String.fromCharCode(...codes.subarray(start + (this.firstUnit[u] as number), start + (this.lastUnit[u] as number) + 1));
    const bytes = new TextEncoder().encode(wellFormed(text));
    const ids: number[] = [];
    for (const b of bytes) {
      const id = this.vocab.tokenToId.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
      if (id === undefined) return -1;
      ids.push(id);
    }
    let m = n;
    for (const id of ids) this.pushSymbol(m++, id, u, u);
    return m;
  }

  private pushSymbol(k: number, id: number, u0: number, u1: number): void {
    this.symId[k] = id;
    this.symFirst[k] = this.firstUnit[u0] as number;
    this.symLast[k] = this.lastUnit[u1] as number;
  }

  private rankOf(left: number, right: number): number {
    const index = this.pairs.get(left * this.idSpace + right);
    return index === undefined ? 0x7fffffff : index;
  }

  private merge(n: number): Int32Array {
    const { symId, symFirst, symLast, symNext, symRank } = this;
    for (let k = 0; k < n; k++) {
      symNext[k] = k + 1 < n ? k + 1 : -1;
      symRank[k] = k + 1 < n ? this.rankOf(symId[k] as number, symId[k + 1] as number) : 0x7fffffff;
    }
    let alive = n;
    while (alive > 1) {
      let best = -1;
      let bestRank = 0x7fffffff;
      for (let k = 0; k >= 0; k = symNext[k] as number) {
        const r = symRank[k] as number;
        if (r < bestRank) {
          bestRank = r;
          best = k;
        }
      }
      if (best < 0) break;
      const right = symNext[best] as number;
      symId[best] = this.mergeResult[bestRank] as number;
      symLast[best] = symLast[right] as number;
      symNext[best] = symNext[right] as number;
      alive--;
      const after = symNext[best] as number;
      symRank[best] = after >= 0 ? this.rankOf(symId[best] as number, symId[after] as number) : 0x7fffffff;
      // The symbol before `best` pairs with a new right neighbour.
      for (let k = 0; k >= 0 && k !== best; k = symNext[k] as number) {
        if (symNext[k] === best) {
          symRank[k] = this.rankOf(symId[k] as number, symId[best] as number);
          break;
        }
      }
    }
    const out = new Int32Array(alive * 3);
    let p = 0;
    for (let k = 0; k >= 0 && n > 0; k = symNext[k] as number) {
      out[p++] = symId[k] as number;
      out[p++] = symFirst[k] as number;
      out[p++] = symLast[k] as number;
    }
    return out;
  }
}

function toByteLevel(text: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(wellFormed(text))) out += byteChar(b);
  return out;
}

/** Lone surrogates as U+FFFD, as the Rust binding reads them. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
