// Test-only helpers: locate ../shared and read its corpora. Not part of the public API.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireShared } from '@bertkit/shared-data';

export const SHARED = requireShared();
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
