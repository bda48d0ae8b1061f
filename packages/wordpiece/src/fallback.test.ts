// Tokenizers with a stage we do not run natively (here an NFKC / Lowercase normalizer in front of BPE and
// Unigram) load through @huggingface/tokenizers behind the same interface, ids checked against Rust,
// missing fields stated.
import { fileURLToPath } from 'node:url';
import { Tokenizer as Oracle } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { sharedPath } from './testing/shared-data.js';
import { FALLBACK_UNAVAILABLE, FallbackTokenizer, TokenizerError, WordPieceTokenizer, loadTokenizer } from './index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const texts = ['hello world', 'hello world!', 'hello', 'world hello hello', 'held low', 'wrd', ''];

describe.each(['fallback-bpe', 'fallback-unigram'])('%s', (name) => {
  it('loads through @huggingface/tokenizers and matches Rust ids and tokens', async () => {
    const tokenizer = loadTokenizer(fixture(name));
    expect(tokenizer).toBeInstanceOf(FallbackTokenizer);
    expect(tokenizer.kind).toBe('fallback');
    const oracle = Oracle.fromFile(fixture(`${name}/tokenizer.json`));
    for (const text of texts) {
      const theirs = await oracle.encode(text);
      const ours = tokenizer.encode(text);
      expect(ours.ids, text).toEqual(theirs.getIds());
      expect(ours.tokens, text).toEqual(theirs.getTokens());
      expect(ours.attentionMask).toEqual(theirs.getAttentionMask());
    }
    // The fixtures' merges / pieces are really used, not just unknown tokens.
    expect(tokenizer.encode('hello world').tokens).toContain(name === 'fallback-bpe' ? 'Ġworld' : '▁world');
    const pair = tokenizer.encode('hello', 'world');
    expect(pair.ids).toEqual((await oracle.encode('hello', 'world')).getIds());
  });

  it('says what it cannot provide instead of inventing it', () => {
    const tokenizer = loadTokenizer(fixture(name)) as FallbackTokenizer;
    const e = tokenizer.encode('hello world');
    expect(e.offsets).toBeNull();
    expect(e.wordIds).toBeNull();
    expect(e.unavailable).toEqual(FALLBACK_UNAVAILABLE);
    expect(e.unavailable).toContain('offsets');
    const error = (() => {
      try {
        tokenizer.encode('hello', null, { truncation: { maxLength: 3 } as never });
      } catch (caught) {
        return caught as TokenizerError;
      }
      return null;
    })();
    expect(error?.code).toBe('E_UNSUPPORTED_FEATURE');
  });

  it('pads batches and decodes', () => {
    const tokenizer = loadTokenizer(fixture(name)) as FallbackTokenizer;
    const batch = tokenizer.encodeBatch(['hello', 'hello world hello'], { padding: true });
    expect(batch[0]!.ids.length).toBe(batch[1]!.ids.length);
    expect(batch[0]!.attentionMask.at(-1)).toBe(0);
    expect(tokenizer.decode(tokenizer.encode('hello world').ids, { skipSpecialTokens: true }).trim()).toBe('hello world');
  });

  it('WordPieceTokenizer.fromFile refuses it and points to loadTokenizer', () => {
    try {
      WordPieceTokenizer.fromFile(fixture(name));
      expect.unreachable();
    } catch (error) {
      expect((error as TokenizerError).code).toBe('E_UNSUPPORTED_TOKENIZER');
      expect((error as Error).message).toContain('loadTokenizer');
      expect((error as Error).message).toContain(name);
    }
  });
});

it('loadTokenizer returns the native WordPiece tokenizer for BERT files', () => {
  const tokenizer = loadTokenizer(sharedPath('tokenizers', 'bert-base-uncased'));
  expect(tokenizer.kind).toBe('wordpiece');
});
