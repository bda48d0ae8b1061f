import { readFileSync } from 'node:fs';

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
