// sentence-transformers layouts on a stand-in model: which files set which defaults, several pooling
// modes concatenated in sentence-transformers' order, and what is refused. Parity with
// SentenceTransformer.encode on real layouts is in apps/cli/src/embed-st.test.ts.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Encoder, maxAbsDiff, prepareText, readSentenceTransformers } from './index.js';
import { modelDir } from './testing/reference.js';

function stModel(pooling: Record<string, unknown>, extra: { modules?: unknown; bert?: unknown } = {}): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'bertkit-st-')), 'model');
  cpSync(modelDir('tiny-random-bert'), dir, { recursive: true });
  const modules = extra.modules ?? [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ];
  writeFileSync(join(dir, 'modules.json'), JSON.stringify(modules));
  mkdirSync(join(dir, '1_Pooling'));
  writeFileSync(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: 32, ...pooling }));
  if (extra.bert) writeFileSync(join(dir, 'sentence_bert_config.json'), JSON.stringify(extra.bert));
  return dir;
}

describe('sentence-transformers settings', () => {
  it('a plain model directory has none, and the plain defaults', async () => {
    expect(readSentenceTransformers(modelDir('tiny-random-bert'))).toBeNull();
    const encoder = await Encoder.load(modelDir('tiny-random-bert'));
    expect(encoder.defaults).toMatchObject({ pooling: 'cls', normalize: false, maxLength: 512, prompt: null });
    await encoder.release();
  });

  it('weightedmean and lasttoken from 1_Pooling, max_seq_length from sentence_bert_config.json', async () => {
    for (const [key, mode] of [
      ['pooling_mode_weightedmean_tokens', 'weighted-mean'],
      ['pooling_mode_lasttoken', 'last-token'],
      ['pooling_mode_mean_sqrt_len_tokens', 'mean-sqrt-len'],
    ] as const) {
      const encoder = await Encoder.load(stModel({ [key]: true }, { bert: { max_seq_length: 64 } }));
      expect(encoder.defaults).toMatchObject({ pooling: mode, normalize: false, maxLength: 64 });
      const texts = ['one short text', 'and a second, longer one to pad the first'];
      const ours = await encoder.embed(texts);
      expect(maxAbsDiff(ours.data, (await encoder.embed(texts, { pooling: mode })).data)).toBe(0);
      expect(maxAbsDiff(ours.data, (await encoder.embed(texts, { pooling: 'mean' })).data)).toBeGreaterThan(1e-3);
      await encoder.release();
    }
  });

  it('several modes are concatenated in sentence-transformers order (cls, max, mean), then Normalize', async () => {
    const modules = [
      { path: '', type: 'sentence_transformers.models.Transformer' },
      { path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
      { path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
    ];
    const encoder = await Encoder.load(stModel({ pooling_mode_mean_tokens: true, pooling_mode_cls_token: true, pooling_mode_max_tokens: true }, { modules }));
    expect(encoder.defaults.poolingModes).toEqual(['cls', 'max', 'mean']);
    const texts = ['concatenated modes', 'and a second text'];
    const ours = await encoder.embed(texts);
    expect(ours.dim).toBe(96);
    const parts = await Promise.all((['cls', 'max', 'mean'] as const).map((pooling) => encoder.embed(texts, { pooling, normalize: false })));
    const expected = texts.flatMap((_, r) => {
      const row = parts.flatMap((p) => Array.from(p.data.subarray(r * 32, (r + 1) * 32)));
      const norm = Math.hypot(...row);
      return row.map((v) => v / norm);
    });
    expect(maxAbsDiff(ours.data, expected)).toBeLessThan(1e-6);
    await encoder.release();
  });

  it('refused: a module bertkit does not run (Dense), no pooling mode, a bad max_seq_length', async () => {
    const dense = [
      { path: '', type: 'sentence_transformers.models.Transformer' },
      { path: '2_Dense', type: 'sentence_transformers.models.Dense' },
    ];
    await expect(Encoder.load(stModel({ pooling_mode_mean_tokens: true }, { modules: dense }))).rejects.toThrow(/module 1 is "sentence_transformers.models.Dense"; bertkit runs Transformer, Pooling and Normalize modules only/);
    await expect(Encoder.load(stModel({}))).rejects.toThrow(/no pooling_mode_\* is true/);
    await expect(Encoder.load(stModel({ pooling_mode_mean_tokens: true }, { bert: { max_seq_length: 'long' } }))).rejects.toMatchObject({ code: 'E_BAD_CONFIG' });
  });

  it("prepareText strips as Python's str.strip() and lower-cases when asked", () => {
    expect(prepareText('\x1c\x85 Hello World\t\n', false)).toBe('Hello World');
    expect(prepareText('\ufeffHi ', true)).toBe('\ufeffhi');
    expect(prepareText('  ÉCOLE  ', true)).toBe('école');
  });
});
