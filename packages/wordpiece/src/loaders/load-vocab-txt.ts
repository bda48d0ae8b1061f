import { TokenizerError } from '../errors.js';
import { Vocab } from '../model/vocab.js';
import { decodeUtf8, readBytes } from './read-file.js';

/**
 * Reads a BERT vocab.txt: one token per line, the line number (from 0) being its id. Trailing
 * whitespace is dropped as the Rust library does; a later duplicate line takes the token's id.
 */
export function loadVocabTxt(path: string): Vocab {
  const bytes = readBytes(path);
  if (bytes.length === 0) throw new TokenizerError('E_EMPTY_FILE', `${path}: vocabulary file is empty`, { file: path });
  const text = decodeUtf8(bytes, path);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const entries: Array<[string, number]> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\s+$/u, '');
    if (line.includes('\0')) {
      throw new TokenizerError('E_MALFORMED_VOCAB', `${path}: line ${i + 1} contains a NUL byte (is this a binary file?)`, {
        file: path,
        line: i + 1,
      });
    }
    if (line.length === 0) {
      throw new TokenizerError('E_MALFORMED_VOCAB', `${path}: line ${i + 1} is empty; every line must hold one token`, {
        file: path,
        line: i + 1,
      });
    }
    entries.push([line, i]);
  }
  if (entries.length === 0) throw new TokenizerError('E_EMPTY_FILE', `${path}: vocabulary file has no tokens`, { file: path });
  return new Vocab(entries);
}
