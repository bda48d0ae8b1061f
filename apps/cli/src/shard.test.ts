// embed --shard K/N and merge-shards, as subprocesses of the built CLI. The oracle is one unsharded run:
// four shard processes merged must equal it byte for byte, in every output format.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseShard, shardPartPath, shardRange } from './shard.js';
import { SHARED } from './testing/paths.js';
import { expectUserError, runCli } from './testing/run-cli.js';

const MODEL = join(SHARED, 'models', 'tiny-random-bert');
const work = mkdtempSync(join(tmpdir(), 'bertkit-shard-'));
const env = { ...process.env, BERTKIT_SHARED: SHARED, BERTKIT_PROGRESS: '0', BERTKIT_CACHE: join(work, 'cache') };
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[], cwd = work) => runCli(args, { cwd, env });

const input = join(work, 'in.tsv');
beforeAll(() => {
  // 1,003 lines: the slices are 250, 251, 251, 251, so the boundaries are not round numbers.
  const lines = readFileSync(join(SHARED, 'data/sst2/train.tsv'), 'utf8').split('\n').filter(Boolean).slice(0, 1003);
  writeFileSync(input, `${lines.join('\n')}\n`);
});

describe('shard arithmetic', () => {
  it('K/N slices are contiguous, cover every line once and differ in size by at most one', () => {
    for (const [lines, n] of [[1003, 4], [3, 4], [0, 2], [10, 1], [7, 7]] as const) {
      let at = 0;
      for (let k = 0; k < n; k++) {
        const { start, end } = shardRange({ index: k, count: n }, lines);
        expect(start).toBe(at);
        expect(end - start).toBeGreaterThanOrEqual(Math.floor(lines / n));
        expect(end - start).toBeLessThanOrEqual(Math.ceil(lines / n));
        at = end;
      }
      expect(at).toBe(lines);
    }
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    for (const bad of ['4/4', '-1/4', '1/0', 'a/b', '1']) expect(() => parseShard(bad)).toThrow(/--shard must be K\/N/);
    expect(shardPartPath('out/vectors.npy', { index: 2, count: 4 })).toBe('out/vectors.shard-2-of-4.npy');
  });
});

describe('embed --shard K/N + merge-shards', () => {
  it.each(['npy', 'f32', 'jsonl'])('four shard processes merged equal one unsharded run byte for byte (.%s)', async (ext) => {
    const dir = join(work, ext);
    mkdirSync(dir);
    const whole = await run(['embed', '--model', MODEL, '--pooling', 'mean', '--output', join(dir, `whole.${ext}`), input]);
    expect(whole.code, whole.stderr).toBe(0);
    const shards = await Promise.all([0, 1, 2, 3].map((k) => run(['embed', '--model', MODEL, '--pooling', 'mean', '--shard', `${k}/4`, '--output', join(dir, `v.${ext}`), input])));
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    const merged = await run(['merge-shards', '--json', '--output', join(dir, `v.${ext}`)]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({ parts: 4, rows: 1003, dim: 32 });
    expect(readFileSync(join(dir, `v.${ext}`)).equals(readFileSync(join(dir, `whole.${ext}`)))).toBe(true);
  });

  it('refuses missing, duplicate and mismatched parts with one clear line, writing nothing', async () => {
    const dir = join(work, 'npy');
    const part = (k: number) => join(dir, `v.shard-${k}-of-4.npy`);
    const out = join(work, 'bad.npy');
    expectUserError(await run(['merge-shards', '--output', out, part(0), part(1), part(3)]), /missing shard 2\/4 \(have 0, 1, 3\)/);
    // The same part under two names (its manifest travels with it).
    copyFileSync(part(1), join(work, 'copy.npy'));
    copyFileSync(`${part(1)}.json`, join(work, 'copy.npy.json'));
    expectUserError(await run(['merge-shards', '--output', out, part(0), part(1), join(work, 'copy.npy'), part(2), part(3)]), /shard 1\/4 given twice/);
    // Another split of the same input.
    const two = await run(['embed', '--model', MODEL, '--pooling', 'mean', '--shard', '0/2', '--output', out, input]);
    expect(two.code, two.stderr).toBe(0);
    expectUserError(await run(['merge-shards', '--output', out, part(0), join(work, 'bad.shard-0-of-2.npy'), part(2), part(3)]), /shard 0\/2 does not match/);
    // Other options (cls instead of mean).
    const cls = await run(['embed', '--model', MODEL, '--shard', '1/4', '--output', join(work, 'cls.npy'), input]);
    expect(cls.code, cls.stderr).toBe(0);
    expectUserError(await run(['merge-shards', '--output', out, part(0), join(work, 'cls.shard-1-of-4.npy'), part(2), part(3)]), /other options/);
    // A truncated part.
    const cut = join(work, 'cut.npy');
    writeFileSync(cut, readFileSync(part(2)).subarray(0, 500));
    copyFileSync(`${part(2)}.json`, `${cut}.json`);
    expectUserError(await run(['merge-shards', '--output', out, part(0), part(1), cut, part(3)]), /cut\.npy: 500 bytes, its manifest promises 251 x 32/);
    // A file without a manifest, and a format mismatch.
    writeFileSync(join(work, 'stray.npy'), 'x');
    expectUserError(await run(['merge-shards', '--output', out, join(work, 'stray.npy')]), /no shard manifest/);
    expectUserError(await run(['merge-shards', '--output', join(work, 'x.f32'), part(0)]), /not a \.f32 part/);
    expectUserError(await run(['merge-shards', '--output', join(work, 'none.npy')]), /no parts none\.shard-K-of-N\.npy/);
    expect(() => readFileSync(out)).toThrow();
  });

  it('--shard needs --output and a file; a bad K/N is a usage error', async () => {
    expectUserError(await run(['embed', '--model', MODEL, '--shard', '0/2', input]), /--shard writes a part file and needs --output/);
    expectUserError(await run(['embed', '--model', MODEL, '--shard', '0/2', '--output', 'x.npy', '-']), /--shard needs an input file/);
    expectUserError(await run(['embed', '--model', MODEL, '--shard', '2/2', '--output', 'x.npy', input]), /--shard must be K\/N/);
  });
});
