// Test-only: runs inputs through us and through Hugging Face's Rust tokenizers and collects mismatches.
import type { Tokenizer as Oracle } from 'tokenizers';
import type { EncodeOptions, PipelineTokenizer } from '../index.js';
import { compareEncoding, type Mismatch } from './oracle.js';

export interface ParityResult {
  compared: number;
  mismatched: number;
  /** The first few mismatches, for the failure message. */
  examples: Mismatch[];
}

/**
 * Encodes every input with both tokenizers (the oracle in native batches) and compares every field.
 * `encode` options go to our side only; configure the oracle to match (setTruncation, setPadding).
 */
export async function parityOn(
  ours: PipelineTokenizer,
  oracle: Oracle,
  inputs: ReadonlyArray<string | [string, string]>,
  options: { overflowing?: boolean; chunk?: number; encode?: EncodeOptions } = {},
): Promise<ParityResult> {
  const result: ParityResult = { compared: 0, mismatched: 0, examples: [] };
  const chunk = options.chunk ?? 4000;
  for (let start = 0; start < inputs.length; start += chunk) {
    const part = inputs.slice(start, start + chunk);
    const theirs = await oracleEncode(oracle, part);
    part.forEach((input, k) => {
      const mine =
        typeof input === 'string' ? ours.encode(input, null, options.encode) : ours.encode(input[0], input[1], options.encode);
      const m = compareEncoding(input, mine, theirs[k]!, options);
      result.compared++;
      if (m === null) return;
      result.mismatched++;
      if (result.examples.length < 5) result.examples.push(m);
    });
  }
  return result;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * The binding's encodeBatch takes single texts only, so pairs go through encode one by one. It cannot
 * take a lone surrogate inside a pair either; U+FFFD is what it reads for one anyway.
 */
async function oracleEncode(oracle: Oracle, part: ReadonlyArray<string | [string, string]>) {
  if (part.every((input) => typeof input === 'string')) return oracle.encodeBatch(part as string[]);
  return Promise.all(
    part.map((input) => (typeof input === 'string' ? oracle.encode(input) : oracle.encode(wellFormed(input[0]), wellFormed(input[1])))),
  );
}
