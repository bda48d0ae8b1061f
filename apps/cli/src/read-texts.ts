import { readFileSync } from 'node:fs';
import { CliError } from './cli-error.js';

/**
 * Lines of a text file, or the first column of a .tsv (its header skipped when `header` is set).
 * `-` reads standard input.
 */
export function readTexts(path: string, options: { header?: boolean } = {}): string[] {
  let raw: string;
  try {
    raw = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CliError('E_INPUT', `cannot read input file ${path}: ${code === 'ENOENT' ? 'no such file' : (cause as Error).message}`);
  }
  const lines = raw.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (options.header) lines.shift();
  return path.endsWith('.tsv') ? lines.map((l) => l.split('\t')[0] as string) : lines;
}
