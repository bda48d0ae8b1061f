// `bertkit pretrain`: masked-LM steps on a small corpus write a *ForMaskedLM directory (key names of
// PyTorch's DistilBertForMaskedLM, from the stand-in's train-reference), report the held-out loss, and
// the result embeds with `bertkit embed --model OUT`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED } from './testing/paths.js';
import { expectUserError, runCli } from './testing/run-cli.js';
import { TINY, safetensorsKeys, sst2 } from './testing/training.js';

const work = mkdtempSync(join(tmpdir(), 'bertkit-pretrain-'));
const env = { ...process.env, BERTKIT_CACHE: join(work, 'cache'), BERTKIT_SHARED: SHARED, HF_ENDPOINT: 'http://127.0.0.1:9', BERTKIT_PROGRESS: '0' };
const run = (args: string[]) => runCli(args, { cwd: work, env });
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pretrain', () => {
  it('writes DistilBertForMaskedLM with the PyTorch key names, reports the held-out loss, and embeds', async () => {
    // Blank lines are skipped: 240 texts, the last 40 held out.
    const texts = sst2('train', 240).map((l) => l.split('\t')[0] as string);
    writeFileSync(join(work, 'corpus.txt'), `${texts.slice(0, 120).join('\n')}\n\n${texts.slice(120).join('\n')}\n`);
    const r = await run(['pretrain', '--model', TINY, '--corpus', 'corpus.txt', '--steps', '20', '--batch', '8', '--lr', '1e-3', '--eval-lines', '40', '--eval-every', '10', '--threads', '1', '--out', 'mlm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/corpus: 200 training lines, 40 held out/);
    const summary = JSON.parse(r.stdout);
    expect(summary.task).toBe('masked-lm');
    expect(summary.steps).toBe(20);
    // Held-out loss at steps 10 and 20: finite, near ln(vocab) for a random model, reported per evaluation.
    expect(r.stderr.match(/^eval .*step (10|20): .*loss/gm)).toHaveLength(2);
    expect(Number.isFinite(summary.metrics.loss)).toBe(true);
    expect(summary.metrics.loss).toBeGreaterThan(0);
    expect(summary.metrics.loss).toBeLessThan(2 * Math.log(30522));
    const config = JSON.parse(readFileSync(join(work, 'mlm', 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['DistilBertForMaskedLM']);
    // save_pretrained drops the decoder weight tied to the word embeddings; the reference lists every parameter.
    const reference = safetensorsKeys(join(TINY, 'train-reference', 'mlm-initial.safetensors')).filter((k) => k !== 'vocab_projector.weight');
    expect(safetensorsKeys(join(work, 'mlm', 'model.safetensors'))).toEqual(reference);
    writeFileSync(join(work, 'texts.txt'), 'a quiet film\nloud and bright\n');
    const e = await run(['embed', '--model', 'mlm', 'texts.txt', '--output', 'v.npy']);
    expect(e.code, e.stderr).toBe(0);
  });

  it('bad input: an empty corpus, everything held out, neither --steps nor --epochs', async () => {
    writeFileSync(join(work, 'blank.txt'), '\n\n  \n');
    writeFileSync(join(work, 'small.txt'), 'one\ntwo\n');
    expectUserError(await run(['pretrain', '--model', TINY, '--corpus', 'blank.txt', '--steps', '2', '--out', 'x']), /blank\.txt: no text/);
    expectUserError(await run(['pretrain', '--model', TINY, '--corpus', 'small.txt', '--steps', '2', '--out', 'x']), /small\.txt: 2 non-empty line\(s\), all held out by --eval-lines 500/);
    expectUserError(await run(['pretrain', '--model', TINY, '--corpus', 'small.txt', '--out', 'x']), /give --steps <n> or --epochs <e>/);
    // Whole-word masking, no held-out lines: trains, and no evaluation line is printed.
    const wwm = await run(['pretrain', '--model', TINY, '--corpus', 'small.txt', '--eval-lines', '0', '--whole-word-mask', '--steps', '2', '--threads', '1', '--out', 'wwm']);
    expect(wwm.code, wwm.stderr).toBe(0);
    expect(wwm.stderr).not.toMatch(/^eval/m);
    expect(wwm.stdout).toMatch(/^saved .*wwm: 2 steps/);
    // A Chinese word reference (run_chinese_ref.py's lines): trains with whole-word masking on; a short one is refused.
    writeFileSync(join(work, 'zh.txt'), '我喜欢这部电影\n电影很好看\n');
    writeFileSync(join(work, 'zh.ref'), '[3, 5, 7]\n[2, 4, 5]\n');
    const zh = await run(['pretrain', '--model', TINY, '--corpus', 'zh.txt', '--wwm-ref', 'zh.ref', '--eval-lines', '0', '--steps', '2', '--threads', '1', '--out', 'zh']);
    expect(zh.code, zh.stderr).toBe(0);
    writeFileSync(join(work, 'short.ref'), '[3, 5, 7]\n');
    expectUserError(await run(['pretrain', '--model', TINY, '--corpus', 'zh.txt', '--wwm-ref', 'short.ref', '--eval-lines', '0', '--steps', '2', '--out', 'zh2']), /short\.ref: ends before zh\.txt/);
  });
});
