// `bertkit finetune` end to end (issue 15, Must show 5): the directory it writes loads in `predict --model`
// and `serve --model` and gives exactly the predictions the training process reported on the same dev
// data; its config and safetensors keys are those of the Hugging Face class (compared with real
// fine-tuned checkpoints from the Hub in ../shared, not with our own writer).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conllText } from '@bertkit/trainer';
import { type NativeTokenizer, loadTokenizer } from '@bertkit/wordpiece';
import { afterAll, describe, expect, it } from 'vitest';
import { post, ServeHarness } from './serve/test-harness.js';
import { SHARED } from './testing/paths.js';
import { plantedConll, plantedSentences } from './testing/planted-ner.js';
import { jsonLines, runCli } from './testing/run-cli.js';
import { TINY, TINY_BERT, keyScheme, safetensorsKeys, sst2 } from './testing/training.js';

const work = mkdtempSync(join(tmpdir(), 'bertkit-finetune-'));
const env = { ...process.env, BERTKIT_CACHE: join(work, 'cache'), BERTKIT_SHARED: SHARED, HF_ENDPOINT: 'http://127.0.0.1:9', BERTKIT_PROGRESS: '0' };
const run = (args: string[], input?: string) => runCli(args, { cwd: work, env, ...(input === undefined ? {} : { input }) });
const h = new ServeHarness();
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  h.stopAll();
});

const fixture = (name: string) => join(SHARED, 'models', name);
const config = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
/** The key scheme of our output equals the real checkpoint's, and the depth is the stand-in's. */
function expectKeysLike(out: string, realCheckpoint: string, layers: number) {
  const keys = safetensorsKeys(join(out, 'model.safetensors'));
  expect(keyScheme(keys)).toEqual(keyScheme(safetensorsKeys(join(realCheckpoint, 'model.safetensors'))));
  expect(new Set(keys.map((k) => /\.layer\.(\d+)\./.exec(k)?.[1]).filter(Boolean)).size).toBe(layers);
}

/**
 * SST-2 lines with the label planted as a first word: a tiny random model learns that within an epoch
 * whatever its dropout stream, so the run predicts both classes (plain SST-2 on 300 lines only did by luck).
 */
const planted = (lines: string[]) => lines.map((l) => `${l.split('\t')[1] === '1' ? 'wonderful' : 'awful'} ${l}`);

