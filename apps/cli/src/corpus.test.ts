// The masked-LM corpus with a whole-word reference (run_chinese_ref.py's format): each non-empty text line
// gets its line of continuation positions, held-out lines included; every mismatch is a one-line error
// naming the file and line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '@bertkit/wordpiece';
import { afterAll, describe, expect, it } from 'vitest';
import { readCorpus } from './corpus.js';
import { TINY } from './testing/training.js';
import { nativeTokenizer } from './train-examples.js';

const work = mkdtempSync(join(tmpdir(), 'bertkit-corpus-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const tokenizer = nativeTokenizer(loadTokenizer(TINY), TINY);
const file = (name: string, text: string) => {
  writeFileSync(join(work, name), text);
  return join(work, name);
};

describe('readCorpus with a whole-word reference', () => {
  // BERT's tokenizer splits CJK text into one token per character: [CLS] 我 喜 欢 这 部 电 影 [SEP].
  const text = file('zh.txt', '我喜欢这部电影\n\n电影很好看\n这部电影不好\n');
  it('gives each line its continuation positions, blank lines skipped in both, held-out lines too', async () => {
    const ref = file('zh.ref', '[3, 5, 7]\n\n[2, 4, 5]\n[2, 3, 5]\n');
    const corpus = await readCorpus(text, tokenizer, { maxLength: 128, evalLines: 1, ref });
    expect(corpus.train.map((e) => e.ids.length)).toEqual([9, 7]);
    expect(corpus.train.map((e) => e.wordContinuations)).toEqual([[3, 5, 7], [2, 4, 5]]);
    expect(corpus.heldOut[0]!.wordContinuations).toEqual([2, 3, 5]);
    const plain = await readCorpus(text, tokenizer, { maxLength: 128, evalLines: 1 });
    expect(plain.train[0]!.wordContinuations).toBeUndefined();
  });

  it('a reference too short or too long, not JSON, or not positions: named with its line', async () => {
    const read = (ref: string) => readCorpus(text, tokenizer, { maxLength: 128, evalLines: 0, ref: file('bad.ref', ref) });
    await expect(read('[3]\n[2]\n')).rejects.toThrow(/bad\.ref: ends before .*zh\.txt \(no reference for its non-empty line 3/);
    await expect(read('[3]\n[2]\n[2]\n[4]\n')).rejects.toThrow(/bad\.ref: more reference lines than the 3 non-empty line\(s\)/);
    await expect(read('[3]\n[2,\n[2]\n')).rejects.toThrow(/bad\.ref:2: not JSON/);
    await expect(read('[3]\n[2]\n\n[0, 2]\n')).rejects.toThrow(/bad\.ref:4: expected an array of token positions >= 1 \(\[CLS\] is 0\), got \[0, 2\]/);
  });
});
