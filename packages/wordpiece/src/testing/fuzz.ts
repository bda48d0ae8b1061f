// Test-only: a seeded generator of hostile strings for tokenizer parity fuzzing.

/** mulberry32: small, fast, and the same sequence on every machine for a given seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WHITESPACE = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x180e, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];
const CONTROL = [0x00, 0x01, 0x07, 0x08, 0x1b, 0x1f, 0x7f, 0x80, 0x9f, 0xad, 0xfffd, 0xfffe, 0xffff, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2060, 0x2061, 0x2064, 0x206f, 0x061c, 0xe000, 0xf8ff, 0xf0000, 0x10fffd, 0xe0001, 0xe0020, 0x110bd, 0x1d173];
const SPECIAL = ['[CLS]', '[SEP]', '[MASK]', '[PAD]', '[UNK]', '[mask]', '[SEP', 'SEP]', '[[SEP]]', '[CLS][SEP]', '[ MASK ]', '##', '##ing'];
const WORDS = ['the', 'The', 'THE', 'hello', 'world', 'unbelievable', "don't", 'naïve', 'café', 'Straße', 'ﬁnance', 'İstanbul', 'ΑΣ', 'Ωμέγα', 'Ζεύς', 'москва', 'Ελλάδα', 'é', 'e\u0301', 'a\u0308\u0301', 'ǅ', 'ǈ', 'Ⅻ', '①', '½', 'x²', 'ﬀ', 'Å', 'Ǻ', 'ự', 'Việt', '東京', '中文', '日本語', 'カタカナ', 'ひらがな', '한국어', '각', 'ไทย', 'العربية', 'עברית', 'हिन्दी', 'ক্ষ', '🤗', '👍🏽', '👨‍👩‍👧', '🇫🇷', '❤️', '☺︎', '𝔘𝔫𝔦', '𝐀', '\u{1F970}', '\u{1FAE0}', '𠀀', '𪚥', '1,234.56', 'e-mail', 'U.S.A.', '...', '—', '–', '«quote»', '“smart”', '‘x’', '¿qué?', '¡sí!', '#hash', '@user', 'http://x.y/z?a=1&b=2', '$100', '100%', 'a_b', 'C++', '<html>', '™', '©', '°C', '№'];

const RANGES: Array<[number, number]> = [
  [0x21, 0x7e], [0xa1, 0x24f], [0x250, 0x2ff], [0x300, 0x36f], [0x370, 0x3ff], [0x400, 0x52f], [0x591, 0x5f4],
  [0x600, 0x6ff], [0x900, 0x97f], [0xe00, 0xe5b], [0x1100, 0x11ff], [0x1ab0, 0x1aff], [0x1dc0, 0x1dff],
  [0x1e00, 0x1fff], [0x2010, 0x2064], [0x20a0, 0x20cf], [0x20d0, 0x20ff], [0x2100, 0x218f], [0x2190, 0x23ff],
  [0x2460, 0x24ff], [0x2e00, 0x2e5d], [0x3000, 0x30ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf],
  [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xd7b0, 0xd7ff], [0xf900, 0xfaff], [0xfb00, 0xfb4f], [0xfe00, 0xfe6f],
  [0xff00, 0xffef], [0x10000, 0x1007f], [0x10a00, 0x10a5f], [0x11000, 0x1107f], [0x16fe0, 0x16fff],
  [0x1d100, 0x1d1ff], [0x1d400, 0x1d7ff], [0x1f000, 0x1faff], [0x20000, 0x2a6df], [0x2a700, 0x2ebe0],
  [0x2f800, 0x2fa1f], [0x30000, 0x3134a], [0xe0000, 0xe007f],
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)] as T;
}

function codePoint(r: () => number): string {
  const roll = r();
  if (roll < 0.05) {
    // Lone surrogates: not valid text, but JS strings can hold them.
    return String.fromCharCode(0xd800 + Math.floor(r() * 0x800));
  }
  if (roll < 0.15) {
    let cp = Math.floor(r() * 0x110000);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xe000;
    return String.fromCodePoint(cp);
  }
  const [lo, hi] = pick(r, RANGES);
  return String.fromCodePoint(lo + Math.floor(r() * (hi - lo + 1)));
}

function piece(r: () => number): string {
  const roll = r();
  if (roll < 0.3) return pick(r, WORDS);
  if (roll < 0.4) return String.fromCodePoint(pick(r, WHITESPACE));
  if (roll < 0.48) return String.fromCodePoint(pick(r, CONTROL));
  if (roll < 0.54) return pick(r, SPECIAL);
  if (roll < 0.56) {
    // Around max_input_chars_per_word (100), counted in characters, not UTF-16 units.
    const unit = r() < 0.7 ? 'a' : pick(r, ['é', '𝐀', 'ab', '中']);
    const n = pick(r, [99, 100, 101, 150]) + Math.floor(r() * 3) - 1;
    return unit.repeat(Math.ceil(n / unit.length)).slice(0, unit === '𝐀' ? n * 2 : n);
  }
  if (roll < 0.62) {
    let s = '';
    const n = 1 + Math.floor(r() * 12);
    for (let k = 0; k < n; k++) s += String.fromCharCode(97 + Math.floor(r() * 26));
    return r() < 0.3 ? s.toUpperCase() : s;
  }
  let s = '';
  const n = 1 + Math.floor(r() * 6);
  for (let k = 0; k < n; k++) s += codePoint(r);
  return s;
}

/** `count` strings from `seed`; the same seed always gives the same strings. */
export function fuzzStrings(seed: number, count: number): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = Math.floor(r() * 14);
    let s = '';
    for (let k = 0; k < n; k++) s += piece(r) + (r() < 0.5 ? ' ' : '');
    out.push(s);
  }
  return out;
}

const CJK_PUNCT = ['，', '。', '！', '？', '、', '：', '；', '「', '」', '《', '》', '（', '）', '…', '—', '·', '％', '１２３', 'ＡＢＣ'];

/**
 * Mixed Chinese/English text: CJK ideographs (common, rare and astral), words taken from `english`
 * sentences in random case, digits, full-width forms and CJK punctuation, with and without spaces.
 */
export function mixedChineseEnglish(seed: number, count: number, english: readonly string[]): string[] {
  const r = rng(seed);
  const words = english.flatMap((s) => s.split(' ')).filter((w) => w.length > 0);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(r() * 20);
    let s = '';
    for (let k = 0; k < n; k++) {
      const roll = r();
      if (roll < 0.45) {
        const run = 1 + Math.floor(r() * 6);
        for (let j = 0; j < run; j++) {
          const astral = r() < 0.05;
          s += String.fromCodePoint(astral ? 0x20000 + Math.floor(r() * 0xa6d0) : 0x4e00 + Math.floor(r() * 0x51a0));
        }
      } else if (roll < 0.75) {
        const w = pick(r, words);
        s += r() < 0.3 ? w[0]!.toUpperCase() + w.slice(1) : r() < 0.1 ? w.toUpperCase() : w;
      } else if (roll < 0.85) s += pick(r, CJK_PUNCT);
      else if (roll < 0.92) s += String(Math.floor(r() * 10000));
      else s += piece(r);
      if (r() < 0.4) s += ' ';
    }
    out.push(s);
  }
  return out;
}
