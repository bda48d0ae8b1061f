import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared` beside the repository (or BERTKIT_SHARED). */
export function findShared(): string {
  if (process.env.BERTKIT_SHARED) return resolve(process.env.BERTKIT_SHARED);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'shared');
    if (existsSync(join(candidate, 'tokenizers'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find ../shared beside the repository; set BERTKIT_SHARED to its path');
}

/** First column of a headerless TSV. */
export function tsvTexts(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t')[0] as string);
}

/** Text and integer label columns of a headerless TSV (text TAB label). */
export function tsvRows(path: string): { texts: string[]; labels: number[] } {
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
  return { texts: rows.map((r) => r[0] as string), labels: rows.map((r) => Number(r[1])) };
}
