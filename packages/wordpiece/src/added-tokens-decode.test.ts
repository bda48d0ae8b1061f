// Added tokens with lstrip / rstrip / single_word / normalized, and decoding, against Rust tokenizers.
import { Tokenizer as Oracle } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { WordPieceTokenizer } from './index.js';
import { fuzzStrings, rng } from './testing/fuzz.js';
import { parityOn } from './testing/parity.js';
import { sharedPath, tsvTexts } from './testing/shared-data.js';
import { pairFromJson, tokenizerJson } from './testing/variants.js';

const ADDED = [
  { id: 30522, content: '<ent>', single_word: true, lstrip: true, rstrip: false, normalized: false, special: false },
  { id: 30523, content: '</ent>', single_word: false, lstrip: false, rstrip: true, normalized: false, special: false },
  { id: 30524, content: 'New York', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
  { id: 30525, content: '<sep2>', single_word: true, lstrip: true, rstrip: true, normalized: false, special: true },
  { id: 30526, content: 'ent', single_word: true, lstrip: false, rstrip: false, normalized: false, special: false },
  { id: 30527, content: 'Ünïcode', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
];

/** Texts that put the added tokens in every position: glued to words, between spaces, at the ends. */
function addedTokenTexts(seed: number, count: number): string[] {
  const r = rng(seed);
  const literals = ['<ent>', '</ent>', 'New York', 'new york', 'NEW YORK', '<sep2>', 'ent', 'Ünïcode', 'unicode', '[MASK]', '[SEP]'];
  const glue = ['', ' ', '  ', '\t', 'x', 'é', '.', '\u00a0', '\n'];
  const base = fuzzStrings(seed, count);
  return base.map((s) => {
    let out = '';
    const n = 1 + Math.floor(r() * 5);
    for (let k = 0; k < n; k++) {
      const at = Math.floor(r() * (s.length + 1));
      out += glue[Math.floor(r() * glue.length)]! + literals[Math.floor(r() * literals.length)]! + glue[Math.floor(r() * glue.length)]!;
      out += s.slice(0, at);
    }
    return out;
  });
}

describe('added tokens', () => {
  const json = tokenizerJson('bert-base-uncased');
  json.added_tokens = [...(json.added_tokens as object[]), ...ADDED];
  const { ours, oracle } = pairFromJson(json);

  it('match where Rust matches them, with lstrip / rstrip / single_word / normalized', async () => {
    const texts = addedTokenTexts(5, 20_000);
    const r = await parityOn(ours, oracle, texts);
    expect(r.examples).toEqual([]);
    expect(r.mismatched).toBe(0);
    // The texts must really contain matches of each kind, or the comparison proves nothing.
    const seen = new Set<number>();
    for (const t of texts.slice(0, 3000)) for (const id of ours.encode(t).ids) if (id >= 30522) seen.add(id);
    expect([...seen].sort()).toEqual([30522, 30523, 30524, 30525, 30526, 30527]);
  });

  it('a literal [MASK] or [SEP] in the text is the special token, as in Hugging Face', () => {
    const e = ours.encode('the capital is [MASK].');
    expect(e.tokens).toEqual(['[CLS]', 'the', 'capital', 'is', '[MASK]', '.', '[SEP]']);
    expect(e.ids[4]).toBe(103);
    // Only the tokens the template adds count as special here, as in Rust's special_tokens_mask.
    expect(e.specialTokensMask).toEqual([1, 0, 0, 0, 0, 0, 1]);
    expect('the capital is [MASK].'.slice(...(e.offsets[4] as [number, number]))).toBe('[MASK]');
  });
});

describe('decode', () => {
  const file = sharedPath('tokenizers', 'bert-base-uncased', 'tokenizer.json');
  const ours = WordPieceTokenizer.fromFile(file);
  const oracle = Oracle.fromFile(file);

  it('matches Rust decode on corpus and fuzz encodings, with and without special tokens', async () => {
    const texts = [...tsvTexts('data/sst2/dev.tsv'), ...tsvTexts('data/agnews/test.tsv').slice(0, 1000), ...fuzzStrings(11, 3000)];
    let compared = 0;
    for (const text of texts) {
      const ids = ours.encode(text).ids;
      for (const skip of [false, true]) {
        expect(ours.decode(ids, { skipSpecialTokens: skip })).toBe(await oracle.decode(ids, skip));
        compared++;
      }
    }
    expect(compared).toBe(texts.length * 2);
  });

  it('accepts typed arrays and bigint ids (onnxruntime outputs)', () => {
    const ids = ours.encode("don't stop").ids;
    expect(ours.decode(Int32Array.from(ids))).toBe(ours.decode(ids));
    expect(ours.decode(BigInt64Array.from(ids.map(BigInt)), { skipSpecialTokens: true })).toBe(ours.decode(ids, { skipSpecialTokens: true }));
    expect(ours.decode(ids, { skipSpecialTokens: true })).toBe("don ' t stop"); // Rust's cleanup works token by token
  });
});

describe('added tokens in packed batches', () => {
  const json = tokenizerJson('bert-base-uncased');
  json.added_tokens = [...(json.added_tokens as object[]), ...ADDED];
  const { ours } = pairFromJson(json);
  it('get(i) shows the same token text as encode, with either padding side', () => {
    const texts = addedTokenTexts(9, 300);
    for (const direction of ['right', 'left'] as const) {
      const batch = ours.encodeBatch(texts, { padding: { strategy: 'longest', direction } });
      texts.forEach((t, k) => {
        const row = batch.get(k);
        expect(row.tokens.filter((_, j) => row.attentionMask[j] === 1)).toEqual(ours.encode(t).tokens);
      });
    }
  });
});
