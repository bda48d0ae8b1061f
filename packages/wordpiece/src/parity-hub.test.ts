// Parity with Rust tokenizers on every line of the shared corpora for byte-level BPE (roberta-base, no
// model.type), WordPiece + RobertaProcessing (all-mpnet-base-v2) and Unigram (t5-small's older
// serialization, flan-t5-large's Precompiled + Replace sequence). Every 5th line by default, to keep the
// suite fast on 2 cores; BERTKIT_FULL_PARITY=1 compares every line (about 0.7 M encodings per file).
import { describe, expect, it } from 'vitest';
import { HUB_TOKENIZERS, type HubName, hubPair } from './testing/hub-tokenizers.js';
import { parityOn } from './testing/parity.js';
import { conllSentences, tsvTexts } from './testing/shared-data.js';

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

const FULL = process.env.BERTKIT_FULL_PARITY === '1';

describe('parity with Rust tokenizers on the shared corpora (Hub files)', () => {
  for (const name of Object.keys(HUB_TOKENIZERS) as HubName[]) {
    const { ours, oracle } = hubPair(name);
    it(`${name}: loadTokenizer picks the native ${HUB_TOKENIZERS[name].kind} class`, () => {
      expect(ours.kind).toBe(HUB_TOKENIZERS[name].kind);
    });
    for (const [corpus, read] of Object.entries(corpora)) {
      it(`${name}: ${FULL ? 'every line' : 'every 5th line'} of ${corpus}`, async () => {
        const all = read();
        expect(all.length).toBeGreaterThan(500);
        const lines = FULL ? all : all.filter((_, i) => i % 5 === 0);
        const { compared, mismatched, examples } = await parityOn(ours, oracle, lines);
        expect(examples).toEqual([]);
        expect(mismatched).toBe(0);
        expect(compared).toBe(lines.length);
      }, 600_000);
    }
  }
});
