import {
  chineseRanges,
  controlRanges,
  markRanges,
  nonspacingMarkRanges,
  punctuationRanges,
  whitespaceCleanRanges,
  whitespaceSplitRanges,
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
  // NUL and U+FFFD are removed by clean_text explicitly, whatever their category says.
  table[0] = (table[0] as number) | CONTROL;
  table[0xfffd] = (table[0xfffd] as number) | CONTROL;
  return table;
}

export const charFlags: Uint8Array = build();
