// The CLI as a user runs it: a subprocess per command, on shared data and the stand-in models, asserting
// on outputs, files and exit codes. Needs the build (pnpm test runs it first).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '@bertkit/encoder';
import { LogisticRegression } from '@bertkit/heads';
import { squadScores } from '@bertkit/trainer';
import { WordPieceTokenizer } from '@bertkit/wordpiece';
import { BIN, SHARED } from './testing/paths.js';
import { expectUserError, jsonLines, runCli } from './testing/run-cli.js';
import { plantedConll, plantedSentences } from './testing/planted-ner.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TINY = join(SHARED, 'models', 'tiny-random-distilbert');
const TINY_BERT = join(SHARED, 'models', 'tiny-random-bert');
const work = mkdtempSync(join(tmpdir(), 'bertkit-cli-'));
const env = { ...process.env, BERTKIT_CACHE: join(work, 'cache'), BERTKIT_SHARED: SHARED, HF_ENDPOINT: 'http://127.0.0.1:9', BERTKIT_PROGRESS: '0' };
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) => runCli(args, { cwd: work, env: { ...env, ...options.env }, input: options.input });

const sst2 = (split: string, n: number) => readFileSync(join(SHARED, 'data/sst2', `${split}.tsv`), 'utf8').split('\n').filter(Boolean).slice(0, n);
let trainFile: string;
let devFile: string;
beforeAll(() => {
  trainFile = join(work, 'train.tsv');
  devFile = join(work, 'dev.tsv');
  writeFileSync(trainFile, `${sst2('train', 800).join('\n')}\n`);
  writeFileSync(devFile, `${sst2('dev', 300).join('\n')}\n`);
  writeFileSync(join(work, 'texts.txt'), `${sst2('dev', 40).map((l) => l.split('\t')[0]!).join('\n')}\n`);
});

describe('help and usage', () => {
  it('every command has --help (exit 0); unknown commands and options are one-line usage errors (exit 1)', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    const commands = ['demo', 'pull', 'tokenize', 'embed', 'train', 'eval', 'predict', 'serve', 'convert', 'random-model', 'quantize'];
    for (const c of commands) expect(top.stdout).toContain(c);
    for (const c of commands) {
      const r = await run([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`bertkit ${c}`);
    }
    expectUserError(await run(['frobnicate']), /unknown command "frobnicate"/);
    expectUserError(await run(['embed', '--model', TINY, '--poolin', 'cls']), /Unknown option '--poolin'/);
    expectUserError(await run(['embed', '--model', TINY, '--pooling', 'median']), /--pooling must be one of cls, mean, max, mean-sqrt-len, weighted-mean, last-token, layer-concat; got "median"/);
  });
});

describe('tokenize', () => {
  it('JSON lines identical to @bertkit/wordpiece, with pairs from TAB-separated lines', async () => {
    const tok = join(SHARED, 'tokenizers/bert-base-uncased');
    const lines = ['Héllo, world! naïve café', 'a visually stunning rumination on love\tsecond sentence'];
    const r = await run(['tokenize', '--tokenizer', tok, '--pair'], { input: `${lines[1]}\n` });
    const single = await run(['tokenize', '--tokenizer', tok], { input: `${lines[0]}\n` });
    expect([r.code, single.code]).toEqual([0, 0]);
    const reference = WordPieceTokenizer.fromFile(tok);
    const e0 = reference.encode(lines[0]!);
    expect(jsonLines(single.stdout)[0]).toMatchObject({ ids: e0.ids, tokens: e0.tokens, offsets: e0.offsets, type_ids: e0.typeIds });
    const e1 = reference.encode('a visually stunning rumination on love', 'second sentence');
    const got = jsonLines(r.stdout)[0];
    expect(got).toMatchObject({ ids: e1.ids, type_ids: e1.typeIds, word_ids: e1.wordIds });
    expect(got.type_ids).toContain(1);
  });
});

