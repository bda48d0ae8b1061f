// Resume is exact (issue 15, Must show 4): a run SIGKILLed mid-epoch and resumed, and a run stopped with
// Ctrl-C and resumed, end with model.safetensors byte-identical to an uninterrupted run with the same seed.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED } from './testing/paths.js';
import { runCli } from './testing/run-cli.js';
import { TINY, runUntil, sst2 } from './testing/training.js';

const work = mkdtempSync(join(tmpdir(), 'bertkit-finetune-resume-'));
const env = { ...process.env, BERTKIT_CACHE: join(work, 'cache'), BERTKIT_SHARED: SHARED, HF_ENDPOINT: 'http://127.0.0.1:9', BERTKIT_PROGRESS: '0' };
const run = (args: string[]) => runCli(args, { cwd: work, env });
afterAll(() => rmSync(work, { recursive: true, force: true }));

// 160 examples, batch 8: 20 steps per epoch, 40 in all; checkpoints at 20 (epoch end), 25 (mid-epoch) and 40.
const STEPS_PER_EPOCH = 20;
const args = (out: string) => ['finetune', '--model', TINY, '--data', 'train.tsv', '--dev', 'dev.tsv', '--epochs', '2', '--batch', '8', '--lr', '1e-3', '--warmup-ratio', '0.1', '--checkpoint-every', '25', '--keep-checkpoints', '2', '--threads', '1', '--seed', '7', '--out', out];
const checkpoints = (out: string) => (existsSync(join(work, out)) ? readdirSync(join(work, out)).filter((f) => /^checkpoint-\d+$/.test(f)) : []);
const weights = (out: string) => readFileSync(join(work, out, 'model.safetensors'));
let reference: Buffer;

beforeAll(async () => {
  writeFileSync(join(work, 'train.tsv'), `${sst2('train', 160).join('\n')}\n`);
  writeFileSync(join(work, 'dev.tsv'), `${sst2('dev', 40).join('\n')}\n`);
  const a = await run(args('a'));
  expect(a.code, a.stderr).toBe(0);
  reference = weights('a');
});

describe('finetune --resume', () => {
  it('SIGKILL mid-epoch after a checkpoint, then --resume: model.safetensors byte-identical to the uninterrupted run', async () => {
    const b = await runUntil(args('b'), { cwd: work, env, afterStep: 26, signal: 'SIGKILL', ready: () => checkpoints('b').includes('checkpoint-25') });
    expect(b.signal, b.stderr).toBe('SIGKILL');
    // Killed for real, inside the second epoch: the run's end (trainer_state.json, checkpoint-40) never came.
    expect(existsSync(join(work, 'b', 'trainer_state.json'))).toBe(false);
    expect(checkpoints('b').sort()).toEqual(['checkpoint-20', 'checkpoint-25']);
    expect(25 % STEPS_PER_EPOCH).not.toBe(0);
    const resumed = await run([...args('b'), '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(weights('b').equals(reference)).toBe(true);
    // The same comparison must be able to fail: a different seed gives other bytes.
    const other = await run([...args('c').map((x) => (x === '7' ? '8' : x))]);
    expect(other.code, other.stderr).toBe(0);
    expect(weights('c').equals(reference)).toBe(false);
  });

  it('Ctrl-C: exit 130, a checkpoint saved and named on stderr; --resume <that dir> finishes with the uninterrupted weights', async () => {
    const d = await runUntil(args('d'), { cwd: work, env, afterStep: 9, signal: 'SIGINT' });
    expect(d.code, d.stderr).toBe(130);
    const said = /interrupted; checkpoint saved in (\S+) \(resume with --resume\)/.exec(d.stderr);
    expect(said, d.stderr).not.toBeNull();
    const dir = said![1] as string;
    expect(existsSync(resolve(work, dir))).toBe(true);
    expect(checkpoints('d').length).toBeGreaterThan(0);
    expect(existsSync(join(work, 'd', 'trainer_state.json'))).toBe(false);
    const resumed = await run([...args('d'), '--resume', dir]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(weights('d').equals(reference)).toBe(true);
  });
});
