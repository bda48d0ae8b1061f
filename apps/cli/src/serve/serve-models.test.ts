// `serve --model`: repositories as the Hub ships them, served without training anything. Oracle: the
// fixtures' PyTorch references (softmax of the classifier's logits, SentenceTransformer.encode vectors),
// and `bertkit predict --model` for NER and QA.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertCheckpoint } from '@bertkit/onnx-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED } from '../testing/paths.js';
import { post, ServeHarness } from './test-harness.js';

const h = new ServeHarness();
const fixture = (name: string) => join(SHARED, 'models', name);
const reference = (name: string) => JSON.parse(readFileSync(join(fixture(name), 'reference.json'), 'utf8')) as Array<Record<string, any>>;
const softmax = (row: number[]) => {
  const top = Math.max(...row);
  const e = row.map((v) => Math.exp(v - top));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
/** A converted copy of a fixture that ships no graph. */
const converted = (name: string) => {
  const dir = join(h.work, name);
  cpSync(fixture(name), dir, { recursive: true });
  convertCheckpoint(dir);
  return dir;
};
let url: string;
let ner: string;
beforeAll(async () => {
  ner = converted('bert-ner');
  // distilbert-sst2 as shipped: its ONNX export has only logits (it predicts, it cannot embed).
  const s = await h.serve(['--model', `sst2=${fixture('distilbert-sst2')}`, '--model', `minilm=${converted('minilm-st')}`, '--model', `ner=${ner}`, '--log-level', 'silent']);
  url = s.url;
});
afterAll(() => h.stopAll());

describe('serve --model', () => {
  it('TEI /predict and /v1/models/<name>/predict give the reference probabilities with id2label names', async () => {
    const config = JSON.parse(readFileSync(join(fixture('distilbert-sst2'), 'config.json'), 'utf8'));
    let compared = 0;
    for (const batch of reference('distilbert-sst2')) {
      // One text per TEI request: TEI reads a list of exactly two strings as one text pair.
      const tei = (await Promise.all((batch.texts as string[]).map(async (t) => (await post(`${url}/predict`, { inputs: t })).json()))) as Array<Array<{ label: string; score: number }>>;
      const named = (await (await post(`${url}/v1/models/sst2/predict`, { texts: batch.texts })).json()) as { predictions: Array<{ label: string; score: number; probs: Record<string, number> }> };
      (batch.logits as number[][]).forEach((logits, i) => {
        const probs = softmax(logits);
        const best = probs.indexOf(Math.max(...probs));
        expect(tei[i]![0]!.label).toBe(config.id2label[String(best)]);
        expect(Math.abs(tei[i]![0]!.score - probs[best]!)).toBeLessThan(1e-4);
        expect(tei[i]!.map((x) => x.label).sort()).toEqual(['NEGATIVE', 'POSITIVE']);
        expect(named.predictions[i]!.label).toBe(tei[i]![0]!.label);
        expect(Math.abs(named.predictions[i]!.probs.NEGATIVE! - probs[0]!)).toBeLessThan(1e-4);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(3);
    // One text alone: TEI answers with one list, not a list of lists.
    const one = (await (await post(`${url}/predict`, { inputs: reference('distilbert-sst2')[0]!.texts[0] })).json()) as Array<{ label: string }>;
    expect(one).toHaveLength(2);
    // Its graph has no last_hidden_state: embedding with it is a clear 400, not a crash.
    const embed = await post(`${url}/v1/models/sst2/embed`, { texts: ['x'] });
    expect(embed.status).toBe(400);
    expect(((await embed.json()) as { error: string }).error).toMatch(/gives predictions only/);
  });

  it('a sentence-transformers model embeds as SentenceTransformer.encode does, on TEI /embed and OpenAI /v1/embeddings', async () => {
    const batch = reference('minilm-st')[0]!;
    const got = (await (await post(`${url}/v1/models/minilm/embed`, { texts: batch.texts })).json()) as { embeddings: number[][] };
    const openai = (await (await post(`${url}/v1/embeddings`, { model: 'minilm', input: batch.texts })).json()) as { data: Array<{ embedding: number[] }> };
    (batch.sentence_embedding as number[][]).forEach((row, i) => {
      for (let d = 0; d < row.length; d++) {
        expect(Math.abs(got.embeddings[i]![d]! - row[d]!)).toBeLessThan(1e-4);
        expect(Math.abs(openai.data[i]!.embedding[d]! - row[d]!)).toBeLessThan(1e-4);
      }
    });
    const predict = await post(`${url}/v1/models/minilm/predict`, { texts: ['x'] });
    expect(predict.status).toBe(400);
  });

  it('an NER model gives the entities bertkit predict --model gives; /v1/models lists every model with its task and labels', async () => {
    const texts = reference('bert-ner')[0]!.texts as string[];
    writeFileSync(join(h.work, 'ner.txt'), `${texts.join('\n')}\n`);
    const cli = h.cli(['predict', '--model', ner, 'ner.txt']).trim().split('\n').map((l) => JSON.parse(l));
    const served = (await (await post(`${url}/v1/models/ner/predict`, { texts })).json()) as { predictions: Array<{ entities: unknown[] }> };
    expect(served.predictions).toEqual(cli);
    expect(served.predictions.some((p) => p.entities.length > 0)).toBe(true);
    const list = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ id: string; task: string; labels: string[] }> };
    expect(list.data.map((m) => [m.id, m.task])).toEqual([
      ['sst2', 'classify'],
      ['minilm', 'embed'],
      ['ner', 'ner'],
    ]);
    expect(list.data[0]!.labels).toEqual(['NEGATIVE', 'POSITIVE']);
    expect(list.data[2]!.labels).toContain('B-PER');
  });
});