describe('embed', () => {
  it('.npy, .f32 and .jsonl hold the vectors Encoder.embed computes', async () => {
    const texts = sst2('dev', 40).map((l) => l.split('\t')[0]!);
    const npy = await run(['embed', '--model', TINY_BERT, '--pooling', 'layer-concat', '--output', 'v.npy', '--json', 'texts.txt']);
    expect(npy.code, npy.stderr).toBe(0);
    const summary = JSON.parse(npy.stdout);
    expect(summary).toMatchObject({ rows: 40, pooling: 'layer-concat' });
    // The last four blocks by default; the stand-in has two, 32 wide each.
    expect(summary.dim).toBe(2 * 32);
    const bytes = readFileSync(join(work, 'v.npy'));
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    const headerLength = bytes.readUInt16LE(8);
    expect(bytes.subarray(10, 10 + headerLength).toString('latin1')).toContain("'shape': (40, 64)");
    expect((10 + headerLength) % 64).toBe(0);
    const fromFile = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length));
    const encoder = await Encoder.load(TINY_BERT);
    const direct = await encoder.embed(texts, { pooling: 'layer-concat' });
    await encoder.release();
    expect(fromFile.length).toBe(direct.data.length);
    expect(Math.max(...fromFile.map((v, k) => Math.abs(v - direct.data[k]!)))).toBeLessThan(1e-5);

    expect((await run(['embed', '--model', TINY, '--output', 'v.f32', 'texts.txt'])).code).toBe(0);
    expect(readFileSync(join(work, 'v.f32')).length).toBe(40 * 32 * 4);
    const jsonl = await run(['embed', '--model', TINY, '--normalize', '--pooling', 'mean'], { input: texts.slice(0, 3).join('\n') });
    const rows = jsonLines(jsonl.stdout);
    expect(rows.map((r: { index: number }) => r.index)).toEqual([0, 1, 2]);
    expect(Math.hypot(...rows[0].embedding)).toBeCloseTo(1, 5);
  });
});

