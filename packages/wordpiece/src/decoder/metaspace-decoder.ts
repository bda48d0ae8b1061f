import type { Decoder } from './decoder.js';
import type { PrependScheme } from '../pre-tokenizer/metaspace-pre-tokenizer.js';

/** Hugging Face's Metaspace decoder: "▁" back to spaces, dropped in the first token when one was prepended. */
export class MetaspaceDecoder implements Decoder {
  constructor(
    readonly replacement = '\u2581',
    readonly prependScheme: PrependScheme = 'always',
  ) {}

  decode(tokens: readonly string[]): string {
    let out = '';
    tokens.forEach((token, i) => {
      const drop = i === 0 && this.prependScheme !== 'never';
      for (const c of token) out += c === this.replacement ? (drop ? '' : ' ') : c;
    });
    return out;
  }
}
