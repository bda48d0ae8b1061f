// BPE settings the Hub files do not use (character-level symbols, unk_token with and without fuse_unk,
// continuing_subword_prefix, end_of_word_suffix), on a small vocabulary, against Rust. Not covered yet:
// byte_fallback next to unknown characters and a missing unk_token, where Rust places symbols by
// cumulative byte length in the order it adds them (a pending unk after byte tokens, dropped characters
// shifting later offsets); we differ there.
import { Tokenizer as Oracle } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './index.js';
import { fuzzStrings } from './testing/fuzz.js';
import { parityOn } from './testing/parity.js';

function bpeJson(model: Record<string, unknown>): string {
  const letters = 'abcdeé';
  const vocab: Record<string, number> = { '<unk>': 0 };
  const add = (t: string) => {
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length;
  };
  const prefix = (model.continuing_subword_prefix as string | undefined) ?? '';
  const suffix = (model.end_of_word_suffix as string | undefined) ?? '';
  for (const c of letters) for (const t of [c, prefix + c, c + suffix, prefix + c + suffix]) add(t);
  const merges: Array<[string, string]> = [];
  for (const [a, b] of [['a', 'b'], ['c', 'd'], ['ab', 'cd'], ['e', 'a'], ['d', 'e']]) {
    for (const [l, r] of [[a, prefix + b], [a, prefix + b + suffix], [prefix + a, prefix + b], [prefix + a, prefix + b + suffix]] as Array<[string, string]>) {
      const merged = l + r.slice(prefix.length);
      if (!(l in vocab) || !(r in vocab)) continue;
      add(merged);
      merges.push([l, r]);
    }
  }
  for (const b of [0x41, 0xc3, 0xa9, 0xf0, 0x9f]) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  return JSON.stringify({
    version: '1.0',
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', fuse_unk: false, byte_fallback: false, vocab, merges, ...model },
  });
}

describe('BPE options against Rust', () => {
  const inputs = ['abcd', 'abcde', 'eaabcdx', 'xyz abcd', 'é A ab', 'aé🙂b', ...fuzzStrings(11, 500).map((s) => s.replace(/[f-z]/g, 'a'))];
  const cases: Array<[string, Record<string, unknown>]> = [
    ['plain characters, unk', {}],
    ['fuse_unk', { fuse_unk: true }],
    ['continuing_subword_prefix ##', { continuing_subword_prefix: '##' }],
    ['end_of_word_suffix </w>', { end_of_word_suffix: '</w>' }],
    ['prefix and suffix, fuse_unk', { continuing_subword_prefix: '##', end_of_word_suffix: '</w>', fuse_unk: true }],
  ];
  for (const [title, model] of cases) {
    it(title, async () => {
      const json = bpeJson(model);
      const ours = BpeTokenizer.fromJSON(json, title);
      const r = await parityOn(ours, Oracle.fromString(json), inputs);
      expect(r.examples).toEqual([]);
      expect(r.mismatched).toBe(0);
    });
  }
});
