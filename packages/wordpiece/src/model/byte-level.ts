/**
 * GPT-2's reversible byte <-> character mapping: printable Latin-1 bytes stand for themselves, the
 * others (controls, space, soft hyphen...) for U+0100 upwards, so that every byte is a visible character.
 */
function buildByteToChar(): Uint16Array {
  const table = new Uint16Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = printable ? b : 256 + extra++;
  }
  return table;
}

export const BYTE_TO_CHAR: Uint16Array = buildByteToChar();

/** Character (UTF-16 unit) -> byte, or -1 for characters outside the mapping. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(65536).fill(-1);
  for (let b = 0; b < 256; b++) table[BYTE_TO_CHAR[b] as number] = b;
  return table;
})();

/** The byte-level string of one byte (the vocabulary entry a single byte maps to). */
export function byteChar(byte: number): string {
  return String.fromCharCode(BYTE_TO_CHAR[byte] as number);
}

/**
 * Writes the UTF-8 bytes of codes[start, end) into `bytes`, and for each byte the index (relative to
 * `start`) of the first and last UTF-16 unit of its character. A lone surrogate is U+FFFD, as the Rust
 * binding reads it. Returns the byte count; the arrays must hold 3 bytes per unit.
 */
export function utf8WithUnits(
  codes: Uint16Array,
  start: number,
  end: number,
  bytes: Uint8Array,
  firstUnit: Int32Array,
  lastUnit: Int32Array,
  at: number,
): number {
  let n = at;
  for (let i = start; i < end; i++) {
    let cp = codes[i] as number;
    const rel = i - start;
    if (cp < 0x80) {
      bytes[n] = cp;
      firstUnit[n] = rel;
      lastUnit[n++] = rel;
      continue;
    }
    let last = rel;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const next = i + 1 < end ? (codes[i + 1] as number) : 0;
      if (cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
        last = rel + 1;
        i++;
      } else {
        cp = 0xfffd;
      }
    }
    const from = n;
    if (cp < 0x800) {
      bytes[n++] = 0xc0 | (cp >> 6);
      bytes[n++] = 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      bytes[n++] = 0xe0 | (cp >> 12);
      bytes[n++] = 0x80 | ((cp >> 6) & 0x3f);
      bytes[n++] = 0x80 | (cp & 0x3f);
    } else {
      bytes[n++] = 0xf0 | (cp >> 18);
      bytes[n++] = 0x80 | ((cp >> 12) & 0x3f);
      bytes[n++] = 0x80 | ((cp >> 6) & 0x3f);
      bytes[n++] = 0x80 | (cp & 0x3f);
    }
    for (let k = from; k < n; k++) {
      firstUnit[k] = rel;
      lastUnit[k] = last;
    }
  }
  return n - at;
}