describe('train, eval, predict', () => {
  it('classify: grid search with CV, the feature cache on a second run, eval matching a fit on the embedded features', async () => {
    const first = await run(['train', '--model', TINY, '--data', trainFile, '--grid', '0.01..100:5', '--cv', '3', '--out', 'sst2', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result.metrics.grid.results).toHaveLength(5);
    expect(result.labels).toEqual(['0', '1']);
    const bundle = JSON.parse(readFileSync(join(work, 'sst2', 'bundle.json'), 'utf8'));
    expect(bundle).toMatchObject({ format: 'bertkit-bundle', version: 1, task: 'classify', labels: ['0', '1'], data: { rows: 800 } });
    expect(bundle.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    const second = await run(['train', '--model', TINY, '--data', trainFile, '--C', String(result.metrics.grid.bestC), '--out', 'sst2-c']);
    expect(second.stdout).toContain('from the feature cache');

    const evaluation = await run(['eval', '--bundle', 'sst2-c', '--data', devFile, '--json']);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const report = JSON.parse(evaluation.stdout);
    expect(report.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(300);
    // The same numbers from the features `bertkit embed` writes, fitted in-process: what a scikit-learn
    // user does with the .npy (README, Python interop).
    for (const [file, out] of [[trainFile, 'train.f32'], [devFile, 'dev.f32']]) expect((await run(['embed', '--model', TINY, '--output', out!, file!])).code).toBe(0);
    const read = (f: string) => new Float32Array(readFileSync(join(work, f)).buffer.slice(0));
    const label = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => l.split('\t')[1]!);
    const lr = new LogisticRegression({ C: result.metrics.grid.bestC }).fit({ data: read('train.f32'), rows: 800, cols: 32 }, label(trainFile));
    expect(lr.score({ data: read('dev.f32'), rows: 300, cols: 32 }, label(devFile))).toBeCloseTo(report.accuracy, 10);

    const text = await run(['eval', '--bundle', 'sst2-c', '--data', devFile]);
    expect(text.stdout).toMatch(/accuracy \d+\.\d\d% on 300 examples/);
    expect(text.stdout).toContain('confusion matrix');
    const predicted = await run(['predict', '--bundle', 'sst2-c'], { input: 'a visually stunning rumination on love\nboring\n' });
    const lines = jsonLines(predicted.stdout);
    expect(lines).toHaveLength(2);
    expect(['0', '1']).toContain(lines[0].label);
    expect(lines[0].probs['0'] + lines[0].probs['1']).toBeCloseTo(1, 10);
    expect(lines[0].score).toBe(Math.max(lines[0].probs['0'], lines[0].probs['1']));
  });

  const python = ['/usr/bin/python3', 'python3'].find((p) => {
    try {
      return execFileSync(p, ['-c', 'import sklearn, numpy'], { stdio: 'ignore' }) !== undefined;
    } catch {
      return false;
    }
  });
  // In CI the oracle must be there (.ci/run installs it): a missing scikit-learn fails instead of skipping.
  it.runIf(python || process.env.CI)('classify: eval and predict give what scikit-learn fitted on the .npy files embed writes predicts', async () => {
    if (!python) throw new Error('scikit-learn is missing: python3 -c "import sklearn, numpy" failed (CI installs python3-sklearn)');
    for (const [file, out] of [[trainFile, 'train.npy'], [devFile, 'dev.npy']]) expect((await run(['embed', '--model', TINY_BERT, '--pooling', 'mean', '--output', out!, file!])).code).toBe(0);
    expect((await run(['train', '--model', TINY_BERT, '--pooling', 'mean', '--data', trainFile, '--out', 'sk'])).code).toBe(0);
    const ours = JSON.parse((await run(['eval', '--bundle', 'sk', '--data', devFile, '--json'])).stdout).accuracy;
    const script = `
import numpy as np
from sklearn.linear_model import LogisticRegression
labels = lambda f: [line.rstrip("\\n").rsplit("\\t", 1)[1] for line in open(f, encoding="utf-8")]
clf = LogisticRegression(C=1.0).fit(np.load("train.npy"), labels(${JSON.stringify(trainFile)}))
print(clf.score(np.load("dev.npy"), labels(${JSON.stringify(devFile)})))
print(" ".join(clf.predict(np.load("dev.npy"))))`;
    const [score, predictedBySklearn] = execFileSync(python!, ['-W', 'ignore', '-c', script], { cwd: work, encoding: 'utf8' }).trim().split('\n');
    expect(ours).toBeCloseTo(Number(score), 10);
    const texts = readFileSync(devFile, 'utf8').trim().split('\n').map((l) => l.split('\t')[0]!);
    const predicted = jsonLines((await run(['predict', '--bundle', 'sk'], { input: `${texts.join('\n')}\n` })).stdout).map((l) => l.label);
    expect(predicted).toHaveLength(300);
    expect(predicted).toEqual(predictedBySklearn!.split(' '));
  });

  const conllFile = plantedConll;

  it('ner: entity F1 on planted entities well above a constant tagger (0), entities with offsets that slice the input', async () => {
    writeFileSync(join(work, 'ner-train.txt'), conllFile(plantedSentences(300, 1)));
    const valid = plantedSentences(100, 2);
    writeFileSync(join(work, 'ner-valid.txt'), conllFile(valid));
    const trained = await run(['train', '--task', 'ner', '--model', TINY_BERT, '--data', 'ner-train.txt', '--layers', '-1,-2', '--standardize', '--out', 'ner', '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    expect(JSON.parse(trained.stdout).labels).toContain('B-PER');
    const scores = JSON.parse((await run(['eval', '--bundle', 'ner', '--data', 'ner-valid.txt', '--json'])).stdout);
    // The gold count, computed here from the generated tags; a tagger of all O scores F1 0.
    expect(scores.gold).toBe(valid.reduce((n, s) => n + s.tags.filter((t) => t !== 'O').length, 0));
    expect(scores.f1).toBeCloseTo((2 * scores.correct) / (scores.gold + scores.predicted), 10);
    expect(scores.f1).toBeGreaterThan(0.9);
    const text = 'Garcia met officials of Unicef in Oslo .';
    const predicted = jsonLines((await run(['predict', '--bundle', 'ner', '--aggregation', 'first'], { input: `${text}\n` })).stdout);
    expect(predicted[0].entities.map((e: { entity: string; word: string }) => `${e.entity}:${e.word}`)).toEqual(['PER:Garcia', 'ORG:Unicef', 'LOC:Oslo']);
    for (const e of predicted[0].entities) expect(text.slice(e.start, e.end)).toBe(e.word);
  });

  it('qa on SQuAD-style JSON lines: EM/F1 equal SQuAD metrics of the answers, above no-answer and random words', async () => {
    // One question type: a linear span head on random features cannot tell the questions apart, but can
    // learn where a person's name is. Sentences without a person give unanswerable rows.
    const ASK = { PER: 'which person is mentioned ?' } as const;
    const rows = plantedSentences(160, 3).flatMap((s) => {
      const context = s.words.join(' ');
      return Object.entries(ASK).map(([type, question]) => {
        const k = s.tags.indexOf(`B-${type}`);
        if (k < 0) return { question, context, answers: { text: [] as string[], answer_start: [] as number[] } };
        const start = s.words.slice(0, k).join(' ').length + (k > 0 ? 1 : 0);
        return { question, context, answers: { text: [s.words[k]!], answer_start: [start] } };
      });
    });
    writeFileSync(join(work, 'qa.jsonl'), rows.slice(0, 120).map((r) => JSON.stringify(r)).join('\n'));
    writeFileSync(join(work, 'qa-dev.jsonl'), rows.slice(120).map((r) => JSON.stringify(r)).join('\n'));
    const dev = rows.slice(120);
    const trained = await run(['train', '--task', 'qa', '--model', TINY_BERT, '--data', 'qa.jsonl', '--out', 'qa', '--stride', '16']);
    expect(trained.code, trained.stderr).toBe(0);
    const scores = JSON.parse((await run(['eval', '--bundle', 'qa', '--data', 'qa-dev.jsonl', '--json'])).stdout);
    const answers = jsonLines((await run(['predict', '--bundle', 'qa'], { input: dev.map((r) => JSON.stringify({ question: r.question, context: r.context })).join('\n') })).stdout);
    expect(answers).toHaveLength(dev.length);
    // eval's EM/F1 are SQuAD's metrics of what predict answers, computed here with the library.
    const expected = squadScores(answers.map((a) => a.answer), dev.map((r) => r.answers.text));
    expect(scores.exactMatch).toBeCloseTo(expected.exactMatch, 8);
    expect(scores.f1).toBeCloseTo(expected.f1, 8);
    // Always "no answer" scores the unanswerable share; a random word of the context about 1 in 7 of the rest.
    const noAnswer = squadScores(dev.map(() => ''), dev.map((r) => r.answers.text)).exactMatch;
    expect(noAnswer).toBeLessThan(30);
    expect(scores.exactMatch).toBeGreaterThan(noAnswer + 40);
    const answered = answers.filter((a) => a.start >= 0);
    expect(answered.length).toBeGreaterThan(0);
    for (const a of answered) expect(dev[answers.indexOf(a)]!.context.slice(a.start, a.end)).toBe(a.answer);
  });
});

describe('model tools', () => {
  it('convert, random-model and quantize; their outputs load and embed', async () => {
    const checkpoint = join(work, 'ckpt');
    mkdirSync(checkpoint);
    for (const f of readdirSync(TINY_BERT)) if (!['onnx', 'reference.json'].includes(f)) cpSync(join(TINY_BERT, f), join(checkpoint, f), { recursive: true });
    const converted = await run(['convert', checkpoint, '--output', 'converted', '--json']);
    expect(converted.code, converted.stderr).toBe(0);
    expect(JSON.parse(converted.stdout)).toMatchObject({ arch: 'bert' });
    const a = await run(['embed', '--model', 'converted', '--output', 'a.f32', 'texts.txt']);
    const b = await run(['embed', '--model', TINY_BERT, '--output', 'b.f32', 'texts.txt']);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [va, vb] = ['a.f32', 'b.f32'].map((f) => new Float32Array(readFileSync(join(work, f)).buffer.slice(0)));
    expect(Math.max(...va!.map((v, k) => Math.abs(v - vb![k]!)))).toBeLessThan(1e-5);

    const made = await run(['random-model', '--output', 'rand', '--arch', 'bert', '--hidden', '64', '--layers', '2', '--heads', '4', '--intermediate', '128', '--seed', '3', '--json']);
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ seed: 3, shape: { arch: 'bert', hidden: 64 } });
    const q = await run(['quantize', 'rand', '--json']);
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout).matmuls).toBeGreaterThan(0);
    expect(existsSync(join(work, 'rand', 'onnx', 'model_quantized.onnx'))).toBe(true);
    const e = await run(['embed', '--model', 'rand', '--quantized', '--output', 'q.npy', '--json', 'texts.txt']);
    expect(JSON.parse(e.stdout)).toMatchObject({ rows: 40, dim: 64 });
  });
});

