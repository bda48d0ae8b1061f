import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
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
    const told: string[] = [];
    const cache = new FeatureCache(join(work, 'cache-b'), { onDamage: (_f, d) => told.push(d) });
    const enc = countingEncoder(model);
    const first = await cache.embed(enc, ['one', 'two']);
    truncateSync(first.file, 30);
    const rebuilt = await cache.embed(enc, ['one', 'two']);
    expect(rebuilt.status).toBe('rebuilt');
    expect(rebuilt.data).toEqual(first.data);
    writeFileSync(first.file, 'not a cache file at all');
    expect((await cache.embed(enc, ['one', 'two'])).status).toBe('rebuilt');
    expect((await cache.embed(enc, ['one', 'two'])).status).toBe('hit');
    expect(told).toEqual(['foreign', 'foreign']);
    expect(readdirSync(join(work, 'cache-b')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a flipped bit anywhere in the file, header or body, is detected: the vectors are embedded again, correct', async () => {
    const told: string[] = [];
    const cache = new FeatureCache(join(work, 'cache-bits'), { onDamage: (_f, d) => told.push(d) });
    const enc = countingEncoder(model);
    const texts = ['one', 'two', 'three'];
    const first = await cache.embed(enc, texts);
    const good = readFileSync(first.file);
    expect(good.length).toBe(120 + 3 * 3 * 4);
    for (let pos = 0; pos < good.length; pos++) {
      for (const bit of [0x01, 0x80]) {
        const bad = Buffer.from(good);
        bad[pos] = (bad[pos] as number) ^ bit;
        writeFileSync(first.file, bad);
        const again = await cache.embed(enc, texts);
        expect(again.status, `byte ${pos} ^ ${bit}`).toBe('rebuilt');
        expect(again.data).toEqual(first.data);
        // The rebuilt file is the good one again, byte for byte.
        expect(readFileSync(first.file).equals(good)).toBe(true);
      }
    }
    // Each region is caught by its own check: magic, header digest, body digest.
    expect(new Set(told)).toEqual(new Set(['foreign', 'header-checksum', 'body-checksum']));
    expect(told.length).toBe(2 * good.length);
    expect((await cache.embed(enc, texts)).status).toBe('hit');
  });

  it('a valid file under another key (copied or renamed) is refused', async () => {
    const told: string[] = [];
    const cache = new FeatureCache(join(work, 'cache-key'), { onDamage: (_f, d) => told.push(d) });
    const enc = countingEncoder(model);
    const a = await cache.embed(enc, ['one', 'two']);
    const b = await cache.embed(enc, ['uno', 'dos']);
    writeFileSync(b.file, readFileSync(a.file));
    const again = await cache.embed(enc, ['uno', 'dos']);
    expect([again.status, again.damage]).toEqual(['rebuilt', 'key']);
    expect(again.data).toEqual(b.data);
    expect(told).toEqual(['key']);
  });

  it('each key ingredient changes the key: graph bytes, tokenizer files, pooling, layers, maxLength, texts', () => {
    const dir = join(work, 'model-key');
    cpSync(join(shared(), 'models', 'tiny-random-bert'), dir, { recursive: true });
    const cache = new FeatureCache(join(work, 'cache-ingredients'));
    const enc = countingEncoder(dir);
    const texts = ['a movie', 'another one'];
    const base = cache.key(enc, texts, { pooling: 'cls' });
    const keys = new Map<string, string>();
    keys.set('pooling', cache.key(enc, texts, { pooling: 'mean' }));
    keys.set('layers', cache.key(enc, texts, { pooling: 'cls', layers: [-1, -2] } as never));
    keys.set('normalize', cache.key(enc, texts, { pooling: 'cls', normalize: true } as never));
    keys.set('maxLength', cache.key({ ...enc, maxLength: 128 }, texts, { pooling: 'cls' }));
    // A sentence-transformers layout's defaults (pooling, Normalize) live outside the graph's bytes.
    keys.set('defaults', cache.key({ ...enc, defaults: { pooling: 'mean', normalize: true } }, texts, { pooling: 'cls' }));
    keys.set('texts', cache.key(enc, ['a movie', 'another one!'], { pooling: 'cls' }));
    keys.set('order', cache.key(enc, ['another one', 'a movie'], { pooling: 'cls' }));
    // One byte of the ONNX graph (its mtime changes too, so the remembered digest is not reused).
    const onnx = join(dir, 'onnx', 'model.onnx');
    const graph = readFileSync(onnx);
    graph[graph.length - 1] = (graph[graph.length - 1] as number) ^ 1;
    writeFileSync(onnx, graph);
    utimesSync(onnx, new Date(), new Date(Date.now() + 5_000));
    keys.set('graph bytes', cache.key(enc, texts, { pooling: 'cls' }));
    const tj = join(dir, 'tokenizer.json');
    writeFileSync(tj, `${readFileSync(tj, 'utf8')} `);
    utimesSync(tj, new Date(), new Date(Date.now() + 5_000));
    keys.set('tokenizer.json', cache.key(enc, texts, { pooling: 'cls' }));
    for (const [what, k] of keys) expect(k, what).not.toBe(base);
    expect(new Set(keys.values()).size).toBe(keys.size);
    // Batch size and callbacks are not ingredients.
    const plain = cache.key(enc, texts, { pooling: 'cls' });
    expect(cache.key(enc, texts, { pooling: 'cls', batchTokens: 7, onProgress: () => {} })).toBe(plain);
  });

  it('with a real encoder: the cached vectors are the embedded ones, bit for bit, and equal to a fresh run of the encoder', async () => {
    const encoder = await Encoder.load(join(shared(), 'models', 'tiny-random-bert'));
    const cache = new FeatureCache(join(work, 'cache-c'));
    const texts = ['it is a charming and often affecting journey .', ['premise here', 'and a hypothesis'] as const];
    const miss = await cache.embed(encoder, texts, { pooling: 'layer-concat' });
    const hit = await cache.embed(encoder, texts, { pooling: 'layer-concat' });
    const direct = await encoder.embed(texts, { pooling: 'layer-concat' });
    expect([miss.status, hit.status]).toEqual(['miss', 'hit']);
    expect(hit.dim).toBe(direct.dim);
    expect(hit.data).toEqual(miss.data);
    expect(hit.data).toEqual(direct.data);
    await encoder.release();
  });

  it('names a missing model file', async () => {
    const enc = countingEncoder(join(work, 'nowhere'));
    await expect(new FeatureCache(join(work, 'cache-d')).embed(enc, ['x'])).rejects.toThrow(/nowhere\/onnx\/model\.onnx: model file not found/);
    expect(() => new FeatureCache('')).toThrow(/dir must be a non-empty path/);
  });
});
