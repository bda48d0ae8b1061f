// The seed workflow on every architecture the converter builds: `bertkit random-model --preset <family>`
// then `bertkit demo --model` (embed, fit, eval, bundle, predictions) on a slice of SST-2, and the
// random model's tokenizer is the family's own (byte-level BPE for RoBERTa, WordPiece + <s> for MPNet).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED } from './testing/paths.js';
import { jsonLines, runCli } from './testing/run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'bertkit-families-'));
const env = { ...process.env, BERTKIT_CACHE: join(work, 'cache'), BERTKIT_SHARED: SHARED, BERTKIT_PROGRESS: '0' };
const run = (args: string[], input = '') => runCli(args, { cwd: work, env, input });
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  mkdirSync(join(work, 'sst2'));
  for (const [split, n] of [['train', 400], ['dev', 120], ['test', 60]] as const) {
    const lines = readFileSync(join(SHARED, 'data/sst2', `${split}.tsv`), 'utf8').split('\n').filter(Boolean).slice(0, n);
    writeFileSync(join(work, 'sst2', `${split}.tsv`), `${lines.join('\n')}\n`);
  }
});

describe.each([
  ['roberta-tiny', 'roberta', 'Ġvisually'],
  ['albert-tiny', 'albert', null],
  ['electra-tiny', 'electra', 'visually'],
  ['mpnet-tiny', 'mpnet', 'visually'],
] as const)('%s', (preset, arch, token) => {
  it('random-model then demo: every stage runs, a bundle is saved, predictions are printed', async () => {
    const made = await run(['random-model', '--preset', preset, '--output', preset, '--json']);
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout).shape.arch).toBe(arch);
    const demo = await run(['demo', '--model', preset, '--data', join(work, 'sst2'), '--out', `${preset}-bundle`, '--json']);
    expect(demo.code, demo.stderr).toBe(0);
    const out = JSON.parse(demo.stdout);
    expect(out.stages.map((s: { name: string }) => s.name)).toEqual(['load model', 'tokenize', 'embed', 'fit', 'eval']);
    expect(out.devAccuracy).toBeGreaterThanOrEqual(0);
    expect(out.predictions.length).toBeGreaterThan(0);
    const predicted = jsonLines((await run(['predict', '--bundle', `${preset}-bundle`], 'a visually stunning rumination on love\n')).stdout);
    expect(['0', '1']).toContain(predicted[0].label);
    if (token) {
      const t = jsonLines((await run(['tokenize', '--tokenizer', preset, '--text', 'a visually stunning rumination on love'])).stdout)[0];
      expect(t.tokens).toContain(token);
      expect(t.offsets.length).toBe(t.ids.length);
    }
  });
});
