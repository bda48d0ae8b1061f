import { TokenizerError } from '../errors.js';

/**
 * SentencePiece's precompiled_charsmap: a little-endian u32 trie size, a Darts double-array trie over
 * UTF-8 keys, then the replacement strings, NUL-separated, that the trie's values point into.
 */
export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly normalized: Uint8Array;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: false });

  constructor(base64: string, file: string) {
    const bytes = Buffer.from(base64, 'base64');
    const bad = (what: string) =>
      new TokenizerError('E_MALFORMED_TOKENIZER_JSON', `${file}: normalizer "precompiled_charsmap" ${what}`, { file });
    if (bytes.length < 4) throw bad('is too short');
    const trieSize = bytes.readUInt32LE(0);
    if (trieSize % 4 !== 0 || 4 + trieSize > bytes.length) throw bad(`declares a trie of ${trieSize} bytes in ${bytes.length}`);
    this.units = new Uint32Array(trieSize / 4);
    for (let k = 0; k < this.units.length; k++) this.units[k] = bytes.readUInt32LE(4 + k * 4);
    this.normalized = new Uint8Array(bytes.subarray(4 + trieSize));
  }

  /**
   * The replacement for the shortest key that prefixes key[0, length), or null. (Rust takes the first
   * result of a common-prefix search, i.e. the shortest; a grapheme can thus map by its first character.)
   */
  lookup(key: Uint8Array, length: number): string | null {
    const units = this.units;
    if (units.length === 0) return null;
    let node = offset(units[0] as number);
    for (let i = 0; i < length; i++) {
      const c = key[i] as number;
      if (c === 0) break;
      node ^= c;
      const unit = units[node];
      if (unit === undefined || label(unit) !== c) return null;
      node ^= offset(unit);
      if ((unit >>> 8) & 1) {
        const value = (units[node] as number) & 0x7fffffff;
        let stop = value;
        while (stop < this.normalized.length && this.normalized[stop] !== 0) stop++;
        return this.utf8.decode(this.normalized.subarray(value, stop));
      }
    }
    return null;
  }
}

function offset(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}

function label(unit: number): number {
  return unit & ((1 << 31) | 0xff);
}
