import { CHAR_TO_BYTE } from '../model/byte-level.js';
import type { Decoder } from './decoder.js';

/**
 * Hugging Face's ByteLevel decoder: every token's characters back to bytes (a token with a character
 * outside the mapping contributes its own UTF-8), then one lossy UTF-8 decode of the whole sequence.
 */
export class ByteLevelDecoder implements Decoder {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false });
  private readonly encoder = new TextEncoder();

  decode(tokens: readonly string[]): string {
    const bytes: number[] = [];
    for (const token of tokens) {
      let mapped = true;
      for (let i = 0; i < token.length; i++) {
        if ((CHAR_TO_BYTE[token.charCodeAt(i)] as number) < 0) {
          mapped = false;
          break;
        }
      }
      if (mapped) for (let i = 0; i < token.length; i++) bytes.push(CHAR_TO_BYTE[token.charCodeAt(i)] as number);
      else for (const b of this.encoder.encode(token)) bytes.push(b);
    }
    return this.utf8.decode(Uint8Array.from(bytes));
  }
}
