// Dataset readers: header detection, quoting, pairs, and errors that name the file and line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainerError, parseDelimited, readConll, readJsonl, readTable } from './index.js';

const tmp = mkdtempSync(join(tmpdir(), 'bertkit-data-'));
const file = (name: string, text: string) => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};
const error = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as TrainerError;
  }
  throw new Error('expected an error');
};

describe('readTable', () => {
  it('headerless TSV (text, label) and GLUE-style TSV with a header', () => {
    expect(readTable(file('a.tsv', 'good film\t1\nbad film\t0\n'))).toEqual([
      { text: 'good film', label: '1', line: 1 },
      { text: 'bad film', label: '0', line: 2 },
    ]);
    expect(readTable(file('glue.tsv', 'sentence\tlabel\nhello \t1\n'))).toEqual([{ text: 'hello ', label: '1', line: 2 }]);
  });

  it('CSV with quotes, embedded commas, quotes and newlines; chosen columns and pairs', () => {
    const path = file('q.csv', 'id,premise,hypothesis,label\n1,"a, b","she said ""hi""",entail\n2,"two\nlines",x,neutral\n');
    const rows = readTable(path, { textColumn: 'premise', pairColumn: 'hypothesis', labelColumn: 'label' });
    expect(rows).toEqual([
      { text: 'a, b', pair: 'she said "hi"', label: 'entail', line: 2 },
      { text: 'two\nlines', pair: 'x', label: 'neutral', line: 3 },
    ]);
    expect(parseDelimited('a,"b\r\nc"\r\nd,e', ',')).toEqual([
      { cells: ['a', 'b\r\nc'], line: 1 },
      { cells: ['d', 'e'], line: 3 },
    ]);
  });

  it('errors name file and line: ragged row, missing column, unclosed quote, empty label, unreadable file', () => {
    const ragged = error(() => readTable(file('r.tsv', 'a\t1\nb\t0\textra\n')));
    expect(ragged.message).toBe(`${join(tmp, 'r.tsv')}:2: row has 3 column(s), the first row has 2 (a ragged row; a stray TAB or quote?)`);
    expect(error(() => readTable(file('h.tsv', 'sentence\tlabel\nx\t1\n'), { labelColumn: 'polarity' })).message).toContain('no label column "polarity" (the header has "sentence", "label")');
    expect(error(() => readTable(file('u.csv', 'text,label\n"open,1\n'))).message).toContain(':2: a quoted field is never closed');
    expect(error(() => readTable(file('e.tsv', 'x\t1\ny\t \n'))).message).toContain(':2: empty label');
    expect(error(() => readTable(join(tmp, 'missing.tsv'))).code).toBe('E_READ');
    expect(error(() => readTable(file('one.tsv', 'just text\nmore\n'))).message).toContain('same');
  });
});

describe('readJsonl', () => {
  it('reads text/label (and pair) fields; a bad line names its number', () => {
    const path = file('d.jsonl', '{"text":"a","label":1}\n\n{"text":"b","label":"pos","q":"?"}\n');
    expect(readJsonl(path)).toEqual([
      { text: 'a', label: '1', line: 1 },
      { text: 'b', label: 'pos', line: 3 },
    ]);
    expect(error(() => readJsonl(file('bad.jsonl', '{"text":"a","label":1}\n{"text":2,"label":1}\n'))).message).toContain(':2: "text" must be a string');
    expect(error(() => readJsonl(file('broken.jsonl', '{"text":"a"'))).code).toBe('E_PARSE');
    expect(error(() => readJsonl(path, { pair: 'q' })).message).toContain(':1: "q" must be a string');
  });
});

describe('readConll', () => {
  it('splits sentences on blank lines, counts documents, keeps the first word line', () => {
    const path = file('c.txt', '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n\n-DOCSTART- -X- -X- O\n\nBonn NNP B-NP B-LOC\n');
    const s = readConll(path);
    expect(s.map((x) => [x.words.join(' '), x.tags.join(' '), x.line, x.document])).toEqual([
      ['EU rejects', 'B-ORG O', 3, 1],
      ['Peter', 'B-PER', 6, 1],
      ['Bonn', 'B-LOC', 10, 2],
    ]);
    expect(error(() => readConll(file('bad.txt', 'EU NNP B-NP B-ORG\nx NNP B-NP ORG\n'))).message).toContain(':2: tag "ORG" is not O or B-/I-/E-/S-TYPE');
    expect(error(() => readConll(file('w.txt', 'EU NNP B-NP B-ORG\nx B-ORG\n'))).message).toContain(':2: line has 2 columns');
  });
});
