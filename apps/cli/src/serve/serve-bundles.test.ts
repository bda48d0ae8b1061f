// Bundles beyond classify/NER in the server: `--quantized` runs the int8 sibling of the bundle's model
// (its vectors equal Encoder.load(model, {quantized: true}), not fp32), and a QA bundle answers through
// /v1/models/<name>/predict exactly as `bertkit predict` does.
import { cpSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Encoder, l2Normalize } from '@bertkit/encoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED } from '../testing/paths.js';
import { ServeHarness, TINY, post } from './test-harness.js';

const h = new ServeHarness();
const TINY_BERT = join(SHARED, 'models', 'tiny-random-bert');
const texts = ['a visually stunning rumination on love', 'dull', 'the best film of the year'];
afterAll(() => h.stopAll());

describe('--quantized', () => {
  const model = join(h.work, 'tiny');
  beforeAll(() => {
    for (const f of readdirSync(TINY)) if (f !== 'reference.json') cpSync(join(TINY, f), join(model, f), { recursive: true });
    h.cli(['quantize', model]);
    h.trainSst2();
    h.cli(['train', '--model', model, '--data', 'train.tsv', '--out', 'copy']);
  }, 120_000);

  it('serves the int8 graph: vectors of Encoder.load(model, {quantized: true}), unlike fp32', async () => {
    const [int8, fp32] = await Promise.all([Encoder.load(model, { quantized: true }), Encoder.load(model)]);
    const expected = await int8.embed(texts, { pooling: 'cls' });
    const plain = await fp32.embed(texts, { pooling: 'cls' });
    await Promise.all([int8.release(), fp32.release()]);
    l2Normalize(expected.data, expected.rows, expected.dim);
    l2Normalize(plain.data, plain.rows, plain.dim);
    const s = await h.serve(['--bundle', 'copy', '--quantized', '--log-level', 'warn']);
    expect(JSON.parse(s.stdout().split('\n')[0] as string).models).toEqual([{ name: 'copy', task: 'classify', quantized: true }]);
    const served = ((await (await post(`${s.url}/embed`, { inputs: texts })).json()) as number[][]).flat();
    const diff = (a: ArrayLike<number>) => Math.max(...served.map((v, i) => Math.abs(v - (a[i] as number))));
    expect(diff(expected.data)).toBeLessThan(1e-5);
    expect(diff(plain.data)).toBeGreaterThan(1e-4);
  });
});

describe('QA bundles', () => {
  it('/v1/models/<name>/predict answers questions as bertkit predict does', async () => {
    const names = ['Peter', 'Maria', 'Ahmed', 'Yuki', 'Olga', 'Carlos'];
    const places = ['Paris', 'Lagos', 'Lima', 'Oslo', 'Hanoi'];
    const rows = Array.from({ length: 60 }, (_, i) => {
      const name = names[i % names.length] as string;
      const context = `yesterday ${name} met the team in ${places[i % places.length]} .`;
      return { question: 'which person is mentioned ?', context, answers: { text: [name], answer_start: [context.indexOf(name)] } };
    });
    writeFileSync(join(h.work, 'qa.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    h.cli(['train', '--task', 'qa', '--model', TINY_BERT, '--data', 'qa.jsonl', '--out', 'qa', '--stride', '16']);
    const questions = rows.slice(0, 4).map(({ question, context }) => ({ question, context }));
    const s = await h.serve(['--bundle', 'qa', '--log-level', 'warn']);
    const r = await post(`${s.url}/v1/models/qa/predict`, { questions });
    expect(r.status).toBe(200);
    const served = ((await r.json()) as { predictions: Array<{ answer: string; start: number; end: number; score: number }> }).predictions;
    const cli = h.cli(['predict', '--bundle', 'qa'], questions.map((q) => JSON.stringify(q)).join('\n'));
    const expected = cli.trim().split('\n').map((l) => JSON.parse(l) as { answer: string; start: number; end: number; score: number });
    expect(served.map(({ answer, start, end }) => ({ answer, start, end }))).toEqual(expected.map(({ answer, start, end }) => ({ answer, start, end })));
    served.forEach((p, i) => expect(Math.abs(p.score - (expected[i]?.score as number))).toBeLessThan(1e-6));
    // A QA bundle wants questions, not texts.
    const wrong = await post(`${s.url}/v1/models/qa/predict`, { texts: ['x'] });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'field questions is required: model qa answers questions ([{question, context}])', error_type: 'Validation' });
  });
});
