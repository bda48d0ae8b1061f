// Pairs, truncation (every strategy, stride, direction, with overflow windows) and padding, against Rust
// tokenizers configured the same way with setTruncation / setPadding.
import { Tokenizer as Oracle } from 'tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenizerError, WordPieceTokenizer } from './index.js';
import type { TruncationStrategy } from './index.js';
import { compareEncoding } from './testing/oracle.js';
import { type TruncationCase, type TruncationTally, compareTruncation, rustPanics as rustPanicsFor } from './testing/truncation-compare.js';
import { sharedPath, tsvTexts } from './testing/shared-data.js';
import { fuzzStrings } from './testing/fuzz.js';
import { pairFromJson, tokenizerJson } from './testing/variants.js';

const file = sharedPath('tokenizers', 'bert-base-uncased', 'tokenizer.json');
const ours = WordPieceTokenizer.fromFile(file);
const sst = tsvTexts('data/sst2/dev.tsv');
const news = tsvTexts('data/agnews/test.tsv');
const fuzz = fuzzStrings(77, 200);
// Questions against passages, short against long, long against short, and hostile text.
// Short phrases make pairs whose sequences fit max_length alone but not together: there the oracle is exact.
const phrases = tsvTexts('data/sst2-glue/dev.tsv', true).slice(0, 600);
const pairs: Array<[string, string]> = [];
for (let k = 0; k < 120; k++) {
  pairs.push([sst[k]!, news[k]!]);
  pairs.push([news[k + 200]!, sst[k + 200]!]);
  pairs.push([fuzz[k]!, fuzz[k + 80]! + ' ' + sst[k + 400]!]);
}
for (let k = 0; k < 300; k++) pairs.push([phrases[k]!, phrases[(k * 37 + 11) % phrases.length]!]);
pairs.push(['', ''], ['a', ''], ['', news[0]!]);
const singles = [...news.slice(0, 40), ...fuzz.slice(0, 40), ...phrases.slice(300, 400)];

