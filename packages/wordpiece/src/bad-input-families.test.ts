// Bad BPE / Unigram files fail with one line naming the file and the field, merge line or vocab index;
// vocab.json + merges.txt load as transformers would build them, and decode matches Rust.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as Oracle } from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer, TokenizerError, UnigramTokenizer, WordPieceTokenizer, loadTokenizer } from './index.js';
import { hubFile, hubPair } from './testing/hub-tokenizers.js';
import { parityOn } from './testing/parity.js';
import { fuzzStrings } from './testing/fuzz.js';
import { tsvTexts } from './testing/shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'bertkit-bad-families-'));
const write = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

function thrown(fn: () => unknown): TokenizerError {
  try {
    fn();
  } catch (error) {
    return error as TokenizerError;
  }
  throw new Error('expected an error');
}

const bpe = (merges: unknown) => ({ model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges }, pre_tokenizer: { type: 'ByteLevel' } });
const unigram = (vocab: unknown) => ({ model: { type: 'Unigram', unk_id: 0, vocab }, pre_tokenizer: { type: 'Metaspace' } });

describe('broken BPE and Unigram files', () => {
  it('a model type we do not know names the file and model.type, even with fallback allowed', () => {
    const file = write('weird.json', { model: { type: 'Quantum', vocab: {} } });
    const error = thrown(() => loadTokenizer(file));
    expect(error.code).toBe('E_UNSUPPORTED_TOKENIZER');
    expect(error.message).toContain('weird.json');
    expect(error.message).toContain('model.type "Quantum"');
    expect(error.message).not.toContain('\n');
  });

  it('merges with a token missing from the vocabulary name the merge index', () => {
    const file = write('bad-merges.json', bpe(['a b', 'a zz']));
    const error = thrown(() => BpeTokenizer.fromFile(file));
    expect(error.code).toBe('E_MALFORMED_TOKENIZER_JSON');
    expect(error.message).toContain('bad-merges.json');
    expect(error.message).toContain('model.merges[1]');
    expect(error.message).toContain('"zz"');
    expect(thrown(() => BpeTokenizer.fromFile(write('shape.json', bpe(['a b c'])))).message).toContain('model.merges[0]');
  });

  it('merges.txt beside vocab.json: the line is named', () => {
    const sub = mkdtempSync(join(dir, 'vm-'));
    writeFileSync(join(sub, 'vocab.json'), JSON.stringify({ a: 0, b: 1, ab: 2 }));
    writeFileSync(join(sub, 'merges.txt'), '#version: 0.2\na b\nb q\n');
    const error = thrown(() => loadTokenizer(join(sub, 'vocab.json')));
    expect(error.message).toContain('merges.txt');
    expect(error.message).toContain('line 3');
    expect(error.message).toContain('"q"');
  });

  it('a Unigram vocab with a NaN or missing score names the index', () => {
    const nan = thrown(() => UnigramTokenizer.fromJSON(unigram([['<unk>', 0], ['a', -1], ['b', Number.NaN]]), 'nan.json'));
    expect(nan.code).toBe('E_MALFORMED_TOKENIZER_JSON');
    expect(nan.message).toContain('nan.json');
    expect(nan.message).toContain('model.vocab[2]');
    expect(nan.message).toContain('NaN');
    const file = write('null-score.json', unigram([['<unk>', 0], ['a', null]]));
    expect(thrown(() => UnigramTokenizer.fromFile(file)).message).toContain('model.vocab[1]');
    expect(thrown(() => UnigramTokenizer.fromJSON(unigram([['<unk>', 0]]).model.vocab && { ...unigram([['<unk>', 0]]), model: { type: 'Unigram', unk_id: 5, vocab: [['<unk>', 0]] } })).message).toContain('unk_id');
  });

  it('each class refuses the other families and names the one to use', () => {
    const error = thrown(() => WordPieceTokenizer.fromFile(hubFile('roberta-base')));
    expect(error.code).toBe('E_UNSUPPORTED_TOKENIZER');
    expect(error.message).toContain('BpeTokenizer');
    expect(thrown(() => BpeTokenizer.fromFile(hubFile('t5-small'))).message).toContain('UnigramTokenizer');
  });
});

describe('vocab.json + merges.txt and decode', () => {
  it('roberta-base from vocab.json + merges.txt gives what its tokenizer.json gives in Rust', async () => {
    const sub = mkdtempSync(join(dir, 'roberta-'));
    for (const name of ['vocab.json', 'merges.txt', 'tokenizer_config.json']) copyFileSync(hubFile('roberta-base', name), join(sub, name));
    const ours = loadTokenizer(sub);
    expect(ours.kind).toBe('bpe');
    const oracle = Oracle.fromFile(hubFile('roberta-base'));
    const inputs = [...tsvTexts('data/sst2/dev.tsv').slice(0, 300), ...fuzzStrings(5, 300), 'a <mask> b', '<s>x</s>'];
    const r = await parityOn(ours as BpeTokenizer, oracle, inputs);
    expect(r.examples).toEqual([]);
  });

  it('decode matches Rust for every family, with and without special tokens', async () => {
    for (const name of ['roberta-base', 'all-mpnet-base-v2', 't5-small', 'flan-t5-large'] as const) {
      const { ours, oracle } = hubPair(name);
      for (const text of [...tsvTexts('data/sst2/dev.tsv').slice(0, 50), ...fuzzStrings(17, 50), '  two  spaces ', 'é\u3000x']) {
        const ids = ours.encode(text, null, { truncation: false, padding: false }).ids;
        for (const skip of [false, true]) expect(ours.decode(ids, { skipSpecialTokens: skip }), `${name} ${JSON.stringify(text)}`).toBe(await oracle.decode(ids, skip));
      }
    }
  });
});
