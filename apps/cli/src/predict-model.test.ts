// Fine-tuned transformers models as shipped (or converted from their checkpoint): `bertkit predict
// --model` as a subprocess, and TaskModel's NER and QA, against the fixtures' PyTorch reference logits.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskModel, decodeAnswers, decodeEntities, logitsTokenClassifier, maxAbsDiff } from '@bertkit/encoder';
import { convertCheckpoint } from '@bertkit/onnx-builder';
import type { Encoding, WordPieceTokenizer } from '@bertkit/wordpiece';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, SHARED } from './testing/paths.js';

const work = mkdtempSync(join(tmpdir(), 'bertkit-predict-model-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, BERTKIT_CACHE: join(work, 'cache'), HF_ENDPOINT: 'http://127.0.0.1:9', BERTKIT_PROGRESS: '0' };

function run(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [BIN, ...args], { cwd: work, env }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}
const reference = (name: string) => JSON.parse(readFileSync(join(SHARED, 'models', name, 'reference.json'), 'utf8'));
const softmax = (row: number[]) => {
  const e = row.map((v) => Math.exp(v - Math.max(...row)));
  return e.map((v) => v / e.reduce((a, b) => a + b, 0));
};

/** A converted copy of a shared checkpoint fixture (graph with its task head). */
function converted(name: string): string {
  const dir = join(work, name);
  cpSync(join(SHARED, 'models', name), dir, { recursive: true });
  convertCheckpoint(dir);
  return dir;
}

describe('bertkit predict --model', () => {
  it('distilbert-sst2: NEGATIVE/POSITIVE with the reference probabilities within 1e-4', async () => {
    const batches = reference('distilbert-sst2') as Array<{ texts: string[]; logits: number[][] }>;
    const texts = batches.flatMap((b) => b.texts);
    const logits = batches.flatMap((b) => b.logits);
    writeFileSync(join(work, 'texts.txt'), `${texts.join('\n')}\n`);
    const r = await run(['predict', '--model', join(SHARED, 'models', 'distilbert-sst2'), 'texts.txt']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(9);
    lines.forEach((line, i) => {
      const p = softmax(logits[i]!);
      expect(line.label).toBe(p[1]! > p[0]! ? 'POSITIVE' : 'NEGATIVE');
      expect(maxAbsDiff([line.probs.NEGATIVE, line.probs.POSITIVE], p)).toBeLessThan(1e-4);
      expect(line.score).toBe(Math.max(line.probs.NEGATIVE, line.probs.POSITIVE));
    });
    // Both labels occur, so a constant answer would fail.
    expect(new Set(lines.map((l) => l.label)).size).toBe(2);
  });

  it('a model without a task head: exit 1, one line naming the graph outputs', async () => {
    const r = await run(['predict', '--model', join(SHARED, 'models', 'tiny-random-bert'), '-'], 'hello\n');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no "logits" or "start_logits" and "end_logits" output \(it has last_hidden_state\)/);
  });

  it('NER and QA models print entities and answers with offsets', async () => {
    const ner = converted('bert-ner');
    const qa = converted('distilbert-qa');
    const text = 'My name is Wolfgang and I live in Berlin.';
    const a = await run(['predict', '--model', ner, '--aggregation', 'first', '-'], `${text}\n`);
    expect(a.code, a.stderr).toBe(0);
    const { entities } = JSON.parse(a.stdout);
    expect(entities.length).toBeGreaterThan(0);
    for (const e of entities) expect(text.slice(e.start, e.end)).toBe(e.word);
    const context = 'Paris is the capital and most populous city of France.';
    const b = await run(['predict', '--model', qa, '-'], `${JSON.stringify({ question: 'What is the capital of France?', context })}\n`);
    expect(b.code, b.stderr).toBe(0);
    const answer = JSON.parse(b.stdout);
    expect(context.slice(answer.start, answer.end)).toBe(answer.answer);
    expect(answer.score).toBeGreaterThan(0);
  });
});

describe('TaskModel on converted task checkpoints, against reference logits', () => {
  it('bert-ner: entities equal those decoded from the PyTorch logits, for every aggregation strategy', async () => {
    const model = await TaskModel.load(converted('bert-ner'));
    expect(model.task).toBe('token-classification');
    expect(model.labels).toEqual(['O', 'B-MISC', 'I-MISC', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC']);
    const classifier = logitsTokenClassifier(model.labels);
    let entities = 0;
    for (const batch of reference('bert-ner') as Array<{ texts: string[]; input_ids: number[][]; logits: number[][][] }>) {
      for (const strategy of ['none', 'simple', 'first', 'average', 'max'] as const) {
        const ours = await model.ner(batch.texts, { aggregation: strategy });
        batch.texts.forEach((text, r) => {
          const e = (model.tokenizer as WordPieceTokenizer).encode(text, null, { padding: false }) as Encoding;
          expect(e.ids).toEqual(batch.input_ids[r]!.slice(0, e.ids.length));
          const logits = Float32Array.from(batch.logits[r]!.slice(0, e.ids.length).flat());
          const expected = decodeEntities(classifier, { logits, wordIds: e.wordIds, offsets: e.offsets }, text, strategy);
          expect(ours[r]!.map((x) => [x.entity, x.start, x.end, x.word])).toEqual(expected.map((x) => [x.entity, x.start, x.end, x.word]));
          expect(maxAbsDiff(ours[r]!.map((x) => x.score), expected.map((x) => x.score))).toBeLessThan(1e-4);
          for (const x of ours[r]!) expect(text.slice(x.start, x.end)).toBe(x.word);
          entities += expected.length;
        });
      }
    }
    expect(entities).toBeGreaterThan(20);
    await model.release();
  });

  it('distilbert-qa: answers equal the best span of the PyTorch logits (pipeline scoring, checked by brute force)', async () => {
    const model = await TaskModel.load(converted('distilbert-qa'));
    expect(model.task).toBe('question-answering');
    for (const batch of reference('distilbert-qa') as Array<{ pairs: Array<[string, string]>; input_ids: number[][]; start_logits: number[][]; end_logits: number[][] }>) {
      const ours = await model.answer(batch.pairs.map(([question, context]) => ({ question, context })));
      batch.pairs.forEach(([question, context], r) => {
        const e = (model.tokenizer as WordPieceTokenizer).encode(question, context, { padding: false }) as Encoding;
        const n = e.ids.length;
        expect(e.ids).toEqual(batch.input_ids[r]!.slice(0, n));
        const window = { start: batch.start_logits[r]!.slice(0, n), end: batch.end_logits[r]!.slice(0, n), context: e.sequenceIds.map((s) => s === 1), offsets: e.offsets, cls: 0 };
        const [expected] = decodeAnswers([window], context, { alignToWords: false });
        // Brute force: softmax over [CLS] + context tokens, [CLS] zeroed, every span of at most 15 tokens.
        const allowed = (p: number) => p === 0 || e.sequenceIds[p] === 1;
        const sm = (l: number[]) => softmax(l.map((v, p) => (allowed(p) ? v : -10000)));
        const ps = sm(window.start);
        const pe = sm(window.end);
        let best = { score: -1, a: 0, b: 0 };
        for (let a = 1; a < n; a++) for (let b = a; b < Math.min(n, a + 15); b++) if (allowed(a) && allowed(b) && ps[a]! * pe[b]! > best.score) best = { score: ps[a]! * pe[b]!, a, b };
        expect(expected!.start).toBe(e.offsets[best.a]![0]);
        expect(expected!.end).toBe(e.offsets[best.b]![1]);
        expect(expected!.score).toBeCloseTo(best.score, 10);
        // The model's answer: the same best span, widened to whole words (align_to_words).
        const [aligned] = decodeAnswers([{ ...window, wordIds: e.wordIds }], context);
        expect(aligned!.score).toBe(expected!.score);
        expect(ours[r]![0]!.answer).toBe(aligned!.answer);
        expect(ours[r]![0]!.score).toBeCloseTo(expected!.score, 4);
      });
    }
    // A context longer than the window: answers come from stride-overlapping windows, offsets still in the context.
    const long = `${'Filler words about nothing in particular. '.repeat(60)}My name is Wolfgang and I live in Berlin.`;
    const answer = (await model.answer([{ question: 'Where do I live?', context: long }], { stride: 32 }))[0]![0]!;
    expect(long.slice(answer.start, answer.end)).toBe(answer.answer);
    await model.release();
  });
});
