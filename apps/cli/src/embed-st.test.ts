// sentence-transformers models as SentenceTransformer.encode runs them: the directory's own pooling,
// Normalize, max_seq_length and do_lower_case become the encoder's defaults. Oracle: the fixtures'
// reference.json sentence_embedding (PyTorch), on graphs converted from their model.safetensors.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder, maxAbsDiff } from '@bertkit/encoder';
import { convertCheckpoint } from '@bertkit/onnx-builder';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, SHARED } from './testing/paths.js';

interface StReference {
  texts: string[];
  input_ids: number[][];
  attention_mask: number[][];
  max_seq_length: number;
  sentence_embedding: number[][];
  token_embeddings: number[][][];
}

const work = mkdtempSync(join(tmpdir(), 'bertkit-st-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A converted copy of a shared sentence-transformers fixture (the fixture ships no ONNX graph). */
function converted(name: string): string {
  const dir = join(work, name);
  cpSync(join(SHARED, 'models', name), dir, { recursive: true });
  convertCheckpoint(dir);
  return dir;
}

describe.each([
  ['minilm-st', { pooling: 'mean', normalize: true, maxLength: 256 }],
  ['bge-st', { pooling: 'cls', normalize: true, maxLength: 512 }],
] as const)('%s', (name, expected) => {
  const dir = converted(name);
  const batches = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as StReference[];

  it('reads its sentence-transformers settings as the encoder defaults', async () => {
    const encoder = await Encoder.load(dir);
    expect(encoder.defaults).toMatchObject(expected);
    expect(encoder.maxLength).toBe(batches[0]!.max_seq_length);
    expect(encoder.sentenceTransformers?.pooling).toEqual([expected.pooling]);
    // tokenizer.json may pad every encoding to a fixed length (all-MiniLM: 128); tokenCount does not.
    expect(encoder.tokenCount('hello world')).toBe(4);
    expect(encoder.tokenCount(batches[2]!.texts[0]!)).toBe(encoder.maxLength === 256 ? 256 : batches[2]!.input_ids[0]!.length);
    await encoder.release();
  });

  it('embed(texts) with no options equals SentenceTransformer.encode within 1e-4', async () => {
    const encoder = await Encoder.load(dir);
    let compared = 0;
    for (const batch of batches) {
      // Same ids as sentence-transformers: truncation at max_seq_length, not tokenizer.json's 128.
      const rows = batch.texts.map((t) => {
        const text = encoder.sentenceTransformers?.doLowerCase ? t.trim().toLowerCase() : t.trim();
        return encoder.tokenizer.encode(text, null, { truncation: { maxLength: encoder.maxLength }, padding: false } as never).ids;
      });
      rows.forEach((ids, r) => expect(ids).toEqual(batch.input_ids[r]!.slice(0, batch.attention_mask[r]!.reduce((a, b) => a + b, 0))));
      const ours = await encoder.embed(batch.texts);
      expect(ours.dim).toBe(32);
      expect(maxAbsDiff(ours.data, batch.sentence_embedding.flat())).toBeLessThan(1e-4);
      compared += batch.texts.length;
    }
    expect(compared).toBe(10);
    // One reference text is longer than max_seq_length: the cut is part of what is compared.
    expect(batches.some((b) => b.input_ids[0]!.length === b.max_seq_length)).toBe(name === 'minilm-st');
    await encoder.release();
  });

  it('bertkit embed with no pooling flag writes what SentenceTransformer.encode gives; --pooling/--no-normalize override', async () => {
    const texts = batches.flatMap((b) => b.texts);
    writeFileSync(join(work, `${name}.txt`), `${texts.join('\n')}\n`);
    const embed = (out: string, flags: string[]) => {
      const r = spawnSync(process.execPath, [BIN, 'embed', '--model', dir, ...flags, '--output', join(work, out), join(work, `${name}.txt`)], { encoding: 'utf8', env: { ...process.env, BERTKIT_PROGRESS: '0' } });
      expect(r.status, r.stderr).toBe(0);
      const b = readFileSync(join(work, out));
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    };
    expect(maxAbsDiff(embed(`${name}.f32`, []), batches.flatMap((b) => b.sentence_embedding.flat()))).toBeLessThan(1e-4);
    const raw = embed(`${name}-raw.f32`, ['--no-normalize']);
    const norms = Array.from({ length: texts.length }, (_, r) => Math.hypot(...raw.subarray(r * 32, (r + 1) * 32)));
    expect(norms.some((n) => Math.abs(n - 1) > 1e-3)).toBe(true);
    const other = expected.pooling === 'mean' ? 'cls' : 'mean';
    expect(maxAbsDiff(embed(`${name}-other.f32`, ['--pooling', other]), batches.flatMap((b) => b.sentence_embedding.flat()))).toBeGreaterThan(1e-3);
  });

  it('explicit options still override the defaults', async () => {
    const encoder = await Encoder.load(dir);
    const texts = batches[0]!.texts;
    const raw = await encoder.embed(texts, { pooling: 'max', normalize: false });
    const reference = batches[0]!;
    const expectedMax = reference.token_embeddings.map((tokens, r) => {
      const kept = tokens.filter((_, p) => reference.attention_mask[r]![p] === 1);
      return Array.from({ length: 32 }, (_, d) => Math.max(...kept.map((v) => v[d]!)));
    });
    expect(maxAbsDiff(raw.data, expectedMax.flat())).toBeLessThan(1e-4);
    await encoder.release();
  });
});

describe('sentence-transformers prompts and include_prompt', () => {
  it('a default prompt is prepended; with include_prompt false its tokens (and [CLS]) leave the pooling', async () => {
    const dir = converted('minilm-st');
    writeFileSync(join(dir, 'config_sentence_transformers.json'), JSON.stringify({ prompts: { query: 'query: ', passage: '' }, default_prompt_name: 'query' }));
    const withPrompt = await Encoder.load(dir);
    expect(withPrompt.defaults).toMatchObject({ promptName: 'query', prompt: 'query: ' });
    const a = await withPrompt.embed(['hello world']);
    const b = await withPrompt.embed(['query: hello world'], { prompt: '' });
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-6);
    const named = await withPrompt.embed(['query: hello world'], { promptName: 'passage' });
    expect(maxAbsDiff(named.data, b.data)).toBeLessThan(1e-6);
    await expect(withPrompt.embed(['x'], { promptName: 'nope' })).rejects.toThrow(/promptName "nope".*query, passage/);
    // include_prompt false: mean over the tokens after "[CLS] query :" (3 tokens), from the token vectors.
    const pooling = JSON.parse(readFileSync(join(dir, '1_Pooling', 'config.json'), 'utf8'));
    writeFileSync(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ ...pooling, include_prompt: false }));
    const excluding = await Encoder.load(dir);
    const pooled = await excluding.embed(['hello world'], { normalize: false });
    const [tokens] = await excluding.encodeTokens(['query: hello world']);
    expect(tokens!.tokens).toEqual(['[CLS]', 'query', ':', 'hello', 'world', '[SEP]']);
    const mean = Array.from({ length: 32 }, (_, d) => [3, 4, 5].reduce((s, p) => s + tokens!.vectors[p * 32 + d]!, 0) / 3);
    expect(maxAbsDiff(pooled.data, mean)).toBeLessThan(1e-5);
    for (const e of [withPrompt, excluding]) await e.release();
  });
});
