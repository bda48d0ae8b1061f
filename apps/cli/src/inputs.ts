import { readFileSync } from 'node:fs';
import { CliError } from './cli-error.js';

export type TextInput = string | [string, string];

/** A file's text, or standard input for '-'; a missing or unreadable file is a one-line error naming it. */
export function readInput(path: string): string {
  // Reading a terminal would wait for input nobody knows to type: say what to give instead.
  if (path === '-' && process.stdin.isTTY) throw new CliError('E_USAGE', 'no input: give a file, or pipe text into standard input (see --help)');
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
    throw new CliError('E_INPUT', `cannot read ${path === '-' ? 'standard input' : path}: ${why}`);
  }
}

/**
 * Texts, one per line: plain lines, or TAB-separated (.tsv, or any line with a TAB when `pairs`) where
 * the first column is the text and, with `pairs`, the second the paired text. Blank lines are kept as
 * empty texts only inside a file, never a trailing newline.
 */
export function readTexts(path: string, options: { pairs?: boolean; header?: boolean } = {}): TextInput[] {
  const lines = readInput(path).replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (options.header) lines.shift();
  const tsv = path.endsWith('.tsv');
  return lines.map((line, i) => {
    if (options.pairs) {
      const cells = line.split('\t');
      if (cells.length < 2) throw new CliError('E_INPUT', `${path}:${i + 1 + (options.header ? 1 : 0)}: --pair needs TAB-separated text pairs, this line has no TAB`);
      return [cells[0] as string, cells[1] as string];
    }
    return tsv ? (line.split('\t')[0] as string) : line;
  });
}
