// Derives the character classes that Hugging Face `tokenizers` uses for BERT by probing the Rust
// implementation itself (npm `tokenizers`), one code point at a time. Its tables come from older
// Unicode versions than V8's, so \p{...} regexes would disagree on hundreds of code points.
// Run: node scripts/gen-unicode-tables.mjs  (needs the `tokenizers` devDependency)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import tk from 'tokenizers';

const clean = tk.bertNormalizer({ cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false });
const chinese = tk.bertNormalizer({ cleanText: false, handleChineseChars: true, stripAccents: false, lowercase: false });
const strip = tk.bertNormalizer({ cleanText: false, handleChineseChars: false, stripAccents: true, lowercase: false });
const pre = tk.bertPreTokenizer();

const sets = { control: [], whitespaceClean: [], whitespaceSplit: [], punctuation: [], chinese: [], nonspacingMark: [], mark: [], nfdKeeps: [], starterInNfd: [] };
const nfd = tk.nfdNormalizer();
const MARK = /^\p{M}$/u;
for (let cp = 0; cp < 0x110000; cp++) {
  if (cp >= 0xd800 && cp < 0xe000) continue; // lone surrogates cannot cross into Rust; handled as U+FFFD
  const c = String.fromCodePoint(cp);
  const probe = `a${c}a`;
  const cleaned = clean.normalizeString(probe);
  if (cleaned === 'aa') sets.control.push(cp);
  else if (cleaned === 'a a' && c !== ' ') sets.whitespaceClean.push(cp);
  const split = pre.preTokenizeString(probe);
  if (split.length === 2) sets.whitespaceSplit.push(cp);
  else if (split.length === 3) sets.punctuation.push(cp);
  if (chinese.normalizeString(probe) === `a ${c} a`) sets.chinese.push(cp);
  if (c.normalize('NFD') === c && strip.normalizeString(probe) === 'aa') sets.nonspacingMark.push(cp);
  // Any combining mark (V8's tables): only a trigger for the exact canonical-reordering path.
  if (MARK.test(c)) sets.mark.push(cp);
  // The Rust NFD tables are older than V8's: some characters it does not decompose, and some newer
  // combining marks it treats as starters (canonical class 0), so they never reorder.
  const jsNfd = c.normalize('NFD');
  if (jsNfd !== c) {
    if (nfd.normalizeString(c) === c) sets.nfdKeeps.push(cp);
  } else {
    const p1 = `a\u0301${c}`;
    const p2 = `a${c}\u0334`;
    const jsMoves = p1.normalize('NFD') !== p1 || p2.normalize('NFD') !== p2;
    const rustMoves = nfd.normalizeString(p1) !== p1 || nfd.normalizeString(p2) !== p2;
    if (jsMoves && !rustMoves) sets.starterInNfd.push(cp);
  }
}
if (!sets.whitespaceClean.includes(32)) sets.whitespaceClean.unshift(32);

// Word characters as AddedVocabulary's single_word check sees them (Rust regex \w, its own Unicode tables):
// an added single_word token glued to a word character does not match.
const probe = tk.Tokenizer.fromString(
  JSON.stringify({
    version: '1.0',
    added_tokens: [{ id: 1, content: '\u00a7', single_word: true, lstrip: false, rstrip: false, normalized: false, special: false }],
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: null,
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: { '[UNK]': 0, '\u00a7': 1 } },
  }),
);
sets.wordChar = [];
const cps = [];
for (let cp = 0; cp < 0x110000; cp++) if (cp < 0xd800 || cp >= 0xe000) cps.push(cp);
for (let i = 0; i < cps.length; i += 65536) {
  const chunk = cps.slice(i, i + 65536);
  const out = await probe.encodeBatch(chunk.map((cp) => `\u00a7${String.fromCodePoint(cp)}`), { addSpecialTokens: false });
  out.forEach((e, k) => {
    const first = e.getOffsets()[0];
    if (!(first && first[0] === 0 && first[1] === 1 && e.getIds()[0] === 1)) sets.wordChar.push(chunk[k]);
  });
}

// Canonical combining classes, as ranks (only their order matters to canonical reordering). V8's
// String#normalize reorders with an insertion sort, quadratic on long runs of marks, so the normalizer
// sorts runs itself. Probed from V8: characters Rust's older tables do not know are NFD barriers anyway.
const reorders = (s) => s.normalize('NFD') !== s;
const nonStarters = [];
for (let cp = 0; cp < 0x110000; cp++) {
  if (cp >= 0xd800 && cp < 0xe000) continue;
  const c = String.fromCodePoint(cp);
  if (c.normalize('NFD') !== c) continue;
  if (reorders(`${c}\u0334`) || reorders(`\u0301${c}`)) nonStarters.push(cp);
}
const cmp = (a, b) => {
  const x = String.fromCodePoint(a);
  const y = String.fromCodePoint(b);
  return reorders(x + y) ? 1 : reorders(y + x) ? -1 : 0;
};
nonStarters.sort(cmp);
const rankOf = new Map();
let rank = 0;
nonStarters.forEach((cp, k) => {
  if (k === 0 || cmp(nonStarters[k - 1], cp) !== 0) rank++;
  rankOf.set(cp, rank);
});
const rankTriples = [];
for (const cp of [...rankOf.keys()].sort((a, b) => a - b)) {
  const r = rankOf.get(cp);
  const last = rankTriples.length - 3;
  if (last >= 0 && rankTriples[last + 1] === cp - 1 && rankTriples[last + 2] === r) rankTriples[last + 1] = cp;
  else rankTriples.push(cp, cp, r);
}

function toRanges(cps) {
  const out = [];
  for (const cp of cps) {
    const last = out.length - 1;
    if (last >= 1 && out[last] === cp - 1) out[last] = cp;
    else out.push(cp, cp);
  }
  return out;
}

let src = '// Generated by scripts/gen-unicode-tables.mjs from Hugging Face `tokenizers` itself. Do not edit.\n';
src += '// Each table is a flat list of inclusive [start, end] code point ranges.\n';
for (const [name, cps] of Object.entries(sets)) {
  src += `export const ${name}Ranges: readonly number[] = [${toRanges(cps).join(',')}];\n`;
}
src += `// [start, end, rank] triples: canonical combining class order of non-starters (${rank} classes).\n`;
src += `export const combiningRankTriples: readonly number[] = [${rankTriples.join(',')}];\n`;
writeFileSync(fileURLToPath(new URL('../src/unicode/tables.generated.ts', import.meta.url)), src);
console.log(Object.fromEntries(Object.entries(sets).map(([k, v]) => [k, v.length])), { nonStarters: nonStarters.length, ranks: rank });
