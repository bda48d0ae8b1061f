import { readFileSync, statSync } from 'node:fs';
import { TokenizerError, type TokenizerErrorCode } from '../errors.js';

export function readBytes(path: string): Buffer {
  let stat;
  try {
    stat = statSync(path);
  } catch (cause) {
    throw new TokenizerError('E_FILE_NOT_FOUND', `${path}: no such file`, { file: path, cause });
  }
  if (!stat.isFile()) throw new TokenizerError('E_FILE_UNREADABLE', `${path}: not a regular file`, { file: path });
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new TokenizerError('E_FILE_UNREADABLE', `${path}: cannot be read (${(cause as Error).message})`, { file: path, cause });
  }
}

/** Parses a JSON file, reporting the line and column of a syntax error. */
export function readJson(path: string, text?: string): unknown {
  const source = text ?? decodeUtf8(readBytes(path), path, 'E_MALFORMED_TOKENIZER_JSON');
  if (source.trim().length === 0) throw new TokenizerError('E_EMPTY_FILE', `${path}: file is empty`, { file: path });
  try {
    return JSON.parse(source);
  } catch (cause) {
    const message = (cause as Error).message;
    const at = /position (\d+)/.exec(message);
    let where = '';
    let line: number | undefined;
    if (at) {
      const pos = Number(at[1]);
      const before = source.slice(0, pos);
      line = before.split('\n').length;
      where = ` at line ${line}, column ${pos - before.lastIndexOf('\n')}`;
    }
    throw new TokenizerError('E_MALFORMED_TOKENIZER_JSON', `${path}: invalid JSON${where}: ${message}`, { file: path, line, cause });
  }
}

export function decodeUtf8(bytes: Uint8Array, path: string, code: TokenizerErrorCode = 'E_MALFORMED_VOCAB'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 10) {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(lineStart, i));
        } catch {
          break;
        }
        line++;
        lineStart = i + 1;
      }
    }
    throw new TokenizerError(code, `${path}: line ${line} is not valid UTF-8`, { file: path, line, cause });
  }
}