describe('bad input', () => {
  it('missing column, ragged row, unseen label, unreadable file, not a model, foreign bundle: one line, exit 1', async () => {
    writeFileSync(join(work, 'ragged.tsv'), 'good film\t1\nbad film\t0\textra\n');
    expectUserError(await run(['train', '--model', TINY, '--data', 'ragged.tsv', '--out', 'x']), /ragged\.tsv:2: row has 3 column\(s\), the first row has 2/);
    expectUserError(await run(['train', '--model', TINY, '--data', trainFile, '--label-col', '5', '--out', 'x']), /label column 5 does not exist \(rows have 2 columns\)/);
    writeFileSync(join(work, 'unseen.tsv'), 'good film\t1\nodd film\t7\n');
    expectUserError(await run(['eval', '--bundle', 'sst2-c', '--data', 'unseen.tsv']), /unseen\.tsv:2: label "7" was not seen in training/);
    expectUserError(await run(['train', '--model', TINY, '--data', 'nope.tsv', '--out', 'x']), /nope\.tsv: cannot read \(ENOENT\)/);
    expectUserError(await run(['embed', '--model', work], { input: 'x' }), /is not a model directory: it has no config\.json/);
    mkdirSync(join(work, 'old-bundle'));
    writeFileSync(join(work, 'old-bundle', 'bundle.json'), JSON.stringify({ format: 'bertkit-bundle', version: 99 }));
    writeFileSync(join(work, 'old-bundle', 'head.json'), '{}');
    expectUserError(await run(['predict', '--bundle', 'old-bundle'], { input: 'x' }), /bundle format version 99, this bertkit reads version 1/);
    expect(existsSync(join(work, 'x'))).toBe(false);
  });

  it('Ctrl-C during embed leaves no output file, partial or complete (exit 130)', async () => {
    const glue = readFileSync(join(SHARED, 'data/sst2-glue/train.tsv'), 'utf8').split('\n').slice(1).map((l) => l.split('\t')[0]);
    writeFileSync(join(work, 'big.txt'), glue.concat(glue).join('\n'));
    const child = spawn(process.execPath, [BIN, 'embed', '--model', TINY_BERT, '--pooling', 'layer-concat', '--output', 'big.npy', 'big.txt'], { cwd: work, env: { ...env, BERTKIT_PROGRESS: '1' } });
    let stderr = '';
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await new Promise<void>((r) => child.stderr.on('data', (d) => ((stderr += d), stderr.includes('sentences/s') && r())));
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(stderr).toContain('interrupted (SIGINT); no partial output was kept');
    expect(readdirSync(work).filter((f) => f.startsWith('big.npy'))).toEqual([]);
  });
});

