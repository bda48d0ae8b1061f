import { TokenizerError } from '../errors.js';
import type { NormalizedBuffer } from '../normalizer/normalized-buffer.js';
import type { TokenSink } from '../pipeline/token-sink.js';
import type { TokenModel } from './model.js';
import { PieceTable } from './piece-table.js';
import { PieceTrie } from './piece-trie.js';
import type { Vocab } from './vocab.js';

export interface WordPieceOptions {
  unkToken?: string;
  continuingSubwordPrefix?: string;
  maxInputCharsPerWord?: number;
}

/**
 * Greedy longest-match-first WordPiece. A word that cannot be covered entirely, or that has more than
 * `maxInputCharsPerWord` characters, becomes a single unknown token spanning the whole word.
 */
export class WordPieceModel implements TokenModel {
  readonly vocab: Vocab;
  readonly unkToken: string;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  private readonly unkId: number;
  private readonly wordStart: PieceTrie;
  private readonly continuation: PieceTrie;
  private readonly continuationIsWordStart: boolean;
  private readonly wholeWordStart: PieceTable;
  private readonly wholeContinuation: PieceTable;

  constructor(vocab: Vocab, options: WordPieceOptions = {}) {
    this.vocab = vocab;
    this.unkToken = options.unkToken ?? '[UNK]';
    this.continuingSubwordPrefix = options.continuingSubwordPrefix ?? '##';
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? 100;
    this.unkId = vocab.tokenToId.get(this.unkToken) ?? -1;
    let units = 0;
    for (const token of vocab.tokenToId.keys()) units += token.length;
    this.wordStart = new PieceTrie(units);
    this.continuation = new PieceTrie(units / 4);
    this.wholeWordStart = new PieceTable(vocab.tokenToId.size, units);
    this.wholeContinuation = new PieceTable(vocab.tokenToId.size / 4, units / 4);
    const prefix = this.continuingSubwordPrefix;
    for (const [token, id] of vocab.tokenToId) {
      // A prefixed entry is reachable both ways, exactly as a lookup of the concatenated string would be.
      this.wordStart.insert(token, id);
      this.wholeWordStart.insert(token, id);
      if (prefix.length > 0 && token.startsWith(prefix) && token.length > prefix.length) {
        this.continuation.insert(token.slice(prefix.length), id);
        this.wholeContinuation.insert(token.slice(prefix.length), id);
      }
    }
    this.continuationIsWordStart = prefix.length === 0;
  }

  tokenizeWord(buffer: NormalizedBuffer, start: number, end: number, word: number, sink: TokenSink): void {
    const codes = buffer.codes;
    const alignStart = buffer.alignStart;
    const alignEnd = buffer.alignEnd;
    if (end - start > this.maxInputCharsPerWord && countCodePoints(codes, start, end) > this.maxInputCharsPerWord) {
      this.pushUnknown(buffer, start, end, word, sink);
      return;
    }
    const mark = sink.count;
    let pos = start;
    let trie = this.wordStart;
    let whole = this.wholeWordStart;
    while (pos < end) {
      // The rest of the word as one entry is the longest possible match; most words end here.
      const wholeId = whole.get(codes, pos, end);
      if (wholeId >= 0) {
        sink.push(wholeId, alignStart[pos] as number, alignEnd[end - 1] as number, word);
        return;
      }
      let node = 0;
      let bestId = -1;
      let bestEnd = -1;
      for (let k = pos; k < end; k++) {
        node = trie.next(node, codes[k] as number);
        if (node < 0) break;
        const id = trie.idAt(node);
        if (id >= 0) {
          bestId = id;
          bestEnd = k + 1;
        }
      }
      if (bestId < 0) {
        sink.count = mark;
        this.pushUnknown(buffer, start, end, word, sink);
        return;
      }
      sink.push(bestId, alignStart[pos] as number, alignEnd[bestEnd - 1] as number, word);
      pos = bestEnd;
      if (!this.continuationIsWordStart) {
        trie = this.continuation;
        whole = this.wholeContinuation;
      }
    }
  }

  private pushUnknown(buffer: NormalizedBuffer, start: number, end: number, word: number, sink: TokenSink): void {
    if (this.unkId < 0) {
      throw new TokenizerError(
        'E_MISSING_TOKEN',
        `WordPiece needs the unknown token ${JSON.stringify(this.unkToken)} but the vocabulary does not contain it`,
      );
    }
    sink.push(this.unkId, buffer.alignStart[start] as number, buffer.alignEnd[end - 1] as number, word);
  }
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function countCodePoints(codes: Uint16Array, start: number, end: number): number {
  let n = 0;
  for (let k = start; k < end; k++) {
    const u = codes[k] as number;
    if (u < 0xdc00 || u > 0xdfff || k === start || !isHighSurrogate(codes[k - 1] as number)) n++;
  }
  return n;
}
