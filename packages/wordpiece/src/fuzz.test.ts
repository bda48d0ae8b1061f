// Parity with Rust tokenizers on hostile input: a seeded fuzz of 100,000 strings, the cases earlier fuzz
// runs caught, every BertNormalizer setting, and bert-base-chinese on mixed Chinese/English text.
import { readFileSync } from 'node:fs';
import { Tokenizer as Oracle } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { WordPieceTokenizer } from './index.js';
import { fuzzStrings, mixedChineseEnglish } from './testing/fuzz.js';
import { parityOn } from './testing/parity.js';
import { sharedPath, tsvTexts } from './testing/shared-data.js';
import { allNormalizerVariants, pairFromJson, tokenizerJson, withNormalizer } from './testing/variants.js';

const regressions = (
  JSON.parse(readFileSync(new URL('./fixtures/fuzz-regressions.json', import.meta.url), 'utf8')) as { cases: string[] }
).cases;

function expectParity(r: { compared: number; mismatched: number; examples: unknown[] }, expected: number): void {
  expect(r.examples).toEqual([]);
  expect(r.mismatched).toBe(0);
  expect(r.compared).toBe(expected);
}

describe('fuzz parity with Rust tokenizers', () => {
  const file = sharedPath('tokenizers', 'bert-base-uncased', 'tokenizer.json');
  const ours = WordPieceTokenizer.fromFile(file);
  const oracle = Oracle.fromFile(file);

  it('100,000 seeded hostile strings, bert-base-uncased', async () => {
    const inputs = fuzzStrings(20261124, 100_000);
    // The generator must really produce what it promises, or this test proves less than it says.
    const all = inputs.join('');
    for (const probe of ['\u0000', '\ufffd', '\u200d', '\u3000', '[SEP]', '\u0301']) expect(all).toContain(probe);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(all)).toBe(true);
    expect(/[\u{1F300}-\u{1FAFF}]/u.test(all)).toBe(true);
    expect(inputs.some((s) => /\S{101,}/.test(s))).toBe(true);
    expectParity(await parityOn(ours, oracle, inputs), inputs.length);
  });

  it('the regression cases, under lowercase+strip and cased+strip settings', async () => {
    expect(regressions.length).toBeGreaterThan(50);
    expectParity(await parityOn(ours, oracle, regressions), regressions.length);
    const cased = withNormalizer('bert-base-uncased', { clean_text: true, handle_chinese_chars: true, strip_accents: true, lowercase: false });
    expectParity(await parityOn(cased.ours, cased.oracle, regressions), regressions.length);
  });

  it('regression cases as sentence pairs', async () => {
    const pairs = regressions.map((s, k): [string, string] => [s, regressions[(k * 7 + 3) % regressions.length]!]);
    expectParity(await parityOn(ours, oracle, pairs), pairs.length);
  });
});

describe('every BertNormalizer setting', () => {
  const variants = allNormalizerVariants();
  it('the settings change the output (so the comparisons below can fail)', () => {
    const outputs = new Set(
      variants.map((v) => {
        const e = withNormalizer('bert-base-uncased', v).ours.encode('Héllo\u0000 中文x\u00a0Ｘ\u0301');
        return JSON.stringify([e.tokens, e.offsets]);
      }),
    );
    expect(outputs.size).toBeGreaterThanOrEqual(6);
  });
  variants.forEach((v, k) => {
    it(`clean_text=${v.clean_text} handle_chinese_chars=${v.handle_chinese_chars} strip_accents=${v.strip_accents} lowercase=${v.lowercase}`, async () => {
      const { ours, oracle } = withNormalizer('bert-base-uncased', v);
      const inputs = [...fuzzStrings(1000 + k, 4000), ...regressions];
      expectParity(await parityOn(ours, oracle, inputs), inputs.length);
    });
  });
});

describe('bert-base-chinese', () => {
  const english = tsvTexts('data/sst2/dev.tsv');
  const inputs = mixedChineseEnglish(2026, 20_000, english);

  it('vocab.txt + tokenizer_config.json (ours) against tokenizer.json (oracle) on mixed Chinese/English', async () => {
    const ours = WordPieceTokenizer.fromFile(sharedPath('tokenizers', 'bert-base-chinese', 'vocab.txt'));
    const oracle = Oracle.fromFile(sharedPath('tokenizers', 'bert-base-chinese', 'tokenizer.json'));
    // Cased vocabulary: upper-case Latin is mostly unknown, ideographs are single tokens.
    expect(ours.encode('中文Text').tokens).toEqual(['[CLS]', '中', '文', '[UNK]', '[SEP]']);
    expectParity(await parityOn(ours, oracle, inputs), inputs.length);
  });

  it('tokenizer.json on both sides, as pairs', async () => {
    const { ours, oracle } = pairFromJson(tokenizerJson('bert-base-chinese'));
    const pairs = inputs.slice(0, 5000).map((s, k): [string, string] => [s, inputs[k + 5000]!]);
    expectParity(await parityOn(ours, oracle, pairs), pairs.length);
  });
});
