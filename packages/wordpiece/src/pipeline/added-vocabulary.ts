import { WHITESPACE_SPLIT, charFlags, isWordChar } from '../unicode/char-class.js';

/** A token matched literally in the input before normalization splits it (e.g. "[MASK]"). */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  /** Match only where not glued to a word character on either side. */
  singleWord: boolean;
  /** Swallow whitespace on the left. */
  lstrip: boolean;
  /** Swallow whitespace on the right. */
  rstrip: boolean;
  /** Matched against normalized text rather than the raw input. */
  normalized: boolean;
}


/** Matches, as flat [tokenIndex, start, end] triples, reused between calls. */
export class MatchList {
  data = new Int32Array(48);
  count = 0;

  push(token: number, start: number, end: number): void {
    const i = this.count * 3;
    if (i + 3 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = token;
    this.data[i + 1] = start;
    this.data[i + 2] = end;
    this.count++;
  }
}

/**
 * Leftmost-longest literal matching of added tokens, with single_word / lstrip / rstrip handled as in
 * Hugging Face's AddedVocabulary. Scans code units; a bitmap of first units keeps the common case (no
 * possible token start) to one load per character.
 */
export class AddedTokenMatcher {
  readonly tokens: readonly AddedToken[];
  /** The literal matched for each token (its normalized form for normalized tokens). */
  private readonly patterns: string[];
  private readonly firstUnit = new Uint8Array(65536);
  /** First unit -> token indices, longest pattern first. */
  private readonly byFirst = new Map<number, number[]>();

  constructor(tokens: readonly AddedToken[], patterns: readonly string[]) {
    this.tokens = tokens;
    this.patterns = [...patterns];
    patterns.forEach((pattern, index) => {
      if (pattern.length === 0) return;
      const first = pattern.charCodeAt(0);
      this.firstUnit[first] = 1;
      const list = this.byFirst.get(first) ?? [];
      list.push(index);
      this.byFirst.set(first, list);
    });
    for (const list of this.byFirst.values()) {
      list.sort((a, b) => (this.patterns[b] as string).length - (this.patterns[a] as string).length);
    }
  }

  get isEmpty(): boolean {
    return this.byFirst.size === 0;
  }

  /** Finds matches in text[from, to); returns them in `out` (reset first). */
  find(text: string, from: number, to: number, out: MatchList): void {
    out.count = 0;
    if (this.byFirst.size === 0) return;
    const firstUnit = this.firstUnit;
    let consumed = from;
    let i = from;
    while (i < to) {
      if (firstUnit[text.charCodeAt(i)] === 0) {
        i++;
        continue;
      }
      const candidates = this.byFirst.get(text.charCodeAt(i)) as number[];
      let matched = -1;
      for (const index of candidates) {
        const pattern = this.patterns[index] as string;
        if (i + pattern.length <= to && text.startsWith(pattern, i)) {
          matched = index;
          break;
        }
      }
      if (matched < 0) {
        i++;
        continue;
      }
      const token = this.tokens[matched] as AddedToken;
      let start = i;
      let stop = i + (this.patterns[matched] as string).length;
      // A rejected single-word match is skipped whole, as a non-overlapping automaton scan would.
      if (token.singleWord && (endsWithWordChar(text, from, start) || startsWithWordChar(text, stop, to))) {
        i = stop;
        continue;
      }
      if (token.lstrip) {
        let s = start;
        while (s > consumed && isWhitespace(text.charCodeAt(s - 1))) s--;
        start = s;
      }
      if (token.rstrip) {
        while (stop < to && isWhitespace(text.charCodeAt(stop))) stop++;
      }
      out.push(matched, start, stop);
      consumed = stop;
      i = stop;
    }
  }
}

function isWhitespace(unit: number): boolean {
  return ((charFlags[unit] as number) & WHITESPACE_SPLIT) !== 0;
}

function endsWithWordChar(text: string, from: number, at: number): boolean {
  if (at <= from) return false;
  const last = text.codePointAt(at - 1) as number;
  const cp = last >= 0xdc00 && last <= 0xdfff && at - 2 >= from ? (text.codePointAt(at - 2) as number) : last;
  return isWordChar(cp);
}

function startsWithWordChar(text: string, at: number, to: number): boolean {
  if (at >= to) return false;
  return isWordChar(text.codePointAt(at) as number);
}
