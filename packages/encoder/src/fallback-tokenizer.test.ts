// A tokenizer without offsets (the @huggingface/tokenizers fallback, used for BPE/Unigram files): sentence
// embeddings work and equal those through WordPiece on the same tokenizer.json, long texts included;
// token-level calls say offsets are unavailable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FallbackTokenizer } from '@bertkit/wordpiece';
import { describe, expect, it } from 'vitest';
import { Encoder, maxAbsDiff } from './index.js';
import { modelDir } from './testing/reference.js';

const dir = modelDir('tiny-random-bert');
const fallback = () => new FallbackTokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')), {}, join(dir, 'tokenizer.json'), 512);

describe('an encoder whose tokenizer has no offsets', () => {
  it('embeds as the WordPiece tokenizer does, and cuts long single texts keeping [SEP]', async () => {
    const plain = await Encoder.load(dir, { maxLength: 16 });
    const partial = await Encoder.load(dir, { maxLength: 16, tokenizer: fallback() });
    expect(partial.tokenizer).toBeInstanceOf(FallbackTokenizer);
    const texts = ['short', 'a text far longer than sixteen tokens, which both encoders must cut the same way at the end', ''];
    for (const pooling of ['cls', 'mean', 'last-token'] as const) {
      const a = await plain.embed(texts, { pooling });
      const b = await partial.embed(texts, { pooling });
      expect(b.longInputs).toBe(1);
      expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-6);
    }
    await plain.release();
    await partial.release();
  });

  it('token-level results, long pairs and window mode fail with E_TOKENIZER_LIMITS', async () => {
    const partial = await Encoder.load(dir, { maxLength: 16, tokenizer: fallback() });
    await expect(partial.encodeTokens(['x'])).rejects.toMatchObject({ code: 'E_TOKENIZER_LIMITS', message: expect.stringMatching(/offsets are unavailable for this tokenizer/) });
    const long = 'many words '.repeat(20);
    await expect(partial.embed([[long, 'pair']])).rejects.toThrow(/cannot truncate pairs/);
    await expect(partial.embed([long], { long: 'window' })).rejects.toThrow(/cannot split windows/);
    expect((await partial.embed([['short', 'pair']])).rows).toBe(1);
    await partial.release();
  });
});
