import {
  chineseRanges,
  combiningRankTriples,
  controlRanges,
  markRanges,
  nfdKeepsRanges,
  nonspacingMarkRanges,
  punctuationRanges,
  starterInNfdRanges,
  whitespaceCleanRanges,
  whitespaceSplitRanges,
  wordCharRanges,
} from './tables.generated.js';

/** Removed by BertNormalizer's clean_text (NUL, U+FFFD, Cc/Cf/Co as Hugging Face's tables define them). */
export const CONTROL = 1;
/** Turned into a plain space by clean_text. */
export const WHITESPACE_CLEAN = 2;
/** Splits words in BertPreTokenizer (Rust `char::is_whitespace`). */
export const WHITESPACE_SPLIT = 4;
/** Isolated by BertPreTokenizer (ASCII punctuation plus Unicode P*). */
export const PUNCTUATION = 8;
/** Surrounded by spaces when handle_chinese_chars is on. */
export const CHINESE = 16;
/** Removed after NFD when strip_accents is on. */
export const NONSPACING_MARK = 32;
/** Any combining mark: where NFD's canonical reordering may move characters. */
export const MARK = 64;
/**
 * Where Hugging Face's NFD (older Unicode tables than V8's) differs from String#normalize: characters it
 * does not decompose, and newer combining marks it treats as starters. Canonical reordering stops at them.
 */
export const NFD_BARRIER = 128;

/** Characters V8 decomposes under NFD and Hugging Face's NFD leaves alone. */
export const nfdKeeps: ReadonlySet<number> = new Set(expand(nfdKeepsRanges));

function expand(ranges: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < ranges.length; i += 2) {
    for (let cp = ranges[i] as number; cp <= (ranges[i + 1] as number); cp++) out.push(cp);
  }
  return out;
}

function fill(table: Uint8Array, ranges: readonly number[], flag: number): void {
  for (let i = 0; i + 1 < ranges.length; i += 2) {
    const start = ranges[i] as number;
    const end = ranges[i + 1] as number;
    for (let cp = start; cp <= end; cp++) table[cp] = (table[cp] as number) | flag;
  }
}

function build(): Uint8Array {
  // One byte per code point (1.1 MB) keeps every lookup a single indexed load, astral planes included.
  const table = new Uint8Array(0x110000);
  fill(table, controlRanges, CONTROL);
  fill(table, whitespaceCleanRanges, WHITESPACE_CLEAN);
  fill(table, whitespaceSplitRanges, WHITESPACE_SPLIT);
  fill(table, punctuationRanges, PUNCTUATION);
  fill(table, chineseRanges, CHINESE);
  fill(table, nonspacingMarkRanges, NONSPACING_MARK);
  fill(table, markRanges, MARK);
  fill(table, nfdKeepsRanges, NFD_BARRIER);
  fill(table, starterInNfdRanges, NFD_BARRIER);
  // NUL and U+FFFD are removed by clean_text explicitly, whatever their category says.
  table[0] = (table[0] as number) | CONTROL;
  table[0xfffd] = (table[0xfffd] as number) | CONTROL;
  return table;
}

export const charFlags: Uint8Array = build();

/**
 * Rust regex's \w as Hugging Face's single_word check sees it (probed, so its Unicode version). Only
 * consulted at added-token boundaries, so a binary search over ranges beats another 1 MB table.
 */
export function isWordChar(cp: number): boolean {
  // A lone surrogate reaches Rust as U+FFFD, which is not a word character.
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  let lo = 0;
  let hi = wordCharRanges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < (wordCharRanges[mid * 2] as number)) hi = mid - 1;
    else if (cp > (wordCharRanges[mid * 2 + 1] as number)) lo = mid + 1;
    else return true;
  }
  return false;
}

const ranks = new Map<number, number>();
for (let i = 0; i + 2 < combiningRankTriples.length; i += 3) {
  for (let cp = combiningRankTriples[i] as number; cp <= (combiningRankTriples[i + 1] as number); cp++) {
    ranks.set(cp, combiningRankTriples[i + 2] as number);
  }
}

/**
 * The canonical combining class of `cp` as a rank (0 for starters, same order as the classes), as
 * Hugging Face's NFD sees it: characters its tables do not know (NFD_BARRIER) are starters.
 */
export function combiningRank(cp: number): number {
  if ((charFlags[cp] as number) & NFD_BARRIER) return 0;
  return ranks.get(cp) ?? 0;
}
