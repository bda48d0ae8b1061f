import { TokenizerError } from '../errors.js';

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';
export type Direction = 'right' | 'left';

export interface TruncationParams {
  maxLength: number;
  strategy: TruncationStrategy;
  stride: number;
  direction: Direction;
}

/** [start, end) token windows of one sequence: the first is kept, the rest are overflow. */
export type Windows = Array<[number, number]>;

/** Cuts `length` tokens into windows of at most `maxLength`, consecutive ones sharing `stride` tokens. */
export function windowsFor(length: number, maxLength: number, stride: number, direction: Direction): Windows {
  if (maxLength >= length) return [[0, length]];
  if (maxLength === 0) return [[0, 0], [0, length]];
  if (stride >= maxLength) {
    throw new TokenizerError(
      'E_TRUNCATION',
      `stride (${stride}) must be smaller than the room left for tokens (${maxLength}, i.e. max_length minus the special tokens)`,
    );
  }
  const step = maxLength - stride;
  const windows: Windows = [];
  if (direction === 'right') {
    for (let start = 0; ; start += step) {
      const stop = Math.min(start + maxLength, length);
      windows.push([start, stop]);
      if (stop === length) break;
    }
  } else {
    for (let last = length - 1; last >= 0; last -= step) {
      const stop = last + 1;
      const start = Math.max(0, stop - maxLength);
      windows.push([start, stop]);
      if (start === 0) break;
    }
  }
  return windows;
}

/**
 * Hugging Face's truncate_encodings: decides how many tokens each sequence keeps. `maxLength` here is
 * already reduced by the special tokens the template will add.
 */
export function planTruncation(
  lengthA: number,
  lengthB: number | null,
  params: TruncationParams,
): { a: Windows; b: Windows | null } {
  const { maxLength, stride, direction } = params;
  const whole = (n: number): Windows => [[0, n]];
  if (maxLength === 0) {
    return {
      a: windowsFor(lengthA, 0, stride, direction),
      b: lengthB === null ? null : windowsFor(lengthB, 0, stride, direction),
    };
  }
  const total = lengthA + (lengthB ?? 0);
  if (total <= maxLength) return { a: whole(lengthA), b: lengthB === null ? null : whole(lengthB) };
  const toRemove = total - maxLength;
  if (params.strategy === 'longest_first') {
    if (lengthB === null) return { a: windowsFor(lengthA, total - toRemove, stride, direction), b: null };
    let n1 = lengthA;
    let n2 = lengthB;
    const swap = n1 > n2;
    if (swap) [n1, n2] = [n2, n1];
    n2 = n1 > maxLength ? n1 : Math.max(n1, maxLength - n1);
    if (n1 + n2 > maxLength) {
      n1 = Math.floor(maxLength / 2);
      n2 = n1 + (maxLength % 2);
    }
    if (swap) [n1, n2] = [n2, n1];
    return { a: windowsFor(lengthA, n1, stride, direction), b: windowsFor(lengthB, n2, stride, direction) };
  }
  const first = params.strategy === 'only_first';
  if (!first && lengthB === null) {
    throw new TokenizerError('E_TRUNCATION', "truncation strategy 'only_second' needs a pair of sequences");
  }
  const targetLength = first ? lengthA : (lengthB as number);
  if (targetLength <= toRemove) {
    throw new TokenizerError(
      'E_TRUNCATION',
      `truncation strategy '${params.strategy}' must remove ${toRemove} tokens but the ${first ? 'first' : 'second'} sequence has only ${targetLength}; use 'longest_first' or a larger max_length`,
    );
  }
  const cut = windowsFor(targetLength, targetLength - toRemove, stride, direction);
  return first
    ? { a: cut, b: lengthB === null ? null : whole(lengthB) }
    : { a: whole(lengthA), b: cut };
}

/**
 * Which (window of A, window of B) pairs make the overflowing encodings, in the order Hugging Face's
 * Encoding::merge_with produces them: each later A window with B's first then later windows, then A's
 * first window with each later B window.
 */
export function overflowCombinations(windowsA: number, windowsB: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 1; i < windowsA; i++) for (let j = 0; j < windowsB; j++) out.push([i, j]);
  for (let j = 1; j < windowsB; j++) out.push([0, j]);
  return out;
}
