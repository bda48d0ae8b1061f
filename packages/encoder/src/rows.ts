import type { AnyTokenizer, Encoding } from '@bertkit/wordpiece';
import { EncoderError, EncoderTypeError } from './errors.js';
import type { BatchInput } from './runner.js';

export type EncoderInput = string | readonly [string, string];

/** Tokenized rows ready for the planner: one per input, or several (windows) for long inputs. */
export interface Rows {
  /** Input index of each row. */
  source: Int32Array;
  ids: Int32Array[];
  typeIds: Int32Array[];
  lengths: Int32Array;
  /** Inputs cut at maxLength (truncate mode) or split into windows (window mode). */
  longInputs: number;
  /** Each row's encoding (tokens, offsets, word ids), for token-level results; null from a tokenizer without offsets. */
  encodings: Array<Encoding | null>;
}

export interface RowOptions {
  maxLength: number;
  long: 'truncate' | 'window';
  stride: number;
  /** How a pair is cut: both sides ('longest_first', default) or the second only (QA contexts). */
  truncation?: 'longest_first' | 'only_second';
}

export function checkInputs(inputs: unknown, argument = 'inputs'): asserts inputs is readonly EncoderInput[] {
  if (!Array.isArray(inputs)) throw new EncoderTypeError(argument, 'an array of strings or [string, string] pairs', inputs);
  for (let i = 0; i < inputs.length; i++) checkInput(inputs[i], `${argument}[${i}]`);
}

export function checkInput(input: unknown, argument: string): asserts input is EncoderInput {
  if (typeof input === 'string') return;
  if (Array.isArray(input) && input.length === 2 && typeof input[0] === 'string' && typeof input[1] === 'string') return;
  throw new EncoderTypeError(argument, 'a string or a [string, string] pair', input);
}

/** What a tokenizer with offsets offers (WordPiece today; BPE/Unigram classes with the same interface). */
interface OffsetTokenizer {
  encode(
    text: string,
    pair: string | null,
    options: { truncation: { maxLength: number; strategy: 'longest_first' | 'only_second'; stride: number }; padding: false },
  ): Encoding;
}

/**
 * Whether a tokenizer gives offsets, word ids and truncation (WordPiece, and the BPE/Unigram classes
 * with its interface) or only ids (the @huggingface/tokenizers fallback, which says what it lacks).
 */
export function hasOffsets(tokenizer: AnyTokenizer): boolean {
  return !('unavailable' in tokenizer && Array.isArray(tokenizer.unavailable) && tokenizer.unavailable.includes('offsets'));
}

/**
 * Tokenizes every input. Long inputs are truncated (longest_first) or, in window mode, split into
 * stride-overlapping windows whose vectors the caller averages.
 */
export function tokenizeRows(tokenizer: AnyTokenizer, inputs: readonly EncoderInput[], options: RowOptions): Rows {
  if (!hasOffsets(tokenizer)) return tokenizeWithoutOffsets(tokenizer, inputs, options);
  const full = tokenizer as unknown as OffsetTokenizer;
  const source: number[] = [];
  const ids: Int32Array[] = [];
  const typeIds: Int32Array[] = [];
  const lengths: number[] = [];
  const encodings: Encoding[] = [];
  let longInputs = 0;
  const truncation = {
    maxLength: options.maxLength,
    strategy: options.truncation ?? ('longest_first' as const),
    stride: options.long === 'window' ? options.stride : 0,
  };
  inputs.forEach((input, index) => {
    const [a, b] = typeof input === 'string' ? [input, null] : input;
    const e = full.encode(a, b, { truncation, padding: false });
    const windows = options.long === 'window' ? [e, ...e.overflowing] : [e];
    if (e.overflowing.length > 0) longInputs++;
    for (const w of windows) {
      source.push(index);
      ids.push(Int32Array.from(w.ids));
      typeIds.push(Int32Array.from(w.typeIds));
      lengths.push(w.ids.length);
      encodings.push(w);
    }
  });
  return { source: Int32Array.from(source), ids, typeIds, lengths: Int32Array.from(lengths), longInputs, encodings };
}

/**
 * Ids only. That tokenizer cannot truncate, so a long single text keeps its leading and trailing special
 * tokens around its first maxLength - specials content tokens, as right truncation does; a long pair, or
 * window mode, is refused rather than cut in a way that differs from Hugging Face.
 */
function tokenizeWithoutOffsets(tokenizer: AnyTokenizer, inputs: readonly EncoderInput[], options: RowOptions): Rows {
  const rows: Rows = { source: Int32Array.from(inputs.keys()), ids: [], typeIds: [], lengths: new Int32Array(inputs.length), longInputs: 0, encodings: [] };
  inputs.forEach((input, index) => {
    const [a, b] = typeof input === 'string' ? [input, null] : input;
    const e = tokenizer.encode(a, b);
    let ids = e.ids;
    let types = e.typeIds;
    if (ids.length > options.maxLength) {
      rows.longInputs++;
      if (b !== null || options.long === 'window') {
        throw new EncoderError(
          'E_TOKENIZER_LIMITS',
          `inputs[${index}] has ${ids.length} tokens (more than maxLength ${options.maxLength}) and this tokenizer (${source(tokenizer)}) cannot ${b !== null ? 'truncate pairs' : 'split windows'}`,
        );
      }
      const special = e.specialTokensMask;
      let head = 0;
      while (head < ids.length && special[head] === 1) head++;
      let tail = 0;
      while (tail < ids.length - head && special[ids.length - 1 - tail] === 1) tail++;
      const keep = options.maxLength - head - tail;
      ids = [...ids.slice(0, head + keep), ...ids.slice(ids.length - tail)];
      types = [...types.slice(0, head + keep), ...types.slice(types.length - tail)];
    }
    rows.ids.push(Int32Array.from(ids));
    rows.typeIds.push(Int32Array.from(types));
    rows.lengths[index] = ids.length;
    rows.encodings.push(null);
  });
  return rows;
}

function source(tokenizer: AnyTokenizer): string {
  return 'source' in tokenizer && typeof tokenizer.source === 'string' ? tokenizer.source : 'no offsets';
}

/** Rows `members` right-padded with `padId` to `length`, as one row-major batch. */
export function padRows(rows: Pick<Rows, 'ids' | 'typeIds'>, members: readonly number[], length: number, padId: number): BatchInput {
  const n = members.length;
  const batch: BatchInput = { rows: n, length, ids: new Int32Array(n * length).fill(padId), mask: new Int32Array(n * length), typeIds: new Int32Array(n * length) };
  members.forEach((row, r) => {
    const ids = rows.ids[row] as Int32Array;
    batch.ids.set(ids, r * length);
    batch.typeIds.set(rows.typeIds[row] as Int32Array, r * length);
    batch.mask.fill(1, r * length, r * length + ids.length);
  });
  return batch;
}
