// The batcher's scheduling promises, on a stand-in encoder that records every model run: round-robin
// across requests, the token budget per run, and one request per run without batching.
import type { Encoder } from '@bertkit/encoder';
import { describe, expect, it } from 'vitest';
import { Batcher, type BatcherOptions } from './batcher.js';

/** Each text's vector is [its number, its length]; runs are recorded as lists of texts. */
function recordingEncoder() {
  const runs: string[][] = [];
  const encoder = {
    embed: async (inputs: string[]) => {
      runs.push([...inputs]);
      const data = new Float32Array(inputs.length * 2);
      inputs.forEach((t, i) => {
        data[2 * i] = Number(t.split(':')[1]);
        data[2 * i + 1] = t.length;
      });
      return { data, rows: inputs.length, dim: 2 };
    },
  } as unknown as Encoder;
  return { encoder, runs };
}

const options = (o: Partial<BatcherOptions>): BatcherOptions => ({ maxBatchTokens: 2048, maxDelayMs: 5, maxQueue: 4096, batching: true, ...o });
const texts = (request: string, n: number) => Array.from({ length: n }, (_, i) => `${request}:${i}`);

describe('Batcher', () => {
  it('round-robin: a 1-text request sent after a 100-text one rides in the next run', async () => {
    const { encoder, runs } = recordingEncoder();
    // 10 tokens per text, 80 per run: 8 texts a run.
    const b = new Batcher(encoder, {}, options({ maxBatchTokens: 80, maxDelayMs: 20 }));
    const big = b.embed(texts('big', 100), Array(100).fill(10));
    const small = b.embed(texts('small', 1), [10]);
    let smallDoneAfter = -1;
    void small.promise.then(() => (smallDoneAfter = runs.length));
    const [bigOut, smallOut] = await Promise.all([big.promise, small.promise]);
    // The big request fills the budget, so its first run starts at once; the small one rides in the
    // next run (not after all 13), and every run holds 8 texts.
    expect(runs[0]).toEqual(texts('big', 8));
    expect(runs[1]).toContain('small:0');
    expect(smallDoneAfter).toBe(2);
    expect(runs.slice(0, -1).every((run) => run.length === 8)).toBe(true);
    // Every text came back in its request, in its place.
    expect(Array.from({ length: 100 }, (_, i) => bigOut[2 * i])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(smallOut[0]).toBe(0);
    expect(runs.flat()).toHaveLength(101);
    expect(b.depth).toBe(0);
    expect(b.depthTokens).toBe(0);
  });

  it('--max-batch-tokens bounds the real tokens of every run (a longer text runs alone)', async () => {
    const { encoder, runs } = recordingEncoder();
    const lengths = [7, 30, 12, 5, 90, 3, 40, 40, 40, 1];
    const tokensOf = new Map<string, number>();
    const all = lengths.map((n, r) => {
      tokensOf.set(`r${r}:0`, n);
      return `r${r}:0`;
    });
    const observed: number[] = [];
    const b = new Batcher(encoder, {}, options({ maxBatchTokens: 64, maxDelayMs: 20 }), (run) => observed.push(run.tokens));
    await Promise.all(all.map((t) => b.embed([t], [tokensOf.get(t) as number]).promise));
    const sums = runs.map((run) => run.reduce((s, t) => s + (tokensOf.get(t) as number), 0));
    expect(observed).toEqual(sums);
    for (const [i, run] of runs.entries()) if (run.length > 1) expect(sums[i]).toBeLessThanOrEqual(64);
    expect(runs.find((run) => run.includes('r4:0'))).toEqual(['r4:0']);
    expect(runs.flat().sort()).toEqual([...all].sort());
    expect(runs.length).toBeLessThan(all.length);
  });

  it('--no-batching: one request per run, in arrival order, however many wait', async () => {
    const { encoder, runs } = recordingEncoder();
    const b = new Batcher(encoder, {}, options({ batching: false }));
    await Promise.all([b.embed(texts('a', 3), [4, 4, 4]).promise, b.embed(texts('b', 1), [4]).promise, b.embed(texts('c', 2), [4, 4]).promise]);
    expect(runs).toEqual([texts('a', 3), texts('b', 1), texts('c', 2)]);
  });

  it('a full queue refuses at once; a cancelled request leaves the queue empty', async () => {
    const { encoder, runs } = recordingEncoder();
    const b = new Batcher(encoder, {}, options({ maxQueue: 4, maxDelayMs: 50 }));
    const first = b.embed(texts('a', 3), [2, 2, 2]);
    expect(() => b.embed(texts('b', 2), [2, 2])).toThrow(/queue holds 3 texts/);
    first.cancel();
    await expect(first.promise).rejects.toThrow(/cancelled/);
    expect([b.depth, b.depthTokens]).toEqual([0, 0]);
    await b.embed(texts('c', 1), [2]).promise;
    expect(runs).toEqual([['c:0']]);
  });
});
