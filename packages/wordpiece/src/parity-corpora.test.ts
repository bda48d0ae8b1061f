// Parity with Hugging Face's Rust tokenizers on every line of the shared corpora.
import { Tokenizer as Oracle } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { WordPieceTokenizer } from './index.js';
import { parityOn } from './testing/parity.js';
import { conllSentences, sharedPath, tsvTexts } from './testing/shared-data.js';

const corpora: Record<string, () => string[]> = {
  'sst2/train': () => tsvTexts('data/sst2/train.tsv'),
  'sst2/dev': () => tsvTexts('data/sst2/dev.tsv'),
  'sst2/test': () => tsvTexts('data/sst2/test.tsv'),
  'sst2-glue/train': () => tsvTexts('data/sst2-glue/train.tsv', true),
  'sst2-glue/dev': () => tsvTexts('data/sst2-glue/dev.tsv', true),
  'agnews/dev': () => tsvTexts('data/agnews/dev.tsv'),
  'agnews/test': () => tsvTexts('data/agnews/test.tsv'),
  'conll2003/train': () => conllSentences('data/conll2003/train.txt'),
  'conll2003/valid': () => conllSentences('data/conll2003/valid.txt'),
  'conll2003/test': () => conllSentences('data/conll2003/test.txt'),
};

describe('parity with Rust tokenizers on the shared corpora', () => {
  for (const model of ['bert-base-uncased', 'all-MiniLM-L6-v2']) {
    const file = sharedPath('tokenizers', model, 'tokenizer.json');
    const ours = WordPieceTokenizer.fromFile(file);
    const oracle = Oracle.fromFile(file);
    for (const [name, read] of Object.entries(corpora)) {
      // MiniLM's tokenizer.json pads and truncates to 128; one large corpus is enough to prove that path.
      if (model === 'all-MiniLM-L6-v2' && name !== 'agnews/test' && name !== 'sst2/train') continue;
      it(`${model}: every line of ${name}`, async () => {
        const lines = read();
        expect(lines.length).toBeGreaterThan(500);
        const { compared, mismatched, examples } = await parityOn(ours, oracle, lines);
        expect(examples).toEqual([]);
        expect(mismatched).toBe(0);
        expect(compared).toBe(lines.length);
      });
    }
  }

  it('vocab.txt + tokenizer_config.json gives the same encodings as tokenizer.json', async () => {
    const ours = WordPieceTokenizer.fromFile(sharedPath('tokenizers', 'bert-base-uncased', 'vocab.txt'));
    const oracle = Oracle.fromFile(sharedPath('tokenizers', 'bert-base-uncased', 'tokenizer.json'));
    const lines = [...tsvTexts('data/agnews/dev.tsv'), ...conllSentences('data/conll2003/valid.txt')];
    const { compared, mismatched, examples } = await parityOn(ours, oracle, lines);
    expect(examples).toEqual([]);
    expect(mismatched).toBe(0);
    expect(compared).toBe(lines.length);
  });
});
