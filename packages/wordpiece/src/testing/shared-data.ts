// Test-only helpers: locate ../shared and read its corpora. Not part of the public API.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findShared(): string {
  if (process.env.BERTKIT_SHARED) return resolve(process.env.BERTKIT_SHARED);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'shared');
    if (existsSync(join(candidate, 'README.md')) && existsSync(join(candidate, 'tokenizers'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('cannot find ../shared beside the repository (set BERTKIT_SHARED)');
}

export const SHARED = findShared();
export const sharedPath = (...parts: string[]): string => join(SHARED, ...parts);

/** First column of a TSV (the text), optionally skipping a header. */
export function tsvTexts(relative: string, header = false): string[] {
  const lines = readFileSync(sharedPath(relative), 'utf8').split('\n');
  if (header) lines.shift();
  return lines.filter((l) => l.length > 0).map((l) => l.split('\t')[0] as string);
}

/** CoNLL sentences, words joined with single spaces. */
export function conllSentences(relative: string): string[] {
  const out: string[] = [];
  let words: string[] = [];
  for (const line of readFileSync(sharedPath(relative), 'utf8').split('\n')) {
    const word = line.split(' ')[0] ?? '';
    if (line.trim() === '' || word === '-DOCSTART-') {
      if (words.length > 0) out.push(words.join(' '));
      words = [];
      continue;
    }
    words.push(word);
  }
  if (words.length > 0) out.push(words.join(' '));
  return out;
}
