// Test-only: compares our encodings with Hugging Face's Rust tokenizers (npm `tokenizers`).
import type { Encoding as OracleEncoding } from 'tokenizers';
import type { Encoding } from '../pipeline/encoding.js';

/** UTF-16 offset -> code point offset (the oracle counts code points; lone surrogates count as one). */
export function codePointIndex(text: string): (utf16: number) => number {
  let astral = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        astral = true;
        break;
      }
    }
  }
  if (!astral) return (i) => i;
  const map = new Int32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    map[i] = cp;
    const c = text.charCodeAt(i);
    const d = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    if (c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
      map[i + 1] = cp;
      i++;
    }
    cp++;
  }
  map[text.length] = cp;
  return (i) => map[i] as number;
}

export interface Mismatch {
  input: string | [string, string];
  field: string;
  ours: unknown;
  theirs: unknown;
}

/** Field-by-field comparison; returns the first differing field, or null. */
export function compareEncoding(
  input: string | [string, string],
  ours: Encoding,
  theirs: OracleEncoding,
  options: { overflowing?: boolean } = {},
): Mismatch | null {
  const texts = typeof input === 'string' ? [input] : input;
  const maps = texts.map(codePointIndex);
  const seq = ours.sequenceIds;
  const offsets = ours.offsets.map(([s, e], k) => {
    const m = maps[seq[k] ?? 0] ?? maps[0]!;
    return [m(s), m(e)];
  });
  const fields: Array<[string, unknown, unknown]> = [
    ['ids', ours.ids, theirs.getIds()],
    ['tokens', ours.tokens, theirs.getTokens()],
    ['offsets', offsets, theirs.getOffsets()],
    ['typeIds', ours.typeIds, theirs.getTypeIds()],
    ['specialTokensMask', ours.specialTokensMask, theirs.getSpecialTokensMask()],
    ['attentionMask', ours.attentionMask, theirs.getAttentionMask()],
    ['wordIds', ours.wordIds, theirs.getWordIds().map((w) => (w === undefined ? null : w))],
  ];
  for (const [field, a, b] of fields) {
    if (JSON.stringify(a) !== JSON.stringify(b)) return { input, field, ours: a, theirs: b };
  }
  if (options.overflowing) {
    const theirOverflow = theirs.getOverflowing();
    if (theirOverflow.length !== ours.overflowing.length) {
      return { input, field: 'overflowing.length', ours: ours.overflowing.length, theirs: theirOverflow.length };
    }
    for (let k = 0; k < theirOverflow.length; k++) {
      const m = compareEncoding(input, ours.overflowing[k]!, theirOverflow[k]!);
      if (m) return { ...m, field: `overflowing[${k}].${m.field}` };
    }
  }
  return null;
}
