// Parity with Rust tokenizers on hostile input for the Hub files: byte-level BPE (roberta-base), WordPiece +
// RobertaProcessing (all-mpnet-base-v2), Unigram (t5-small, flan-t5-large); 25,000 seeded fuzz strings
// each by default to keep the suite fast (BERTKIT_FUZZ_COUNT=100000 for the full run), the regression cases as pairs, and the pre-tokenizer settings
// these files do not use (add_prefix_space, prepend_scheme first/never, split off) on edited copies.
import { readFileSync } from 'node:fs';
import { Tokenizer as Oracle } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer, UnigramTokenizer } from './index.js';
import { fuzzStrings } from './testing/fuzz.js';
import { HUB_TOKENIZERS, type HubName, hubFile, hubPair } from './testing/hub-tokenizers.js';
import { parityOn } from './testing/parity.js';

const COUNT = Number(process.env.BERTKIT_FUZZ_COUNT ?? 25_000);
const regressions = (
  JSON.parse(readFileSync(new URL('./fixtures/fuzz-regressions.json', import.meta.url), 'utf8')) as { cases: string[] }
).cases;

function expectParity(r: { compared: number; mismatched: number; examples: unknown[] }, expected: number): void {
  expect(r.examples).toEqual([]);
  expect(r.mismatched).toBe(0);
  expect(r.compared).toBe(expected);
}

describe('fuzz parity with Rust tokenizers (Hub files)', () => {
  (Object.keys(HUB_TOKENIZERS) as HubName[]).forEach((name, k) => {
    const { ours, oracle } = hubPair(name);
    it(`${COUNT.toLocaleString('en-US')} seeded hostile strings, ${name}`, async () => {
      const inputs = fuzzStrings(20261130 + k, COUNT);
      const all = inputs.join('');
      for (const probe of ['\u0000', '\u200d', '\u3000', '\u0301', '\ue000']) expect(all).toContain(probe);
      expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(all)).toBe(true);
      expectParity(await parityOn(ours, oracle, inputs), inputs.length);
    }, 600_000);

    it(`the regression cases, alone and as pairs, ${name}`, async () => {
      const pairs = regressions.map((s, j): [string, string] => [s, regressions[(j * 7 + 3) % regressions.length]!]);
      expectParity(await parityOn(ours, oracle, regressions), regressions.length);
      expectParity(await parityOn(ours, oracle, pairs), pairs.length);
    }, 120_000);
  });
});

function edited(name: HubName, edit: (json: Record<string, any>) => void): { json: string } {
  const json = JSON.parse(readFileSync(hubFile(name), 'utf8')) as Record<string, any>;
  edit(json);
  return { json: JSON.stringify(json) };
}

describe('pre-tokenizer settings the Hub files do not use', () => {
  const inputs = [
    ...fuzzStrings(99, 3000),
    ...regressions,
    ...[' leading', '  two', 'trailing ', '\tx', '', 'a</s>b', 'x <extra_id_0> y', '<mask>z', 'q <mask> r'],
  ];
  const variants: Array<[string, HubName, (json: Record<string, any>) => void]> = [
    ['ByteLevel add_prefix_space (pre-tokenizer and RobertaProcessing)', 'roberta-base', (j) => {
      j.pre_tokenizer.add_prefix_space = true;
      j.post_processor.add_prefix_space = true;
    }],
    ['ByteLevel use_regex off', 'roberta-base', (j) => {
      j.pre_tokenizer.use_regex = false;
    }],
    ['RobertaProcessing trim_offsets off', 'roberta-base', (j) => {
      j.post_processor.trim_offsets = false;
    }],
    ['Metaspace prepend_scheme first', 'flan-t5-large', (j) => {
      j.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: true };
    }],
    ['Metaspace prepend_scheme never', 'flan-t5-large', (j) => {
      j.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'never', split: true };
    }],
    ['Metaspace split off', 'flan-t5-large', (j) => {
      j.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: false };
    }],
  ];
  for (const [title, name, edit] of variants) {
    it(`${name}: ${title}`, async () => {
      const { json } = edited(name, edit);
      const ours = HUB_TOKENIZERS[name].kind === 'bpe' ? BpeTokenizer.fromJSON(json, title) : UnigramTokenizer.fromJSON(json, title);
      const oracle = Oracle.fromString(json);
      // The edit must change something, or the comparison proves nothing new.
      const base = hubPair(name).ours;
      const view = (e: { ids: number[]; offsets: unknown; wordIds: unknown }) => JSON.stringify([e.ids, e.offsets, e.wordIds]);
      const differs = inputs.some((s) => view(ours.encode(s)) !== view(base.encode(s)));
      expect(differs).toBe(true);
      expectParity(await parityOn(ours, oracle, inputs), inputs.length);
      const pairs = inputs.slice(0, 500).map((s, j): [string, string] => [s, inputs[j + 500]!]);
      expectParity(await parityOn(ours, oracle, pairs), pairs.length);
    }, 120_000);
  }
});
