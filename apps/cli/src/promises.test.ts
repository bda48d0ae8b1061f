// What the README and `--help` promise about the CLI, each checked as a user would see it: exit codes,
// no partial outputs, the bundle's model check, and options whose effect no other test observes. Results
// are compared with an independent computation (the library on the same inputs, or arithmetic done here),
// never with another run of the same command.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '@bertkit/encoder';
import { LogisticRegression } from '@bertkit/heads';
import { WordPieceTokenizer } from '@bertkit/wordpiece';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, SHARED } from './testing/paths.js';
import { expectUserError, jsonLines, runCli } from './testing/run-cli.js';

const TINY = join(SHARED, 'models', 'tiny-random-distilbert');
const TINY_BERT = join(SHARED, 'models', 'tiny-random-bert');
const work = mkdtempSync(join(tmpdir(), 'bertkit-promises-'));
const env = { ...process.env, BERTKIT_CACHE: join(work, 'cache'), BERTKIT_SHARED: SHARED, HF_ENDPOINT: 'http://127.0.0.1:9', BERTKIT_PROGRESS: '0' };
const run = (args: string[], options: { input?: string; nodeArgs?: string[] } = {}) => runCli(args, { cwd: work, env, ...options });
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sst2 = (split: string, n: number) => readFileSync(join(SHARED, 'data/sst2', `${split}.tsv`), 'utf8').split('\n').filter(Boolean).slice(0, n);
const labelsOf = (lines: string[]) => lines.map((l) => l.split('\t')[1]!);
const textsOf = (lines: string[]) => lines.map((l) => l.split('\t')[0]!);
const readF32 = (file: string) => {
  // A copy at offset 0: small files come back inside Node's shared Buffer pool.
  const b = readFileSync(join(work, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};
const train = sst2('train', 400);
const dev = sst2('dev', 120);
beforeAll(() => {
  writeFileSync(join(work, 'train.tsv'), `${train.join('\n')}\n`);
  writeFileSync(join(work, 'dev.txt'), `${textsOf(dev).join('\n')}\n`);
});

/** Class probabilities of `predict --json` lines, row-major in `labels` order. */
const probsOf = (stdout: string, labels: string[]) => jsonLines(stdout).flatMap((l) => labels.map((c) => l.probs[c] as number));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  expect(a.length).toBeGreaterThan(0);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs((a[k] as number) - (b[k] as number)));
  return m;
};

describe('exit codes and partial outputs', () => {
  it('an unexpected failure is an internal error: exit 2, "internal error" and the cause on stderr, no output file', async () => {
    // A preload makes the first JSON serialisation of a token row throw, as a bug inside a command would.
    const preload = `data:text/javascript,${encodeURIComponent(
      "const s = JSON.stringify; JSON.stringify = function (v, ...r) { if (v && typeof v === 'object' && 'ids' in v) throw new TypeError('injected failure'); return s.call(this, v, ...r); };",
    )}`;
    const r = await run(['tokenize', '--tokenizer', TINY, '--text', 'hello world'], { nodeArgs: ['--import', preload] });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^bertkit: internal error: TypeError: injected failure/);
    expect(r.stdout).toBe('');
    // The same command without the fault: exit 0, so the 2 above came from the failure.
    expect((await run(['tokenize', '--tokenizer', TINY, '--text', 'hello world'])).code).toBe(0);
  });

  it('Ctrl-C during predict --output and during train leaves neither the output file nor the bundle (exit 130)', async () => {
    expect((await run(['train', '--model', TINY, '--data', 'train.tsv', '--out', 'b'])).code).toBe(0);
    const glue = readFileSync(join(SHARED, 'data/sst2-glue/train.tsv'), 'utf8').split('\n').slice(1);
    writeFileSync(join(work, 'many.txt'), glue.map((l) => l.split('\t')[0]).join('\n'));
    writeFileSync(join(work, 'many.tsv'), glue.filter(Boolean).join('\n'));
    const interrupt = async (args: string[]) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env: { ...env, BERTKIT_PROGRESS: '1' } });
      let stderr = '';
      const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      // Interrupted once it is visibly working (progress on stderr), not before it started.
      await new Promise<void>((r) => child.stderr.on('data', (d) => ((stderr += d), /\d/.test(stderr) && r())));
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGINT');
      expect(await exit).toBe(130);
      expect(stderr).toContain('no partial output was kept');
    };
    await interrupt(['predict', '--bundle', 'b', '--output', 'p.jsonl', 'many.txt']);
    expect(readdirSync(work).filter((f) => f.startsWith('p.jsonl'))).toEqual([]);
    await interrupt(['train', '--model', TINY_BERT, '--pooling', 'layer-concat', '--data', 'many.tsv', '--no-cache', '--out', 'b2']);
    expect(readdirSync(work).filter((f) => f.startsWith('b2'))).toEqual([]);
  });

  it('a bundle refuses a model whose bytes differ from the one it was trained on', async () => {
    const model = join(work, 'model-copy');
    cpSync(TINY, model, { recursive: true });
    expect((await run(['train', '--model', model, '--data', 'train.tsv', '--out', 'b-copy'])).code).toBe(0);
    expect((await run(['predict', '--bundle', 'b-copy'], { input: 'fine\n' })).code).toBe(0);
    const onnx = join(model, 'onnx', 'model.onnx');
    const bytes = readFileSync(onnx);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    writeFileSync(onnx, bytes);
    expectUserError(await run(['predict', '--bundle', 'b-copy'], { input: 'fine\n' }), /is not the model this bundle was trained with \(sha256 [0-9a-f]{12}\.\.\., bundle expects [0-9a-f]{12}\.\.\.\)/);
    expectUserError(await run(['eval', '--bundle', 'b-copy', '--data', 'train.tsv']), /is not the model this bundle was trained with/);
  });
});

