// Bad input: wrong types name the argument, empty text is [CLS] [SEP], huge text stays linear, and broken
// files fail with the file, the problem and (for vocab.txt) the line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenizerError, WordPieceTokenizer } from './index.js';
import { sharedPath } from './testing/shared-data.js';

const tokenizer = WordPieceTokenizer.fromFile(sharedPath('tokenizers', 'bert-base-uncased', 'tokenizer.json'));
const dir = mkdtempSync(join(tmpdir(), 'bertkit-bad-'));
const write = (name: string, content: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('wrong argument types', () => {
  it.each([
    ['text', () => tokenizer.encode(42 as never)],
    ['text', () => tokenizer.encode(undefined as never)],
    ['pair', () => tokenizer.encode('a', 7 as never)],
    ['inputs', () => tokenizer.encodeBatch('not an array' as never)],
    ['inputs[1]', () => tokenizer.encodeBatch(['fine', { text: 'x' }] as never)],
    ['inputs[0]', () => tokenizer.encodeBatch([['only one']] as never)],
    ['ids', () => tokenizer.decode('101 102' as never)],
    ['ids[1]', () => tokenizer.decode([101, 'x'] as never)],
    ['text', () => tokenizer.normalize(null as never)],
  ])('names %s', (name, fn) => {
    const error = thrown(fn);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain(name);
  });

  it('bad options name the option and the value', () => {
    const error = thrown(() => tokenizer.encode('a', { truncation: { strategy: 'shortest' as never } })) as TokenizerError;
    expect(error.code).toBe('E_INVALID_OPTION');
    expect(error.message).toContain('truncation.strategy');
    expect(error.message).toContain('shortest');
    expect((thrown(() => tokenizer.encode('a', { padding: { maxLength: -3 } })) as TokenizerError).message).toContain('padding.maxLength');
  });
});

describe('edge-case text', () => {
  it('an empty string is [CLS] [SEP]; so is text made only of removed characters', () => {
    for (const text of ['', '   ', '\u0000\ufffd\u200b', '\t\n']) {
      const e = tokenizer.encode(text);
      expect(e.tokens).toEqual(['[CLS]', '[SEP]']);
      expect(e.ids).toEqual([101, 102]);
      expect(e.offsets).toEqual([[0, 0], [0, 0]]);
    }
    expect(tokenizer.encode('', '').tokens).toEqual(['[CLS]', '[SEP]', '[SEP]']);
    expect(tokenizer.encodeBatch([]).rows).toBe(0);
  });

  it('10 MB strings encode in linear time without stack overflow', () => {
    const word = 'token ization, naïve café 東京 emoji🤗 ';
    const shapes: Record<string, (n: number) => string> = {
      words: (n) => word.repeat(Math.ceil(n / word.length)).slice(0, n),
      'one word': (n) => 'a'.repeat(n),
      'combining marks': (n) => 'e' + '\u0301\u0323'.repeat(n / 2),
      punctuation: (n) => '.,'.repeat(n / 2),
    };
    for (const [shape, make] of Object.entries(shapes)) {
      const small = make(1_000_000);
      const large = make(10_000_000);
      const t0 = performance.now();
      const a = tokenizer.encode(small, null, { addSpecialTokens: false });
      const t1 = performance.now();
      const b = tokenizer.encode(large, null, { addSpecialTokens: false });
      const t2 = performance.now();
      // Linear: ten times the text, about ten times the tokens and the time (quadratic would be 100x).
      expect(b.ids.length / Math.max(1, a.ids.length), shape).toBeLessThan(10.5);
      expect((t2 - t1) / Math.max(1, t1 - t0), shape).toBeLessThan(30);
      const last = b.offsets[b.offsets.length - 1] as [number, number];
      expect(last[1], shape).toBeLessThanOrEqual(large.length);
    }
  });
});

describe('broken files', () => {
  const expectError = (fn: () => unknown, code: string, ...parts: string[]) => {
    const error = thrown(fn) as TokenizerError;
    expect(error).toBeInstanceOf(TokenizerError);
    expect(error.code).toBe(code);
    for (const part of parts) expect(error.message).toContain(part);
    return error;
  };

  it('missing files and directories', () => {
    expectError(() => WordPieceTokenizer.fromFile(join(dir, 'nope.json')), 'E_FILE_NOT_FOUND', 'nope.json');
    expectError(() => WordPieceTokenizer.fromFile(mkdtempSync(join(dir, 'empty-'))), 'E_FILE_NOT_FOUND', 'no tokenizer.json, vocab.txt or vocab.json');
  });

  it('vocab.txt: empty, NUL bytes, invalid UTF-8, missing [UNK], each with the line', () => {
    expectError(() => WordPieceTokenizer.fromFile(write('empty-vocab.txt', '')), 'E_EMPTY_FILE', 'empty-vocab.txt');
    const nul = expectError(() => WordPieceTokenizer.fromFile(write('nul-vocab.txt', '[PAD]\n[UNK]\nab\u0000c\n')), 'E_MALFORMED_VOCAB', 'nul-vocab.txt', 'line 3');
    expect(nul.line).toBe(3);
    const bytes = Buffer.concat([Buffer.from('[PAD]\n[UNK]\n[CLS]\n[SEP]\nok\n'), Buffer.from([0xc3, 0x28, 0x0a])]);
    const utf8 = expectError(() => WordPieceTokenizer.fromFile(write('utf8-vocab.txt', bytes)), 'E_MALFORMED_VOCAB', 'utf8-vocab.txt', 'line 6', 'UTF-8');
    expect(utf8.line).toBe(6);
    expectError(() => WordPieceTokenizer.fromFile(write('nounk-vocab.txt', '[PAD]\n[CLS]\n[SEP]\nhello\n')), 'E_MISSING_TOKEN', 'nounk-vocab.txt', '[UNK]');
  });

  it('tokenizer.json: empty, truncated, wrong shape', () => {
    expectError(() => WordPieceTokenizer.fromFile(write('empty.json', '  \n')), 'E_EMPTY_FILE', 'empty.json');
    const truncated = expectError(
      () => WordPieceTokenizer.fromFile(write('truncated.json', '{\n  "version": "1.0",\n  "model": {"type": "WordPiece", "vocab": {"a": 0,\n')),
      'E_MALFORMED_TOKENIZER_JSON',
      'truncated.json',
      'invalid JSON',
    );
    expect(truncated.message).toMatch(/line \d+/);
    expectError(() => WordPieceTokenizer.fromFile(write('array.json', '[]')), 'E_MALFORMED_TOKENIZER_JSON', 'array.json', 'object');
    expectError(() => WordPieceTokenizer.fromFile(write('nomodel.json', '{"version":"1.0"}')), 'E_MALFORMED_TOKENIZER_JSON', 'nomodel.json', '"model"');
    expectError(
      () => WordPieceTokenizer.fromFile(write('badvocab.json', '{"model":{"type":"WordPiece","vocab":{"a":"zero"}}}')),
      'E_MALFORMED_TOKENIZER_JSON',
      'badvocab.json',
      '"a"',
    );
  });
});
