// Bad input to `bertkit finetune` (issue 15): each an exit 1 with one line on stderr naming the file, line
// or value, and nothing already saved is lost.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED } from './testing/paths.js';
import { expectUserError, runCli } from './testing/run-cli.js';
import { TINY, sst2 } from './testing/training.js';

const work = mkdtempSync(join(tmpdir(), 'bertkit-finetune-errors-'));
const env = { ...process.env, BERTKIT_CACHE: join(work, 'cache'), BERTKIT_SHARED: SHARED, HF_ENDPOINT: 'http://127.0.0.1:9', BERTKIT_PROGRESS: '0' };
const run = (args: string[], nodeArgs?: string[]) => runCli(args, { cwd: work, env, ...(nodeArgs ? { nodeArgs } : {}) });
afterAll(() => rmSync(work, { recursive: true, force: true }));
const base = ['finetune', '--model', TINY, '--data', 'train.tsv', '--threads', '1', '--batch', '8'];

beforeAll(() => {
  writeFileSync(join(work, 'train.tsv'), `${sst2('train', 80).join('\n')}\n`);
  const dev = sst2('dev', 10);
  dev[6] = `${dev[6]!.split('\t')[0]}\t2`;
  writeFileSync(join(work, 'bad-dev.tsv'), `${dev.join('\n')}\n`);
  writeFileSync(join(work, 'empty.tsv'), '');
  writeFileSync(join(work, 'ner.txt'), 'Paris B-LOC\nis O\n\nOslo B-LOC\n');
  writeFileSync(join(work, 'ner-dev.txt'), 'Oslo B-LOC\nsmith B-PER\n');
  // A model of an architecture no training graph exists for: the stand-in's files under another model_type.
  cpSync(TINY, join(work, 'gpt2ish'), { recursive: true });
  const config = JSON.parse(readFileSync(join(TINY, 'config.json'), 'utf8'));
  writeFileSync(join(work, 'gpt2ish', 'config.json'), JSON.stringify({ ...config, model_type: 'gpt2', architectures: ['GPT2Model'] }));
});

// Independent runs with their own outputs: concurrent, as most of the time is process start-up.
describe.concurrent('finetune: bad input is one line, exit 1', () => {
  it('a dev label never seen in training names the label, the dev file and its line', async () => {
    const r = await run([...base, '--dev', 'bad-dev.tsv', '--out', 'o1']);
    expectUserError(r, /bad-dev\.tsv:7: label "2" never occurs in the training data train\.tsv \(its labels: 0, 1\)/);
    expect(existsSync(join(work, 'o1'))).toBe(false);
  });

  it('a NER dev tag never seen in training names the CoNLL line', async () => {
    const r = await run(['finetune', '--task', 'ner', '--model', TINY, '--data', 'ner.txt', '--dev', 'ner-dev.txt', '--out', 'o2']);
    expectUserError(r, /ner-dev\.txt:2: label "B-PER" never occurs in the training data ner\.txt/);
  });

  it('an empty training file', async () => {
    const r = await run(['finetune', '--model', TINY, '--data', 'empty.tsv', '--out', 'o3']);
    expectUserError(r, /empty\.tsv/);
  });

  it('a model without a supported architecture names it', async () => {
    const r = await run(['finetune', '--model', 'gpt2ish', '--data', 'train.tsv', '--out', 'o4']);
    expectUserError(r, /gpt2/i);
  });

  it('a directory without weights, and a missing model', async () => {
    expectUserError(await run(['finetune', '--model', join(SHARED, 'models', 'distilbert-sst2', 'onnx'), '--data', 'train.tsv', '--out', 'o5']), /config\.json/);
    expectUserError(await run(['finetune', '--model', './nowhere', '--data', 'train.tsv', '--out', 'o5']), /nowhere: no such model directory/);
  });

  it('--resume with options that differ from the checkpoint names the option; the checkpoint is kept', async () => {
    const first = await run([...base, '--epochs', '1', '--checkpoint-every', '4', '--out', 'o6']);
    expect(first.code, first.stderr).toBe(0);
    const before = readdirSync(join(work, 'o6')).sort();
    const r = await run([...base.map((x) => (x === '8' ? '4' : x)), '--epochs', '1', '--checkpoint-every', '4', '--out', 'o6', '--resume']);
    expectUserError(r, /batch/i);
    expect(readdirSync(join(work, 'o6')).sort()).toEqual(before);
  });

  it('a loss that becomes NaN/inf says at which step and learning rate', async () => {
    const r = await run([...base, '--lr', '1e30', '--max-grad-norm', '0', '--out', 'o7']);
    expectUserError(r, /step \d+.*(learning rate|lr)|(learning rate|lr).*step \d+/i);
  });

  it('usage errors: --stride outside qa, --lr 0, --resume with nothing to resume from', async () => {
    expectUserError(await run([...base, '--stride', '64', '--out', 'o8']), /--stride is for --task qa/);
    expectUserError(await run([...base, '--lr', '0', '--out', 'o8']), /--lr must be positive/);
    expectUserError(await run([...base, '--out', 'o8', '--resume']), /o8: no checkpoint to resume from/);
    expectUserError(await run([...base, '--out', 'o8', '--max-length', '1000']), /--max-length 1000 is longer than the model's position table \(512\)/);
    expectUserError(await run([...base, '--out', 'o8', '--schedule', 'step']), /--schedule must be one of linear, cosine, constant; got "step"/);
    for (const c of ['finetune', 'pretrain']) {
      const help = await run([c, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`bertkit ${c} --model`);
    }
  });

  it('disk full while saving a checkpoint: one line naming it, the previous checkpoint intact and resumable', async () => {
    // A preload fails every write to files under FAIL_PATH with ENOSPC, as a full disk does (the library's
    // own tests also fill a real tmpfs where mounting is allowed).
    const preload = `data:text/javascript,${encodeURIComponent(`
      import fs from 'node:fs';
      import { syncBuiltinESMExports } from 'node:module';
      const doomed = new Set();
      const open = fs.openSync;
      fs.openSync = function (path, ...rest) { const fd = open.call(this, path, ...rest); if (String(path).includes(process.env.FAIL_PATH)) doomed.add(fd); return fd; };
      const write = fs.writeSync;
      fs.writeSync = function (fd, ...rest) { if (doomed.has(fd)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' }); return write.call(this, fd, ...rest); };
      syncBuiltinESMExports();
    `)}`;
    const args = [...base, '--epochs', '1', '--checkpoint-every', '4', '--out', 'o9'];
    const r = await runCli(args, { cwd: work, env: { ...env, FAIL_PATH: 'checkpoint-8' }, nodeArgs: ['--import', preload] });
    expectUserError(r, new RegExp(`disk full while saving checkpoint ${join(work, 'o9', 'checkpoint-8').replace(/[/.]/g, '\\$&')}$`, 'm'));
    // Only the complete checkpoint is left: no partial directory or file.
    expect(readdirSync(join(work, 'o9')).filter((f) => f.startsWith('checkpoint-'))).toEqual(['checkpoint-4']);
    expect(readdirSync(join(work, 'o9', 'checkpoint-4')).some((f) => f.includes('.tmp-'))).toBe(false);
    const resumed = await run([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
  });
});
