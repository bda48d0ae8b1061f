import { join } from 'node:path';
import { requireShared } from '@bertkit/shared-data';
import { describe, expect, it } from 'vitest';
import { readMlmVocab } from './mlm-vocab.js';

// Ids read by hand from the real files in ../shared (hub-files keeps the Hub's bytes).
describe('readMlmVocab', () => {
  it('WordPiece (bert-base-uncased): [MASK] 103, the five specials, "##" pieces continue a word', () => {
    const v = readMlmVocab(join(requireShared(), 'tokenizers', 'bert-base-uncased'));
    expect(v.maskTokenId).toBe(103);
    expect(v.specialIds).toEqual([0, 100, 101, 102, 103]);
    expect(v.isContinuation(2075)).toBe(true); // ##ing
    expect(v.isContinuation(1996)).toBe(false); // the
  });

  it('byte-level BPE (roberta-base): <mask> 50264, <s> <pad> </s> <unk>, pieces without Ġ continue a word', () => {
    const v = readMlmVocab(join(requireShared(), 'hub-files', 'FacebookAI--roberta-base'));
    expect(v.maskTokenId).toBe(50264);
    expect(v.specialIds).toEqual([0, 1, 2, 3, 50264]);
    expect(v.isContinuation(5)).toBe(false); // Ġthe
    expect(v.isContinuation(154)).toBe(true); // ing
    expect(v.isContinuation(0)).toBe(false);
  });

  it('refuses a vocabulary without a mask token (t5-small), naming the directory', () => {
    const dir = join(requireShared(), 'hub-files', 'google-t5--t5-small');
    expect(() => readMlmVocab(dir)).toThrow(/t5-small: masked-LM training needs a vocabulary with a mask token/);
  });
});
