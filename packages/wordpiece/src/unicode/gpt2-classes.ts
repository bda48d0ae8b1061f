import { letterRanges, numberRanges, spaceRanges } from './gpt2-tables.generated.js';

/** Character classes of GPT-2's split pattern as the Rust library's Oniguruma reads them. */
export const GPT2_LETTER = 1;
export const GPT2_NUMBER = 2;
export const GPT2_SPACE = 3;
export const GPT2_OTHER = 4;

/**
 * One byte per code point, from tables probed out of the Rust implementation (its Unicode version is
 * older than V8's, so \p{L} in JavaScript would call some newer characters letters that it does not).
 */
const classes = (() => {
  const table = new Uint8Array(0x110000).fill(GPT2_OTHER);
  const fill = (ranges: readonly number[], c: number): void => {
    for (let i = 0; i + 1 < ranges.length; i += 2) table.fill(c, ranges[i] as number, (ranges[i + 1] as number) + 1);
  };
  fill(letterRanges, GPT2_LETTER);
  fill(numberRanges, GPT2_NUMBER);
  fill(spaceRanges, GPT2_SPACE);
  return table;
})();

export function gpt2Class(cp: number): number {
  return classes[cp] as number;
}
