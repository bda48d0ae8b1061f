/** Character classes of GPT-2's split pattern, computed once per code point from V8's Unicode tables. */
export const GPT2_LETTER = 1;
export const GPT2_NUMBER = 2;
export const GPT2_SPACE = 3;
export const GPT2_OTHER = 4;

const LETTER = /\p{L}/u;
const NUMBER = /\p{N}/u;
/**
 * Oniguruma's \s on UTF-8 text (the Rust library's regex engine): Unicode White_Space. JavaScript's \s
 * differs (it has U+FEFF and lacks U+0085), so the set is spelled out.
 */
const SPACE = /[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

/** 0 = not computed yet. One byte per code point keeps the lookup a single load. */
const classes = new Uint8Array(0x110000);

export function gpt2Class(cp: number): number {
  const known = classes[cp] as number;
  if (known !== 0) return known;
  const ch = String.fromCodePoint(cp);
  const c = SPACE.test(ch) ? GPT2_SPACE : LETTER.test(ch) ? GPT2_LETTER : NUMBER.test(ch) ? GPT2_NUMBER : GPT2_OTHER;
  classes[cp] = c;
  return c;
}