const RUST_STRATEGY = { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' } as const;

/** The shared comparison (see testing/truncation-compare.ts); BERT adds 2 special tokens to a text, 3 to a pair. */
function compareAll(
  oracle: Oracle,
  inputs: Array<string | [string, string]>,
  options: { truncation: TruncationCase },
): Promise<TruncationTally> {
  return compareTruncation(ours, oracle, inputs, options.truncation, untruncated, BERT_SPECIALS);
}

const BERT_SPECIALS = { single: 2, pair: 3 };

function rustPanics(la: number, lb: number | null, t: { maxLength: number; stride: number; strategy: TruncationStrategy }): boolean {
  return rustPanicsFor(la, lb, { ...t, direction: 'right' }, BERT_SPECIALS);
}

let plainIds = new Map<string, number[]>();
/** Ids of a text without special tokens or truncation, from the oracle (prefetched in beforeAll). */
function untruncated(text: string): number[] {
  const ids = plainIds.get(text);
  if (ids === undefined) throw new Error(`not prefetched: ${text}`);
  return ids;
}

beforeAll(async () => {
  const texts = [...new Set([...pairs.flat(), ...singles])];
  const encodings = await Oracle.fromFile(file).encodeBatch(texts, { addSpecialTokens: false });
  plainIds = new Map(texts.map((t, k) => [t, encodings[k]!.getIds()]));
});

describe('truncation of pairs and single texts, with overflow windows', () => {
  const strategies: TruncationStrategy[] = ['longest_first', 'only_first', 'only_second'];
  for (const strategy of strategies) {
    for (const direction of ['right', 'left'] as const) {
      it(`${strategy}, ${direction}: max_length 6/9/16/33, stride 0/1/3`, async () => {
        const oracle = Oracle.fromFile(file);
        let errors = 0;
        let panics = 0;
        let exact = 0;
        let long = 0;
        let longPairs = 0;
        let windows = 0;
        for (const maxLength of [6, 9, 16, 33]) {
          for (const stride of [0, 1, 3]) {
            oracle.setTruncation(maxLength, { strategy: RUST_STRATEGY[strategy] as never, stride, direction });
            const options = { truncation: { maxLength, strategy, stride, direction } };
            const inputs: Array<string | [string, string]> = [...pairs, ...singles];
            const r = await compareAll(oracle, inputs, options);
            exact += r.exact;
            long += r.long;
            longPairs += r.longPairs;
            expect(r.mismatches.slice(0, 3)).toEqual([]);
            errors += r.errorsAgreed;
            panics += r.panicsRefused;
            windows += r.windows;
          }
        }
        // The cases must exercise overflow windows; refusals only where a strategy cannot apply.
        expect(windows).toBeGreaterThan(0);
        expect(exact).toBeGreaterThan(1000);
        if (strategy !== 'only_second') expect(long).toBeGreaterThan(200);
        // Long pairs (where Rust 0.23 exits early) against the written-out expectation of their windows.
        if (strategy !== 'longest_first') expect(longPairs).toBeGreaterThan(100);
        expect(panics).toBeGreaterThan(0);
        if (strategy === 'longest_first') expect(errors).toBe(0);
        else expect(errors).toBeGreaterThan(0);
      });
    }
  }

  it('a tokenizer.json truncation setting applies by default and encode options override it', async () => {
    const json = { ...tokenizerJson('bert-base-uncased'), truncation: { max_length: 12, strategy: 'OnlySecond', stride: 2, direction: 'Right' } };
    const { ours: configured, oracle } = pairFromJson(json);
    let compared = 0;
    for (const [a, b] of pairs) {
      const [la, lb] = [untruncated(a).length, untruncated(b).length];
      if (la > 12 || lb > 12 || rustPanics(la, lb, { maxLength: 12, stride: 2, strategy: 'only_second' })) continue;
      let mine;
      try {
        mine = configured.encode(a, b);
      } catch (error) {
        expect((error as TokenizerError).code).toBe('E_TRUNCATION');
        await expect(oracle.encode(a, b)).rejects.toThrow(/Truncation error/);
        continue;
      }
      expect(compareEncoding([a, b], mine, await oracle.encode(a, b), { overflowing: true })).toBeNull();
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
    expect(configured.encode(news[0]!, news[1]!, { truncation: false }).ids.length).toBeGreaterThan(12);
  });
});

describe('padding', () => {
  const texts = [...sst.slice(0, 50), '', ...news.slice(0, 30), ...fuzz.slice(0, 50)];
  for (const [name, rust, mine] of [
    ['longest, right', { direction: 'right' }, { strategy: 'longest', direction: 'right' }],
    ['longest, left, multiple of 8', { direction: 'left', padToMultipleOf: 8 }, { strategy: 'longest', direction: 'left', padToMultipleOf: 8 }],
    ['max_length 64, right', { maxLength: 64 }, { strategy: 'max_length', maxLength: 64 }],
    ['max_length 70, multiple of 16, left', { maxLength: 70, padToMultipleOf: 16, direction: 'left' }, { strategy: 'max_length', maxLength: 70, padToMultipleOf: 16, direction: 'left' }],
  ] as const) {
    it(`${name}: encodeBatch rows and per-text encode match`, async () => {
      const oracle = Oracle.fromFile(file);
      oracle.setPadding(rust as never);
      // Truncate to the padded length so that every row fills it (Rust leaves longer rows ragged).
      const maxLength = rust.maxLength ?? 128;
      oracle.setTruncation(maxLength);
      const theirs = await oracle.encodeBatch(texts);
      const options = { padding: mine as never, truncation: { maxLength } };
      const batch = ours.encodeBatch(texts, options);
      expect(batch.rows).toBe(texts.length);
      for (let k = 0; k < texts.length; k++) {
        expect(compareEncoding(texts[k]!, batch.get(k), theirs[k]!)).toBeNull();
        // The packed arrays are the per-item views, row-major.
        const row = Array.from(batch.inputIds.subarray(k * batch.sequenceLength, (k + 1) * batch.sequenceLength));
        expect(row).toEqual(theirs[k]!.getIds());
      }
      if (rust.maxLength === undefined) return;
      for (const t of texts.slice(0, 20)) expect(compareEncoding(t, ours.encode(t, null, options), await oracle.encode(t))).toBeNull();
    });
  }
});
