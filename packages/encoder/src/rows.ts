import type { Encoding, WordPieceTokenizer } from '@bertkit/wordpiece';
import { EncoderTypeError } from './errors.js';

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
  /** Each row's encoding (tokens, offsets, word ids), for token-level results. */
  encodings: Encoding[];
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

/**
 * Tokenizes every input. Long inputs are truncated (longest_first) or, in window mode, split into
 * stride-overlapping windows whose vectors the caller averages.
 */
export function tokenizeRows(tokenizer: WordPieceTokenizer, inputs: readonly EncoderInput[], options: RowOptions): Rows {
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
    const e = tokenizer.encode(a, b, { truncation, padding: false });
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
