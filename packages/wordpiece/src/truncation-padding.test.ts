// Pairs, truncation (every strategy, stride, direction, with overflow windows) and padding, against Rust
// tokenizers configured the same way with setTruncation / setPadding.
import { Tokenizer as Oracle } from 'tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenizerError, WordPieceTokenizer } from './index.js';
import type { TruncationStrategy } from './index.js';
import { compareEncoding, type Mismatch } from './testing/oracle.js';
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

/**
 * Rust tokenizers 0.23.1+ stops tokenizing a sequence once it holds max_length tokens when truncation is on
 * (huggingface/tokenizers#2091, fix open in #2098). Its overflow windows then lose the end of long texts, and
 * for pairs it can even pick the wrong "longest" sequence or renumber word ids. We keep the 0.22 behaviour,
 * windows over the whole text, which is what stride exists for. The oracle is therefore exact only where its
 * early exit drops nothing (no sequence longer than max_length tokens): there everything must match, errors
 * and overflow windows included. For longer single texts the kept tokens must still match, and our windows
 * must cover the untruncated oracle encoding in stride-overlapping slices.
 */
async function compareAll(
  oracle: Oracle,
  inputs: Array<string | [string, string]>,
  options: { truncation: { maxLength: number; stride: number; strategy: TruncationStrategy; direction: 'left' | 'right' } },
): Promise<{ exact: number; long: number; errorsAgreed: number; panicsRefused: number; windows: number; mismatches: Mismatch[] }> {
  const r = { exact: 0, long: 0, errorsAgreed: 0, panicsRefused: 0, windows: 0, mismatches: [] as Mismatch[] };
  const { maxLength, stride, direction } = options.truncation;
  for (const input of inputs) {
    const [a, b] = typeof input === 'string' ? [input, null] : input;
    const fullA = untruncated(a);
    const lengthB = b === null ? null : untruncated(b).length;
    const longest = Math.max(fullA.length, lengthB ?? 0);
    let mine;
    let myError: unknown = null;
    try {
      mine = ours.encode(a, b, options);
    } catch (e) {
      myError = e;
    }
    if (rustPanics(fullA.length, lengthB, options.truncation)) {
      // Rust aborts the whole process here (assert stride < max_len); we refuse with a typed error instead.
      if (myError instanceof TokenizerError && myError.code === 'E_TRUNCATION') r.panicsRefused++;
      else r.mismatches.push({ input, field: 'error', ours: String(myError ?? 'no error'), theirs: 'panic: stride >= window' });
      continue;
    }
    if (b !== null && longest > maxLength) continue;
    let theirs;
    let theirError: unknown = null;
    try {
      theirs = await oracle.encode(a, b);
    } catch (e) {
      theirError = e;
    }
    if (longest <= maxLength) {
      r.exact++;
      if (theirError !== null || myError !== null) {
        // Rust refuses what cannot be truncated as asked; we must refuse the same inputs, with a typed error.
        if (theirError !== null && myError instanceof TokenizerError && myError.code === 'E_TRUNCATION') r.errorsAgreed++;
        else r.mismatches.push({ input, field: 'error', ours: String(myError), theirs: String(theirError) });
        continue;
      }
      const m = compareEncoding(input, mine!, theirs!, { overflowing: true });
      if (m) r.mismatches.push(m);
      r.windows += mine!.overflowing.length;
      continue;
    }
    if (theirError !== null || myError !== null) {
      if (!(theirError !== null && myError instanceof TokenizerError)) r.mismatches.push({ input, field: 'error', ours: String(myError), theirs: String(theirError) });
      continue;
    }
    r.long++;
    const kept = (e: { getIds(): number[] } | { ids: number[] }) => ('ids' in e ? e.ids : e.getIds());
    if (JSON.stringify(kept(mine!)) !== JSON.stringify(kept(theirs!))) r.mismatches.push({ input, field: 'ids', ours: mine!.ids, theirs: theirs!.getIds() });
    const windows = [mine!, ...mine!.overflowing].map((e) => e.ids.filter((_, k) => e.specialTokensMask[k] === 0));
    if (direction === 'left') windows.reverse();
    const rebuilt = [...windows[0]!];
    for (const w of windows.slice(1)) {
      if (JSON.stringify(w.slice(0, stride)) !== JSON.stringify(rebuilt.slice(rebuilt.length - stride))) {
        r.mismatches.push({ input, field: 'overflow stride overlap', ours: w, theirs: rebuilt });
      }
      rebuilt.push(...w.slice(stride));
    }
    if (JSON.stringify(rebuilt) !== JSON.stringify(fullA)) r.mismatches.push({ input, field: 'overflow coverage', ours: rebuilt, theirs: fullA });
  }
  return r;
}

/**
 * Whether Rust's Encoding::truncate would hit `assert!(stride < max_len)`: a sequence cut to a window no
 * longer than the stride. Computed from Rust's truncate_encodings arithmetic on untruncated lengths.
 */
function rustPanics(la: number, lb: number | null, t: { maxLength: number; stride: number; strategy: TruncationStrategy }): boolean {
  const room = t.maxLength - (lb === null ? 2 : 3);
  const total = la + (lb ?? 0);
  if (total <= room || room <= 0) return false;
  const cut = (length: number, keep: number) => keep > 0 && keep < length && t.stride >= keep;
  if (t.strategy === 'longest_first') {
    if (lb === null) return cut(la, room);
    let [n1, n2] = la > lb ? [lb, la] : [la, lb];
    n2 = n1 > room ? n1 : Math.max(n1, room - n1);
    if (n1 + n2 > room) {
      n1 = Math.floor(room / 2);
      n2 = n1 + (room % 2);
    }
    const [ka, kb] = la > lb ? [n2, n1] : [n1, n2];
    return cut(la, ka) || cut(lb, kb);
  }
  const target = t.strategy === 'only_first' ? la : lb;
  if (target === null) return false;
  const keep = target - (total - room);
  return keep > 0 && cut(target, keep);
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
        let windows = 0;
        for (const maxLength of [6, 9, 16, 33]) {
          for (const stride of [0, 1, 3]) {
            oracle.setTruncation(maxLength, { strategy: RUST_STRATEGY[strategy] as never, stride, direction });
            const options = { truncation: { maxLength, strategy, stride, direction } };
            const inputs: Array<string | [string, string]> = [...pairs, ...singles];
            const r = await compareAll(oracle, inputs, options);
            exact += r.exact;
            long += r.long;
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
