// Pairs and truncation (every strategy, both directions, stride, overflow windows) and packed batches
// with padding for the Hub BPE, Unigram and WordPiece+RobertaProcessing files, against Rust tokenizers
// configured the same way. Where Rust 0.23.1's early exit can act (a sequence longer than max_length)
// the kept tokens must match and our windows must cover the text (see README).
import { beforeAll, describe, expect, it } from 'vitest';
import type { TruncationStrategy } from './index.js';
import { fuzzStrings } from './testing/fuzz.js';
import { HUB_TOKENIZERS, type HubName, hubPair } from './testing/hub-tokenizers.js';
import { compareEncoding } from './testing/oracle.js';
import { tsvTexts } from './testing/shared-data.js';
import { compareTruncation } from './testing/truncation-compare.js';

const sst = tsvTexts('data/sst2/dev.tsv');
const news = tsvTexts('data/agnews/test.tsv');
const phrases = tsvTexts('data/sst2-glue/dev.tsv', true).slice(0, 300);
const fuzz = fuzzStrings(314, 120);
const pairs: Array<[string, string]> = [];
for (let k = 0; k < 40; k++) {
  pairs.push([sst[k]!, news[k]!], [news[k + 100]!, sst[k + 100]!], [fuzz[k]!, `${fuzz[k + 60]!} ${sst[k + 200]!}`]);
}
for (let k = 0; k < 150; k++) pairs.push([phrases[k]!, phrases[(k * 37 + 11) % phrases.length]!]);
pairs.push(['', ''], ['a', ''], ['', news[0]!]);
const singles = [...news.slice(0, 20), ...fuzz.slice(0, 20), ...phrases.slice(150, 200)];
const RUST_STRATEGY = { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' } as const;
const SPECIALS: Record<HubName, { single: number; pair: number }> = {
  'roberta-base': { single: 2, pair: 4 },
  'all-mpnet-base-v2': { single: 2, pair: 4 },
  't5-small': { single: 1, pair: 2 },
  'flan-t5-large': { single: 1, pair: 2 },
};

for (const name of Object.keys(HUB_TOKENIZERS) as HubName[]) {
  describe(`${name}: truncation and pairs`, () => {
    const { ours, oracle } = hubPair(name);
    let plain = new Map<string, number[]>();
    beforeAll(async () => {
      const texts = [...new Set([...pairs.flat(), ...singles])];
      // Untruncated, whatever the file says (all-mpnet-base-v2's truncates at 128); each test sets its own.
      oracle.disableTruncation();
      const encodings = await oracle.encodeBatch(texts, { addSpecialTokens: false });
      // Without the padding all-mpnet-base-v2's file asks for.
      plain = new Map(texts.map((t, k) => [t, encodings[k]!.getIds().filter((_, j) => encodings[k]!.getAttentionMask()[j] === 1)]));
    });

    it('pairs without truncation', async () => {
      // all-mpnet-base-v2's file truncates at 128 and pads to 128 itself; both sides apply that.
      for (const [a, b] of pairs) expect(compareEncoding([a, b], ours.encode(a, b, { truncation: false }), await oracle.encode(a, b))).toBeNull();
    });

    for (const strategy of ['longest_first', 'only_first', 'only_second'] as TruncationStrategy[]) {
      it(`${strategy}, right and left, max_length 9/24, stride 0/2`, async () => {
        const totals = { exact: 0, long: 0, windows: 0, refused: 0 };
        for (const direction of ['right', 'left'] as const) {
          for (const maxLength of [9, 24]) {
            for (const stride of [0, 2]) {
              oracle.setTruncation(maxLength, { strategy: RUST_STRATEGY[strategy] as never, stride, direction });
              const t = { maxLength, stride, strategy, direction };
              const r = await compareTruncation(ours, oracle, [...pairs, ...singles], t, (s) => plain.get(s)!, SPECIALS[name]);
              expect(r.mismatches.slice(0, 3)).toEqual([]);
              totals.exact += r.exact;
              totals.long += r.long;
              totals.windows += r.windows;
              totals.refused += r.errorsAgreed + r.panicsRefused;
            }
          }
        }
        // The cases must reach the exact comparison, overflow windows and the long-text path.
        expect(totals.exact).toBeGreaterThan(300);
        expect(totals.windows).toBeGreaterThan(0);
        if (strategy !== 'only_second') expect(totals.long).toBeGreaterThan(50);
      }, 180_000);
    }

    it('encodeBatch with padding: packed rows equal per-text encodings and Rust', async () => {
      const texts = [...sst.slice(0, 40), '', ...news.slice(0, 20), ...fuzz.slice(0, 40)];
      oracle.setTruncation(64);
      oracle.setPadding({ maxLength: 64, direction: 'left', padId: ours.tokenToId(name.includes('t5') ? '<pad>' : '<pad>') ?? 0, padToken: '<pad>' });
      const theirs = await oracle.encodeBatch(texts);
      const batch = ours.encodeBatch(texts, { truncation: { maxLength: 64 }, padding: { strategy: 'max_length', maxLength: 64, direction: 'left' } });
      for (let k = 0; k < texts.length; k++) {
        expect(compareEncoding(texts[k]!, batch.get(k), theirs[k]!)).toBeNull();
        expect(Array.from(batch.inputIds.subarray(k * 64, (k + 1) * 64))).toEqual(theirs[k]!.getIds());
      }
    });
  });
}
