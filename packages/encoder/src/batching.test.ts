// The batch planner, the streaming API and sliding windows for long inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WordPieceTokenizer } from '@bertkit/wordpiece';
import { describe, expect, it } from 'vitest';
import { Encoder, paddingFraction, planBatches } from './index.js';
import { SHARED, modelDir } from './testing/reference.js';

const sst = readFileSync(join(SHARED, 'data/sst2/train.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => l.split('\t')[0]!);

describe('planBatches', () => {
  it('sorts by length, respects the token budget and covers every row once', () => {
    const lengths = [5, 40, 12, 12, 3, 64, 7, 33, 20, 9];
    const batches = planBatches(lengths, 80);
    const seen = batches.flatMap((b) => b.rows).sort((a, b) => a - b);
    expect(seen).toEqual(lengths.map((_, i) => i));
    for (const b of batches) {
      expect(b.length).toBe(Math.max(...b.rows.map((r) => lengths[r]!)));
      expect(b.rows.length === 1 || b.rows.length * b.length <= 80).toBe(true);
    }
    expect(batches[0]!.length).toBe(64);
  });

  it('wastes far less compute on padding than arrival-order batches of 32 on SST-2', async () => {
    const encoder = await Encoder.load(modelDir('tiny-random-distilbert'));
    const lengths = sst.map((s) => encoder.tokenizer.encode(s).ids.length);
    const planned = paddingFraction(lengths, planBatches(lengths, 8192));
    const arrival = paddingFraction(
      lengths,
      Array.from({ length: Math.ceil(lengths.length / 32) }, (_, k) => {
        const rows = Array.from({ length: Math.min(32, lengths.length - k * 32) }, (_, j) => k * 32 + j);
        return { rows, length: Math.max(...rows.map((r) => lengths[r]!)) };
      }),
    );
    expect(planned).toBeLessThan(0.05);
    expect(arrival).toBeGreaterThan(0.3);
    await encoder.release();
  });
});

describe('embedStream', () => {
  it('yields the same vectors as embed, chunk by chunk and in order, from an async iterable', async () => {
    const encoder = await Encoder.load(modelDir('tiny-random-bert'));
    const texts = sst.slice(0, 300);
    const whole = await encoder.embed(texts, { pooling: 'mean' });
    async function* source() {
      for (const t of texts) yield t;
    }
    const progress: number[] = [];
    const parts = [];
    for await (const chunk of encoder.embedStream(source(), { pooling: 'mean', chunk: 64, onProgress: (p) => progress.push(p.done) })) parts.push(chunk);
    expect(parts.map((p) => p.offset)).toEqual([0, 64, 128, 192, 256]);
    expect(progress).toEqual([64, 128, 192, 256, 300]);
    const joined = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p.data, at);
      at += p.data.length;
    }
    let max = 0;
    for (let k = 0; k < joined.length; k++) max = Math.max(max, Math.abs(joined[k]! - whole.data[k]!));
    expect(max).toBeLessThan(1e-5);
    await expect(async () => {
      for await (const _ of encoder.embedStream(['ok', 3 as never])) void _;
    }).rejects.toThrow(/source item 1/);
    await encoder.release();
  });
});

describe('long inputs', () => {
  it('are truncated to maxLength by default and counted', async () => {
    const encoder = await Encoder.load(modelDir('tiny-random-bert'), { maxLength: 16 });
    const long = sst.find((s) => s.split(' ').length > 40)!;
    const out = await encoder.embed([long, 'short'], { pooling: 'cls' });
    expect(out.longInputs).toBe(1);
    await encoder.release();
  });

  it("window mode averages the windows' vectors", async () => {
    const encoder = await Encoder.load(modelDir('tiny-random-bert'), { maxLength: 16 });
    const long = sst.find((s) => s.split(' ').length > 40)!;
    const out = await encoder.embed([long], { pooling: 'mean', long: 'window', stride: 4 });
    const e = (encoder.tokenizer as WordPieceTokenizer).encode(long, null, { truncation: { maxLength: 16, stride: 4 } });
    const windows = [e, ...e.overflowing];
    expect(windows.length).toBeGreaterThan(2);
    const sum = new Float64Array(out.dim);
    for (const w of windows) {
      const [state] = await encoder.forward(
        { inputIds: Int32Array.from(w.ids), attentionMask: Int32Array.from(w.attentionMask), tokenTypeIds: Int32Array.from(w.typeIds), rows: 1, length: w.ids.length },
        { layers: [-1] },
      );
      for (let d = 0; d < out.dim; d++) {
        let s = 0;
        for (let p = 0; p < w.ids.length; p++) s += state![p * out.dim + d]!;
        sum[d]! += s / w.ids.length;
      }
    }
    for (let d = 0; d < out.dim; d++) expect(Math.abs(out.data[d]! - sum[d]! / windows.length)).toBeLessThan(1e-5);
    await encoder.release();
  });
});