describe('finetune classify: round trip through predict and serve', () => {
  const dev = planted(sst2('dev', 60));
  const texts = dev.map((l) => l.split('\t')[0] as string);

  it('predict --model OUT and serve --model OUT give exactly the dev predictions of the run; HF DistilBertForSequenceClassification layout', async () => {
    writeFileSync(join(work, 'train.tsv'), `${planted(sst2('train', 300)).join('\n')}\n`);
    writeFileSync(join(work, 'dev.tsv'), `${dev.join('\n')}\n`);
    writeFileSync(join(work, 'dev.txt'), `${texts.join('\n')}\n`);
    const r = await run(['finetune', '--model', TINY, '--data', 'train.tsv', '--dev', 'dev.tsv', '--epochs', '3', '--lr', '1e-2', '--batch', '16', '--threads', '1', '--out', 'sst2-out', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.task).toBe('classify');
    expect(summary.tokensPerSecond).toBeGreaterThan(0);
    expect(summary.peakRssBytes).toBeGreaterThan(0);
    expect(summary.best.metrics.accuracy).toBeGreaterThan(0.9);
    // One evaluation line per epoch on stderr.
    expect(r.stderr.match(/^eval epoch .* accuracy/gm)).toHaveLength(3);
    const reported = summary.best.predictions as number[];
    expect(reported).toHaveLength(texts.length);
    // The reported accuracy is the accuracy of the reported predictions (labels sorted: 0, 1).
    const gold = dev.map((l) => Number(l.split('\t')[1]));
    expect(summary.best.metrics.accuracy).toBeCloseTo(reported.filter((p, i) => p === gold[i]).length / gold.length, 10);

    const out = join(work, 'sst2-out');
    const c = config(out);
    expect(c.architectures).toEqual(['DistilBertForSequenceClassification']);
    expect(c.id2label).toEqual({ 0: '0', 1: '1' });
    expect(c.label2id).toEqual({ 0: 0, 1: 1 });
    expectKeysLike(out, fixture('distilbert-sst2'), config(TINY).n_layers);

    const p = await run(['predict', '--model', 'sst2-out', 'dev.txt']);
    expect(p.code, p.stderr).toBe(0);
    const predicted = jsonLines(p.stdout).map((l) => l.label);
    expect(predicted).toEqual(reported.map((k) => c.id2label[k]));

    const s = await h.serve(['--model', `ft=${out}`, '--log-level', 'silent']);
    const served: string[] = [];
    // The server takes at most 32 texts per request.
    for (let i = 0; i < texts.length; i += 32) {
      const body = (await (await post(`${s.url}/v1/models/ft/predict`, { texts: texts.slice(i, i + 32) })).json()) as { predictions: Array<{ label: string }> };
      expect(body.predictions, JSON.stringify(body)).toBeDefined();
      served.push(...body.predictions.map((x) => x.label));
    }
    expect(served).toEqual(predicted);
    // Both classes occur, so a constant answer could not pass.
    expect(new Set(predicted).size).toBe(2);
  });
});

describe('finetune ner: first-subword labels, round trip, BertForTokenClassification layout', () => {
  it('predict --model OUT tags the words the run predicted; serve --model OUT gives the same entities', async () => {
    writeFileSync(join(work, 'ner-train.txt'), plantedConll(plantedSentences(200, 1)));
    const devSentences = plantedSentences(30, 7);
    writeFileSync(join(work, 'ner-dev.txt'), plantedConll(devSentences));
    const r = await run(['finetune', '--task', 'ner', '--model', TINY_BERT, '--data', 'ner-train.txt', '--dev', 'ner-dev.txt', '--epochs', '3', '--lr', '3e-3', '--batch', '16', '--threads', '1', '--out', 'ner-out', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    const out = join(work, 'ner-out');
    const c = config(out);
    expect(c.architectures).toEqual(['BertForTokenClassification']);
    // Sorted tag names, as run_ner numbers them.
    expect(Object.values(c.id2label)).toEqual(['B-LOC', 'B-ORG', 'B-PER', 'O']);
    expectKeysLike(out, fixture('bert-ner'), config(TINY_BERT).num_hidden_layers);
    // The run's predictions: one label id per labelled position, i.e. per CoNLL word.
    const reported = summary.best.predictions as number[][];
    expect(reported.map((p) => p.length)).toEqual(devSentences.map((s) => s.words.length));
    // The run found entities, so the comparison below is not between two all-"O" taggings.
    expect(reported.flat().filter((k) => c.id2label[k] !== 'O').length).toBeGreaterThan(10);
    const texts = devSentences.map((s) => conllText(s.words).text);
    writeFileSync(join(work, 'ner-dev-texts.txt'), `${texts.join('\n')}\n`);
    const p = await run(['predict', '--model', 'ner-out', '--aggregation', 'none', 'ner-dev-texts.txt']);
    expect(p.code, p.stderr).toBe(0);
    // Every planted name is one token, so per-token entities are per-word tags: rebuild word tags from them.
    const lines = jsonLines(p.stdout) as Array<{ entities: Array<{ entity: string; start: number }> }>;
    lines.forEach((line, i) => {
      const { starts } = conllText(devSentences[i]!.words);
      const tags = starts.map(() => 'O');
      for (const e of line.entities) {
        const w = starts.indexOf(e.start);
        if (w !== -1) tags[w] = e.entity;
      }
      expect(tags).toEqual(reported[i]!.map((k) => c.id2label[k]));
    });
    // serve --model OUT answers as predict --model OUT does (default aggregation).
    const cli = await run(['predict', '--model', 'ner-out', 'ner-dev-texts.txt']);
    const server = await h.serve(['--model', `ner=${out}`, '--log-level', 'silent']);
    const served = (await (await post(`${server.url}/v1/models/ner/predict`, { texts })).json()) as { predictions: unknown[] };
    expect(served.predictions).toEqual(jsonLines(cli.stdout));
  });
});

describe('finetune qa: windows, round trip, DistilBertForQuestionAnswering layout', () => {
  it('writes a QA model whose predict answers are the spans the run predicted; serve --model OUT gives the same answers', async () => {
    const context = (i: number) => `the meeting in ${['paris', 'lagos', 'lima', 'oslo'][i % 4]} was held on ${['monday', 'friday', 'sunday'][i % 3]} by the council .`;
    const rows = Array.from({ length: 120 }, (_, i) => {
      const c = context(i);
      const answer = ['paris', 'lagos', 'lima', 'oslo'][i % 4] as string;
      return { question: 'where was the meeting ?', context: c, answers: { text: [answer], answer_start: [c.indexOf(answer)] } };
    });
    writeFileSync(join(work, 'qa-train.jsonl'), rows.slice(0, 100).map((x) => JSON.stringify(x)).join('\n'));
    writeFileSync(join(work, 'qa-dev.jsonl'), rows.slice(100).map((x) => JSON.stringify(x)).join('\n'));
    const r = await run(['finetune', '--task', 'qa', '--model', TINY, '--data', 'qa-train.jsonl', '--dev', 'qa-dev.jsonl', '--epochs', '3', '--lr', '3e-3', '--batch', '16', '--threads', '1', '--out', 'qa-out', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = join(work, 'qa-out');
    expect(config(out).architectures).toEqual(['DistilBertForQuestionAnswering']);
    expectKeysLike(out, fixture('distilbert-qa'), config(TINY).n_layers);
    const summary = JSON.parse(r.stdout);
    expect(summary.best.predictions).toHaveLength(20);
    const p = await run(['predict', '--model', 'qa-out', '-'], rows.slice(100).map((x) => JSON.stringify({ question: x.question, context: x.context })).join('\n'));
    expect(p.code, p.stderr).toBe(0);
    const answers = jsonLines(p.stdout) as Array<{ answer: string; start: number; end: number }>;
    expect(answers).toHaveLength(20);
    answers.forEach((a, i) => expect(rows[100 + i]!.context.slice(a.start, a.end)).toBe(a.answer));
    // Where the run's best span (over every position, up to 30 tokens) lies in the context and is at most 15
    // tokens, it is also the pipeline's best context span (same logits, a subset of spans): the same text.
    const tokenizer = loadTokenizer(TINY) as NativeTokenizer;
    let compared = 0;
    (summary.best.predictions as Array<[number, number]>).forEach(([s0, e0], i) => {
      const q = rows[100 + i]!;
      const e = tokenizer.encode(q.question, q.context, { padding: false });
      if (e.sequenceIds[s0] !== 1 || e.sequenceIds[e0] !== 1 || e0 - s0 >= 15) return;
      expect(answers[i]!.start).toBe(e.offsets[s0]![0]);
      expect(answers[i]!.end).toBe(e.offsets[e0]![1]);
      compared++;
    });
    expect(compared).toBeGreaterThan(10);
    const server = await h.serve(['--model', `qa=${out}`, '--log-level', 'silent']);
    const questions = rows.slice(100).map((x) => ({ question: x.question, context: x.context }));
    const served = (await (await post(`${server.url}/v1/models/qa/predict`, { questions })).json()) as { predictions: Array<{ answer: string; start: number; end: number }> };
    expect(served.predictions.map((a) => [a.answer, a.start, a.end])).toEqual(answers.map((a) => [a.answer, a.start, a.end]));
  });
});

describe('finetune --model <hub id>', () => {
  it('trains the snapshot of a repository in the Hugging Face cache (no network)', async () => {
    const hub = join(work, 'hf', 'hub');
    const repo = join(hub, 'models--test--tiny');
    const commit = 'a'.repeat(40);
    mkdirSync(join(repo, 'refs'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'main'), commit);
    cpSync(TINY, join(repo, 'snapshots', commit), { recursive: true });
    writeFileSync(join(work, 'small.tsv'), `${sst2('train', 32).join('\n')}\n`);
    const r = await runCli(['finetune', '--model', 'test/tiny', '--data', 'small.tsv', '--max-steps', '2', '--threads', '1', '--out', 'hub-out', '--json'], { cwd: work, env: { ...env, HF_HUB_CACHE: hub } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).steps).toBe(2);
    expect(config(join(work, 'hub-out')).architectures).toEqual(['DistilBertForSequenceClassification']);
    const missing = await runCli(['finetune', '--model', 'test/absent', '--data', 'small.tsv', '--out', 'x'], { cwd: work, env: { ...env, HF_HUB_CACHE: hub } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/model "test\/absent" is not a local path and is not in the Hugging Face cache/);
  });
});
