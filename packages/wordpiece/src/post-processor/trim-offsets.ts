/** Rust `char::is_whitespace` (Unicode White_Space) for BMP units; every such character is one unit. */
function isSpaceUnit(c: number): boolean {
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** "Ġ": GPT-2's character for the space byte. */
const SPACE_CHAR = 0x120;

/**
 * RobertaProcessing / ByteLevel `trim_offsets`: a token's offsets leave out the spaces its text starts or
 * ends with (the "Ġ" of byte-level tokens, the whitespace an lstrip added token swallowed). Each such
 * character stands for one UTF-16 unit of the input. `index` is the token's position in its sequence:
 * with add_prefix_space the first token keeps a single leading space, which the pre-tokenizer added.
 */
export function trimOffsets(
  token: string,
  index: number,
  start: number,
  end: number,
  addPrefixSpace: boolean,
  out: Int32Array,
  at: number,
): void {
  const n = token.length;
  let lead = 0;
  while (lead < n && isTrimmed(token.charCodeAt(lead))) lead++;
  let trail = 0;
  while (trail < n && isTrimmed(token.charCodeAt(n - 1 - trail))) trail++;
  let s = start;
  let e = end;
  if (lead > 0) {
    if (addPrefixSpace && lead === 1 && (index === 0 || s === 0)) lead = 0;
    s = Math.min(s + lead, e);
  }
  if (trail > 0 && e >= trail) e = Math.max(e - trail, s);
  out[at] = s;
  out[at + 1] = e;
}

function isTrimmed(c: number): boolean {
  return c === SPACE_CHAR || isSpaceUnit(c);
}

/** Whether the token's first or last unit could be trimmed (the common case is no). */
export function mayTrim(token: string): boolean {
  return token.length > 0 && (isTrimmed(token.charCodeAt(0)) || isTrimmed(token.charCodeAt(token.length - 1)));
}