describe('options whose effect is checked against the library', () => {
  it('tokenize --text/--text-pair, --max-length, --header', async () => {
    const tok = WordPieceTokenizer.fromFile(join(SHARED, 'tokenizers/bert-base-uncased'));
    const dir = join(SHARED, 'tokenizers/bert-base-uncased');
    const text = 'A visually stunning rumination on love, memory, history and the war between art and commerce.';
    const one = jsonLines((await run(['tokenize', '--tokenizer', dir, '--text', text, '--text-pair', 'second one'])).stdout);
    expect(one).toHaveLength(1);
    expect(one[0].ids).toEqual(tok.encode(text, 'second one').ids);
    const cut = jsonLines((await run(['tokenize', '--tokenizer', dir, '--max-length', '9', '--text', text])).stdout)[0];
    const expected = tok.encode(text, undefined, { truncation: { maxLength: 9 } });
    expect(cut.ids).toHaveLength(9);
    expect(cut.ids).toEqual(expected.ids);
    expect(cut.offsets).toEqual(expected.offsets);
    const headed = jsonLines((await run(['tokenize', '--tokenizer', dir, '--header'], { input: 'sentence\nfirst row\nsecond row\n' })).stdout);
    expect(headed.map((l) => l.ids)).toEqual(['first row', 'second row'].map((t) => tok.encode(t).ids));
  });

  it('embed --pair and --long window equal Encoder.embed with those options; --header skips a line', async () => {
    const encoder = await Encoder.load(TINY_BERT);
    const pairs: Array<[string, string]> = [
      ['a premise', 'and its hypothesis'],
      ['another premise here', 'short'],
    ];
    writeFileSync(join(work, 'pairs.tsv'), `text\tpair\n${pairs.map((p) => p.join('\t')).join('\n')}\n`);
    expect((await run(['embed', '--model', TINY_BERT, '--pair', '--header', '--output', 'pairs.f32', 'pairs.tsv'])).code).toBe(0);
    const direct = await encoder.embed(pairs);
    expect(maxDiff(readF32('pairs.f32'), direct.data)).toBeLessThan(1e-6);
    // Longer than the model's 512 tokens: windowed, the vector differs from the truncated one.
    const long = Array.from({ length: 700 }, (_, i) => `word${i % 50}`).join(' ');
    writeFileSync(join(work, 'long.txt'), `${long}\nshort one\n`);
    const w = await run(['embed', '--model', TINY_BERT, '--long', 'window', '--output', 'long-w.f32', '--json', 'long.txt']);
    const t = await run(['embed', '--model', TINY_BERT, '--output', 'long-t.f32', 'long.txt']);
    expect([w.code, t.code], w.stderr + t.stderr).toEqual([0, 0]);
    expect(JSON.parse(w.stdout)).toMatchObject({ rows: 2, longInputs: 1 });
    const windowed = await encoder.embed([long, 'short one'], { long: 'window' });
    expect(maxDiff(readF32('long-w.f32'), windowed.data)).toBeLessThan(1e-6);
    const truncated = await encoder.embed([long, 'short one']);
    expect(maxDiff(readF32('long-t.f32'), truncated.data)).toBeLessThan(1e-6);
    // Random weights make every [CLS] vector alike, so the two differ little, but they differ (measured 4.8e-4).
    expect(maxDiff(truncated.data, windowed.data)).toBeGreaterThan(1e-4);
    await encoder.release();
  });

  it('train --class-weight, --max-iter and --standardize: the bundle predicts what the library fitted on the same features', async () => {
    expect((await run(['embed', '--model', TINY, '--output', 'train.f32', 'train.tsv'])).code).toBe(0);
    expect((await run(['embed', '--model', TINY, '--output', 'dev.f32', 'dev.txt'])).code).toBe(0);
    const x = { data: readF32('train.f32'), rows: train.length, cols: 32 };
    const devX = { data: readF32('dev.f32'), rows: dev.length, cols: 32 };
    const y = labelsOf(train);
    const labels = ['0', '1'];
    const cases: Array<[string[], () => LogisticRegression]> = [
      [['--class-weight', 'balanced'], () => new LogisticRegression({ classWeight: 'balanced' }).fit(x, y)],
      [['--max-iter', '3'], () => new LogisticRegression({ maxIter: 3 }).fit(x, y)],
    ];
    for (const [flags, fit] of cases) {
      const out = `b${flags.join('')}`;
      expect((await run(['train', '--model', TINY, '--data', 'train.tsv', ...flags, '--out', out])).code).toBe(0);
      const p = await run(['predict', '--bundle', out, 'dev.txt']);
      expect(maxDiff(probsOf(p.stdout, labels), fit().predictProba(devX).data), flags.join(' ')).toBeLessThan(1e-6);
    }
    // --max-iter 3 stops far from the optimum: its probabilities differ from the default fit's.
    expect(maxDiff(new LogisticRegression({ maxIter: 3 }).fit(x, y).predictProba(devX).data, new LogisticRegression().fit(x, y).predictProba(devX).data)).toBeGreaterThan(1e-4);
    // --standardize against a fit on features standardized here (population std, zero-variance columns kept).
    expect((await run(['train', '--model', TINY, '--data', 'train.tsv', '--standardize', '--out', 'b-std'])).code).toBe(0);
    const mean = new Float64Array(32);
    const sd = new Float64Array(32);
    for (let r = 0; r < x.rows; r++) for (let c = 0; c < 32; c++) mean[c]! += x.data[r * 32 + c]! / x.rows;
    for (let r = 0; r < x.rows; r++) for (let c = 0; c < 32; c++) sd[c]! += (x.data[r * 32 + c]! - mean[c]!) ** 2 / x.rows;
    const scale = (m: { data: Float32Array; rows: number; cols: number }) => ({
      ...m,
      data: m.data.map((v, k) => (v - mean[k % 32]!) / (Math.sqrt(sd[k % 32]!) || 1)),
    });
    const manual = new LogisticRegression().fit(scale(x), y);
    const p = await run(['predict', '--bundle', 'b-std', 'dev.txt']);
    expect(maxDiff(probsOf(p.stdout, labels), manual.predictProba(scale(devX)).data)).toBeLessThan(1e-4);
  });

  it('train --no-cache embeds again; without it the second run reads the feature cache', async () => {
    const a = await run(['train', '--model', TINY, '--data', 'train.tsv', '--C', '0.5', '--out', 'nc1']);
    const b = await run(['train', '--model', TINY, '--data', 'train.tsv', '--C', '0.5', '--out', 'nc2']);
    const c = await run(['train', '--model', TINY, '--data', 'train.tsv', '--C', '0.5', '--no-cache', '--out', 'nc3']);
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    expect(b.stdout).toContain('from the feature cache');
    expect(c.stdout).not.toContain('from the feature cache');
    expect(readFileSync(join(work, 'nc3', 'head.json'), 'utf8')).toBe(readFileSync(join(work, 'nc2', 'head.json'), 'utf8'));
  });

  it('quantize --per-tensor and --no-embeddings: different graphs, each close to fp32', async () => {
    const made = await run(['random-model', '--output', 'rq', '--arch', 'bert', '--hidden', '64', '--layers', '2', '--heads', '4', '--intermediate', '128', '--seed', '5']);
    expect(made.code, made.stderr).toBe(0);
    const fp32 = await Encoder.load(join(work, 'rq'));
    const texts = textsOf(dev).slice(0, 40);
    const reference = await fp32.embed(texts, { pooling: 'mean' });
    await fp32.release();
    const sizes: Record<string, number> = {};
    for (const [name, flags] of [['default', []], ['per-tensor', ['--per-tensor']], ['no-emb', ['--no-embeddings']]] as const) {
      const out = join(work, `rq-${name}.onnx`);
      const q = await run(['quantize', 'rq', '--output', out, ...flags]);
      expect(q.code, q.stderr).toBe(0);
      sizes[name] = statSync(out).size;
      cpSync(join(work, 'rq'), join(work, `rq-${name}`), { recursive: true });
      cpSync(out, join(work, `rq-${name}`, 'onnx', 'model.onnx'));
      const enc = await Encoder.load(join(work, `rq-${name}`));
      const e = await enc.embed(texts, { pooling: 'mean' });
      await enc.release();
      // Cosine of each row with fp32: int8 keeps the direction (random weights, so a loose bar).
      for (let r = 0; r < texts.length; r++) {
        let dot = 0;
        let na = 0;
        let nb = 0;
        for (let c = 0; c < 64; c++) {
          const a = e.data[r * 64 + c]!;
          const b = reference.data[r * 64 + c]!;
          dot += a * b;
          na += a * a;
          nb += b * b;
        }
        expect(dot / Math.sqrt(na * nb), `${name} row ${r}`).toBeGreaterThan(0.98);
      }
    }
    // The word-embedding table (30,522 x 64) stays float32 with --no-embeddings: 3 more bytes a value.
    expect(sizes['no-emb']! - sizes.default!).toBeGreaterThan(30522 * 64 * 3 * 0.95);
    // Per-tensor keeps one scale per matrix instead of one per output column: a smaller file, same int8 bulk.
    expect(sizes['per-tensor']!).toBeLessThan(sizes.default!);
    expect(sizes.default! - sizes['per-tensor']!).toBeLessThan(64 * 1024);
    expect(existsSync(join(work, 'rq', 'onnx', 'model_quantized.onnx'))).toBe(false);
  });
});
