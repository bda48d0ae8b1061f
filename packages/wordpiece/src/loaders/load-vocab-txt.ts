import { TokenizerError } from '../errors.js';
import { Vocab } from '../model/vocab.js';
import { decodeUtf8, readBytes } from './read-file.js';

/**
 * Reads a BERT vocab.txt: one token per line, the line number (from 0) being its id. Lines are split as
 * Python's universal newlines do and kept otherwise intact, as transformers' `load_vocab` does: real
 * vocabularies hold whitespace tokens (bert-base-chinese has U+2028 and U+3000 lines). A later duplicate
 * line takes the token's id.
 */
export function loadVocabTxt(path: string): Vocab {
  const bytes = readBytes(path);
  if (bytes.length === 0) throw new TokenizerError('E_EMPTY_FILE', `${path}: vocabulary file is empty`, { file: path });
  const text = decodeUtf8(bytes, path);
  const lines = text.split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === '') lines.pop();
  const entries: Array<[string, number]> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.includes('\0')) {
      throw new TokenizerError('E_MALFORMED_VOCAB', `${path}: line ${i + 1} contains a NUL byte (is this a binary file?)`, {
        file: path,
        line: i + 1,
      });
    }
    entries.push([line, i]);
  }
  if (entries.every(([token]) => token === '')) throw new TokenizerError('E_EMPTY_FILE', `${path}: vocabulary file has no tokens`, { file: path });
  return new Vocab(entries);
}
