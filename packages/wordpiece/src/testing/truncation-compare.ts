// Test-only: truncation parity with the Rust oracle where its 0.23.1 early exit cannot act, and window
// coverage where it can (see the README: "Overflow windows cover the whole text").
import type { Tokenizer as Oracle } from 'tokenizers';
import { TokenizerError } from '../errors.js';
import type { PipelineTokenizer } from '../pipeline-tokenizer.js';
import type { Encoding } from '../pipeline/encoding.js';
import type { TruncationStrategy } from '../pipeline/truncation.js';
import { type Mismatch, compareEncoding } from './oracle.js';

export interface TruncationCase {
  maxLength: number;
  stride: number;
  strategy: TruncationStrategy;
  direction: 'left' | 'right';
}

export interface TruncationTally {
  exact: number;
  long: number;
  /** Long pairs checked against the explicit expectation of their windows (only_first / only_second). */
  longPairs: number;
  errorsAgreed: number;
  panicsRefused: number;
  windows: number;
  mismatches: Mismatch[];
}

/**
 * Compares `ours` (options passed per call) with `oracle` (setTruncation done by the caller) on every
 * input. `untruncated` gives a text's ids without special tokens; `specials` how many tokens the
 * post-processor adds to a single text and to a pair.
 */
export async function compareTruncation(
  ours: PipelineTokenizer,
  oracle: Oracle,
  inputs: ReadonlyArray<string | [string, string]>,
  t: TruncationCase,
  untruncated: (text: string) => number[],
  specials: { single: number; pair: number },
): Promise<TruncationTally> {
  const r: TruncationTally = { exact: 0, long: 0, longPairs: 0, errorsAgreed: 0, panicsRefused: 0, windows: 0, mismatches: [] };
  const options = { truncation: t };
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
    if (rustPanics(fullA.length, lengthB, t, specials)) {
      // Rust aborts the whole process here (assert stride < max_len); we refuse with a typed error instead.
      if (myError instanceof TokenizerError && myError.code === 'E_TRUNCATION') r.panicsRefused++;
      else r.mismatches.push({ input, field: 'error', ours: String(myError ?? 'no error'), theirs: 'panic: stride >= window' });
      continue;
    }
    if (b !== null && longest > t.maxLength) {
      // Where Rust 0.23's early exit acts on pairs, the expectation is written out instead (0.22's behaviour):
      // the untouched side is whole in every window, and the truncated side's windows rebuild it with
      // `stride` overlap, every window within maxLength. longest_first pairs are left to the exact cases.
      if (t.strategy === 'only_first' || t.strategy === 'only_second') {
        const cut = t.strategy === 'only_first' ? 0 : 1;
        const fullB = untruncated(b);
        const whole = cut === 0 ? fullB : fullA;
        const truncated = cut === 0 ? fullA : fullB;
        const toRemove = fullA.length + fullB.length + specials.pair - t.maxLength;
        if (toRemove > 0 && truncated.length <= toRemove) {
          if (!(myError instanceof TokenizerError && myError.code === 'E_TRUNCATION')) r.mismatches.push({ input, field: 'error', ours: String(myError ?? 'no error'), theirs: 'the truncated side is too short' });
          continue;
        }
        if (myError !== null) {
          r.mismatches.push({ input, field: 'error', ours: String(myError), theirs: 'no error' });
          continue;
        }
        const side = (e: Encoding, seq: number) => e.ids.filter((_, k) => e.specialTokensMask[k] === 0 && e.sequenceIds[k] === seq);
        const all: Encoding[] = [mine!, ...mine!.overflowing];
        const parts = all.map((e) => side(e, cut));
        for (const e of all) {
          // Real tokens only: a tokenizer.json may pad every window to a fixed length.
          const real = e.attentionMask.reduce((n: number, m: number) => n + m, 0);
          if (real > t.maxLength) r.mismatches.push({ input, field: 'window length', ours: real, theirs: t.maxLength });
          if (JSON.stringify(side(e, 1 - cut)) !== JSON.stringify(whole)) r.mismatches.push({ input, field: 'untruncated side', ours: side(e, 1 - cut), theirs: whole });
        }
        if (t.direction === 'left') parts.reverse();
        const rebuilt = [...parts[0]!];
        for (const w of parts.slice(1)) {
          if (JSON.stringify(w.slice(0, t.stride)) !== JSON.stringify(rebuilt.slice(rebuilt.length - t.stride))) r.mismatches.push({ input, field: 'pair overflow stride overlap', ours: w, theirs: rebuilt });
          rebuilt.push(...w.slice(t.stride));
        }
        if (JSON.stringify(rebuilt) !== JSON.stringify(truncated)) r.mismatches.push({ input, field: 'pair overflow coverage', ours: rebuilt, theirs: truncated });
        r.longPairs++;
        r.windows += mine!.overflowing.length;
      }
      continue;
    }
    let theirs;
    let theirError: unknown = null;
    try {
      theirs = await oracle.encode(a, b);
    } catch (e) {
      theirError = e;
    }
    if (theirError !== null || myError !== null) {
      if (theirError !== null && myError instanceof TokenizerError && myError.code === 'E_TRUNCATION') r.errorsAgreed++;
      else r.mismatches.push({ input, field: 'error', ours: String(myError), theirs: String(theirError) });
      continue;
    }
    if (longest <= t.maxLength) {
      r.exact++;
      const m = compareEncoding(input, mine!, theirs!, { overflowing: true });
      if (m) r.mismatches.push(m);
      r.windows += mine!.overflowing.length;
      continue;
    }
    r.long++;
    // Kept tokens match exactly (Rust renumbers their word ids from its cut, so those are left out);
    // the windows rebuild the untruncated text with `stride` overlap.
    const m = compareEncoding(input, mine!, theirs!);
    if (m && m.field !== 'wordIds') r.mismatches.push(m);
    const windows = [mine!, ...mine!.overflowing].map((e) => e.ids.filter((_, k) => e.specialTokensMask[k] === 0));
    if (t.direction === 'left') windows.reverse();
    const rebuilt = [...windows[0]!];
    for (const w of windows.slice(1)) {
      if (JSON.stringify(w.slice(0, t.stride)) !== JSON.stringify(rebuilt.slice(rebuilt.length - t.stride))) {
        r.mismatches.push({ input, field: 'overflow stride overlap', ours: w, theirs: rebuilt });
      }
      rebuilt.push(...w.slice(t.stride));
    }
    if (JSON.stringify(rebuilt) !== JSON.stringify(fullA)) r.mismatches.push({ input, field: 'overflow coverage', ours: rebuilt, theirs: fullA });
    r.windows += mine!.overflowing.length;
  }
  return r;
}

/** Whether Rust's truncate would hit `assert!(stride < max_len)`, from its arithmetic on untruncated lengths. */
export function rustPanics(la: number, lb: number | null, t: TruncationCase, specials: { single: number; pair: number }): boolean {
  const room = t.maxLength - (lb === null ? specials.single : specials.pair);
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