describe('demo', () => {
  it('runs the seed workflow with the stand-in: stages timed, accuracies, the example predictions, a bundle', async () => {
    const r = await run(['demo', '--json', '--out', 'demo-bundle']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.standIn).toBe(true);
    expect(out.stages.map((s: { name: string }) => s.name)).toEqual(['load model', 'tokenize', 'embed', 'fit', 'eval']);
    // The accuracy of the recipe done here with the library on the same model: [CLS] features, C=1.
    const encoder = await Encoder.load(out.model);
    const read = (split: string) => readFileSync(join(SHARED, 'data/sst2', `${split}.tsv`), 'utf8').trim().split('\n').map((l) => l.split('\t'));
    const [trainRows, devRows] = [read('train'), read('dev')];
    const x = await encoder.embed(trainRows.map((r) => r[0]!));
    const devX = await encoder.embed(devRows.map((r) => r[0]!));
    await encoder.release();
    const lr = new LogisticRegression({ C: 1 }).fit({ data: x.data, rows: x.rows, cols: x.dim }, trainRows.map((r) => r[1]!));
    expect(out.devAccuracy).toBeCloseTo(lr.score({ data: devX.data, rows: devX.rows, cols: devX.dim }, devRows.map((r) => r[1]!)), 10);
    expect(out.predictions[0].text).toBe('a visually stunning rumination on love');
    expect(r.stderr).toContain('random weights');
    expect(existsSync(join(work, 'demo-bundle', 'head.json'))).toBe(true);
  });
});
