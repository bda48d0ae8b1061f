import { cpSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '@bertkit/encoder';
import { requireShared } from '@bertkit/shared-data';
import { afterAll, describe, expect, it } from 'vitest';
import { type CacheInput, type EmbeddingSource, FeatureCache } from './index.js';

const shared = requireShared;

const work = mkdtempSync(join(tmpdir(), 'bertkit-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A stand-in encoder over a real model directory: vectors derived from the text, calls counted. */
function countingEncoder(dir: string): EmbeddingSource<{ pooling?: string; onProgress?: () => void; batchTokens?: number }> & { calls: number } {
  return {
    files: { dir, onnx: join(dir, 'onnx', 'model.onnx') },
    maxLength: 512,
    calls: 0,
    async embed(inputs: readonly CacheInput[], options = {}) {
      this.calls++;
      const dim = 3;
      const data = new Float32Array(inputs.length * dim);
      inputs.forEach((t, r) => {
        const s = typeof t === 'string' ? t : t.join('|');
        data.set([s.length, s.charCodeAt(0) || 0, options.pooling === 'mean' ? 1 : 0], r * dim);
      });
      return { data, rows: inputs.length, dim, longInputs: 0 };
    },
  };
}

describe('FeatureCache', () => {
  const model = join(work, 'model');
  cpSync(join(shared(), 'models', 'tiny-random-distilbert'), model, { recursive: true });

  it('embeds once, then reads the same vectors back; options, inputs and model bytes are part of the key', async () => {
    const cache = new FeatureCache(join(work, 'cache-a'));
    const enc = countingEncoder(model);
    const texts = ['a movie', 'another one', 'x'];
    const first = await cache.embed(enc, texts, { pooling: 'cls' });
    expect(first.status).toBe('miss');
    // Progress callbacks and batch sizes do not change the vectors, so they do not change the key.
    const again = await cache.embed(enc, texts, { pooling: 'cls', onProgress: () => {}, batchTokens: 64 });
    expect(again.status).toBe('hit');
    expect(again.data).toEqual(first.data);
    expect(enc.calls).toBe(1);
    // A second cache object (another process) over the same directory hits too.
    expect((await new FeatureCache(join(work, 'cache-a')).embed(enc, texts, { pooling: 'cls' })).status).toBe('hit');

    expect((await cache.embed(enc, texts, { pooling: 'mean' })).status).toBe('miss');
    expect((await cache.embed(enc, ['a movie', 'another one'], { pooling: 'cls' })).status).toBe('miss');
    // Length-prefixed hashing: moving a character between inputs, or pairing two inputs, is a new key.
    expect(cache.key(enc, ['ab', 'c'])).not.toBe(cache.key(enc, ['a', 'bc']));
    expect(cache.key(enc, [['a', 'b']])).not.toBe(cache.key(enc, ['a', 'b']));
    expect(enc.calls).toBe(3);

    // Another vocabulary tokenizes differently: the key changes though the graph is the same.
    writeFileSync(join(model, 'vocab.txt'), '[PAD]\n[UNK]\n', { flag: 'a' });
    expect((await cache.embed(enc, texts, { pooling: 'cls' })).status).toBe('miss');
    expect(enc.calls).toBe(4);
  });

  it('replaces a truncated or foreign cache file instead of returning damaged vectors', async () => {
    const cache = new FeatureCache(join(work, 'cache-b'));
    const enc = countingEncoder(model);
    const first = await cache.embed(enc, ['one', 'two']);
    truncateSync(first.file, 30);
    const rebuilt = await cache.embed(enc, ['one', 'two']);
    expect(rebuilt.status).toBe('rebuilt');
    expect(rebuilt.data).toEqual(first.data);
    writeFileSync(first.file, 'not a cache file at all');
    expect((await cache.embed(enc, ['one', 'two'])).status).toBe('rebuilt');
    expect((await cache.embed(enc, ['one', 'two'])).status).toBe('hit');
    expect(readdirSync(join(work, 'cache-b')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('with a real encoder: the cached vectors are the embedded ones, bit for bit', async () => {
    const encoder = await Encoder.load(join(shared(), 'models', 'tiny-random-bert'));
    const cache = new FeatureCache(join(work, 'cache-c'));
    const texts = ['it is a charming and often affecting journey .', ['premise here', 'and a hypothesis'] as const];
    const miss = await cache.embed(encoder, texts, { pooling: 'layer-concat' });
    const hit = await cache.embed(encoder, texts, { pooling: 'layer-concat' });
    const direct = await encoder.embed(texts, { pooling: 'layer-concat' });
    expect([miss.status, hit.status]).toEqual(['miss', 'hit']);
    expect(hit.dim).toBe(direct.dim);
    expect(hit.data).toEqual(miss.data);
    expect(Math.max(...hit.data.map((v, k) => Math.abs(v - direct.data[k]!)))).toBeLessThan(1e-5);
    await encoder.release();
  });

  it('names a missing model file', async () => {
    const enc = countingEncoder(join(work, 'nowhere'));
    await expect(new FeatureCache(join(work, 'cache-d')).embed(enc, ['x'])).rejects.toThrow(/nowhere\/onnx\/model\.onnx: model file not found/);
    expect(() => new FeatureCache('')).toThrow(/dir must be a non-empty path/);
  });
});
