// Hub repositories used as Python users use them, one command after `pull`: sentence-transformers models
// embed as SentenceTransformer.encode does, fine-tuned models predict as transformers' pipelines do.
// Oracle: each fixture's reference.json (PyTorch), through the mock Hub that huggingface_hub itself
// downloads from (pull-interop.test.ts).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { convertCheckpoint } from '@bertkit/onnx-builder';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockHub, startMockHub } from '../../../packages/hub/src/testing/mock-hub.js';
import { SHARED } from './testing/paths.js';
import { jsonLines, runCli } from './testing/run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'bertkit-pull-task-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const fixture = (name: string) => join(SHARED, 'models', name);
const reference = (name: string) => JSON.parse(readFileSync(join(fixture(name), 'reference.json'), 'utf8')) as Array<Record<string, any>>;

let hub: MockHub;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  hub = await startMockHub(['minilm-st', 'bge-st', 'distilbert-sst2', 'bert-ner', 'distilbert-qa'].map((f) => ({ id: `bertkit-test/${f}`, dir: fixture(f) })));
  env = { ...process.env, HF_HOME: join(work, 'hf'), HF_HUB_CACHE: '', HF_TOKEN: '', HF_TOKEN_PATH: '', HF_HUB_OFFLINE: '', HF_ENDPOINT: hub.url, BERTKIT_CACHE: join(work, 'bk'), BERTKIT_PROGRESS: '0' };
});
afterAll(() => hub.close());
const run = (args: string[], input = '') => runCli(args, { cwd: work, env, input });
const f32 = (file: string) => {
  const b = readFileSync(join(work, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs((a[k] as number) - (b[k] as number)));
  return m;
};
const softmax = (row: number[]) => {
  const top = Math.max(...row);
  const e = row.map((v) => Math.exp(v - top));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('pull, then one command', () => {
  it.each(['minilm-st', 'bge-st'])('%s: embed --model <id> writes SentenceTransformer.encode vectors (its pooling, Normalize, max_seq_length)', async (name) => {
    expect((await run(['pull', `bertkit-test/${name}`])).code).toBe(0);
    const batches = reference(name);
    const texts = batches.flatMap((b) => b.texts as string[]);
    expect(texts.length).toBeGreaterThan(5);
    writeFileSync(join(work, `${name}.txt`), `${texts.join('\n')}\n`);
    const r = await run(['embed', '--model', `bertkit-test/${name}`, '--output', `${name}.f32`, `${name}.txt`]);
    expect(r.code, r.stderr).toBe(0);
    expect(maxDiff(f32(`${name}.f32`), batches.flatMap((b) => (b.sentence_embedding as number[][]).flat()))).toBeLessThan(1e-4);
  });

  it('distilbert-sst2: predict --model <id> prints NEGATIVE/POSITIVE with the reference probabilities', async () => {
    expect((await run(['pull', 'bertkit-test/distilbert-sst2'])).code).toBe(0);
    const config = JSON.parse(readFileSync(join(fixture('distilbert-sst2'), 'config.json'), 'utf8'));
    let compared = 0;
    for (const batch of reference('distilbert-sst2')) {
      const r = await run(['predict', '--model', 'bertkit-test/distilbert-sst2'], `${(batch.texts as string[]).join('\n')}\n`);
      expect(r.code, r.stderr).toBe(0);
      const lines = jsonLines(r.stdout);
      (batch.logits as number[][]).forEach((logits, i) => {
        const probs = softmax(logits);
        const best = probs.indexOf(Math.max(...probs));
        expect(lines[i].label).toBe(config.id2label[String(best)]);
        expect(['NEGATIVE', 'POSITIVE']).toContain(lines[i].label);
        expect(Math.abs(lines[i].score - probs[best]!)).toBeLessThan(1e-4);
        expect(maxDiff([lines[i].probs.NEGATIVE, lines[i].probs.POSITIVE], probs)).toBeLessThan(1e-4);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(3);
  });

  it('bert-ner: predict --model <id> gives entities whose tags are the reference logits\' argmax, with offsets', async () => {
    expect((await run(['pull', 'bertkit-test/bert-ner'])).code).toBe(0);
    const config = JSON.parse(readFileSync(join(fixture('bert-ner'), 'config.json'), 'utf8'));
    const batch = reference('bert-ner')[0]!;
    const texts = batch.texts as string[];
    const r = await run(['predict', '--model', 'bertkit-test/bert-ner', '--aggregation', 'none'], `${texts.join('\n')}\n`);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    let entities = 0;
    texts.forEach((text, i) => {
      // Per token (aggregation none): the non-O argmax tags of the reference logits, in order.
      const mask = batch.attention_mask[i] as number[];
      const expected = (batch.logits[i] as number[][])
        .map((row, p) => ({ p, tag: config.id2label[String(row.indexOf(Math.max(...row)))] as string }))
        .filter(({ p, tag }) => mask[p] === 1 && p > 0 && p < mask.lastIndexOf(1) && tag !== 'O')
        .map(({ tag }) => tag);
      expect(lines[i].entities.map((e: { entity: string }) => e.entity)).toEqual(expected);
      for (const e of lines[i].entities) expect(text.slice(e.start, e.end)).toBe(e.word);
      entities += expected.length;
    });
    expect(entities).toBeGreaterThan(0);
  });

  it('distilbert-qa: predict --model <id> answers as the converted local checkpoint does (itself checked against PyTorch logits)', async () => {
    expect((await run(['pull', 'bertkit-test/distilbert-qa'])).code).toBe(0);
    const local = join(work, 'qa-local');
    cpSync(fixture('distilbert-qa'), local, { recursive: true });
    convertCheckpoint(local);
    const pairs = reference('distilbert-qa').flatMap((b) => b.pairs as Array<[string, string]>);
    expect(pairs.length).toBeGreaterThan(1);
    const input = `${pairs.map(([question, context]) => JSON.stringify({ question, context })).join('\n')}\n`;
    const pulled = await run(['predict', '--model', 'bertkit-test/distilbert-qa'], input);
    const direct = await run(['predict', '--model', local], input);
    expect([pulled.code, direct.code], pulled.stderr + direct.stderr).toEqual([0, 0]);
    const answers = jsonLines(pulled.stdout);
    expect(answers).toEqual(jsonLines(direct.stdout));
    answers.forEach((a, i) => expect(pairs[i]![1].slice(a.start, a.end)).toBe(a.answer));
  });
});
