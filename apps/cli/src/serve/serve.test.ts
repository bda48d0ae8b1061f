// `bertkit serve` as deployed: a subprocess on an ephemeral loopback port, every route and every error,
// clients that misbehave, graceful shutdown, and a 10,000-request fault run.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Encoder, l2Normalize } from '@bertkit/encoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED } from '../testing/paths.js';
import { type RunningServer, ServeHarness, TINY, post } from './test-harness.js';

const h = new ServeHarness();
const serve = (args: string[]) => h.serve(args);
type Server = RunningServer;

const sst2 = readFileSync(join(SHARED, 'data/sst2/dev.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t')[0] as string);
let main: Server;
beforeAll(async () => {
  h.trainSst2();
  h.trainNer();
  main = await serve(['--bundle', 'sst2', '--bundle', 'people=ner', '--body-limit', '20000', '--max-client-batch', '8', '--max-input-chars', '5000']);
}, 120_000);
afterAll(() => h.stopAll());

describe('routes', () => {
  it('TEI /embed and /predict, OpenAI /v1/embeddings, bertkit /v1/models/*: shapes and values', async () => {
    const encoder = await Encoder.load(TINY);
    const texts = sst2.slice(0, 5);
    const reference = await encoder.embed(texts, { pooling: 'cls' });
    await encoder.release();
    l2Normalize(reference.data, reference.rows, reference.dim);

    const embed = (await (await post(`${main.url}/embed`, { inputs: texts })).json()) as number[][];
    expect(embed).toHaveLength(5);
    embed.forEach((row, r) => row.forEach((v, d) => expect(Math.abs(v - reference.data[r * reference.dim + d]!)).toBeLessThan(1e-5)));
    const raw = (await (await post(`${main.url}/embed`, { inputs: texts[0], normalize: false })).json()) as number[][];
    expect(Math.hypot(...raw[0]!)).not.toBeCloseTo(1, 3);

    const single = (await (await post(`${main.url}/predict`, { inputs: texts[0] })).json()) as Array<{ label: string; score: number }>;
    expect(single.map((s) => s.label).sort()).toEqual(['0', '1']);
    expect(single[0]!.score).toBeGreaterThanOrEqual(single[1]!.score);
    expect(single[0]!.score + single[1]!.score).toBeCloseTo(1, 10);
    const batch = (await (await post(`${main.url}/predict`, { inputs: texts.slice(0, 3) })).json()) as unknown[];
    expect(batch).toHaveLength(3);

    const openai = (await (await post(`${main.url}/v1/embeddings`, { model: 'text-embedding-3-small', input: texts.slice(0, 2) })).json()) as { object: string; data: Array<{ index: number; embedding: number[] }>; usage: { prompt_tokens: number } };
    expect(openai.object).toBe('list');
    expect(openai.data.map((d) => d.index)).toEqual([0, 1]);
    expect(openai.data[1]!.embedding).toEqual(embed[1]);
    expect(openai.usage.prompt_tokens).toBeGreaterThan(4);

    const ours = (await (await post(`${main.url}/v1/models/sst2/predict`, { texts: texts.slice(0, 2) })).json()) as { predictions: Array<{ label: string; probs: Record<string, number> }> };
    expect(ours.predictions[0]!.label).toBe(single[0]!.label);
    const vectors = (await (await post(`${main.url}/v1/models/sst2/embed`, { texts: [texts[0]] })).json()) as { dim: number; embeddings: number[][] };
    expect(vectors.dim).toBe(32);
    const text = 'Garcia met officials of Unicef in Oslo .';
    const ner = (await (await post(`${main.url}/v1/models/people/predict`, { texts: [text] })).json()) as { predictions: Array<{ entities: Array<{ entity: string; start: number; end: number; word: string }> }> };
    expect(ner.predictions[0]!.entities.map((e) => `${e.entity}:${e.word}`)).toEqual(['PER:Garcia', 'ORG:Unicef', 'LOC:Oslo']);
    for (const e of ner.predictions[0]!.entities) expect(text.slice(e.start, e.end)).toBe(e.word);

    const models = (await (await fetch(`${main.url}/v1/models`)).json()) as { data: Array<{ id: string; task: string; model_sha256: string }> };
    expect(models.data.map((m) => [m.id, m.task])).toEqual([['sst2', 'classify'], ['people', 'ner']]);
    expect(models.data[0]!.model_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await fetch(`${main.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${main.url}/readyz`)).json()).toMatchObject({ status: 'ready' });
    const openapi = (await (await fetch(`${main.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/embed', '/predict', '/v1/embeddings', '/v1/models/{name}/predict', '/metrics']));
    const metrics = await (await fetch(`${main.url}/metrics`)).text();
    expect(metrics).toMatch(/bertkit_http_requests_total\{method="POST",route="\/embed",status="200"\} [1-9]/);
    expect(metrics).toMatch(/bertkit_http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/predict"\} [1-9]/);
    expect(metrics).toMatch(/bertkit_batch_texts_count [1-9]/);
    expect(metrics).toMatch(/bertkit_queue_depth 0\n(.*\n)*bertkit_queue_tokens 0\n/);
  });
});

describe('batching', () => {
  it('concurrent NER requests are merged into shared model runs and answered as they would be alone', async () => {
    const s = await serve(['--bundle', 'people=ner', '--max-delay-ms', '50']);
    const sentences = ['Smith visited Paris .', 'the report by Opec was read by Tanaka .', 'Okafor met officials of Fifa in Lima .', 'Ivanova', 'in Cairo , Nasa said it would wait .', 'nobody here .'];
    const ask = async (text: string) => ((await (await post(`${s.url}/v1/models/people/predict`, { texts: [text] })).json()) as { predictions: unknown[] }).predictions[0];
    const alone: unknown[] = [];
    for (const t of sentences) alone.push(await ask(t));
    const together = await Promise.all(sentences.map(ask));
    // Same entities; scores equal up to float rounding (a padded batch sums in another order).
    type Entities = { entities: Array<{ entity: string; start: number; end: number; word: string; score: number }> };
    const spans = (p: unknown) => (p as Entities).entities.map(({ score: _s, ...rest }) => rest);
    expect(together.map(spans)).toEqual(alone.map(spans));
    // Five of the six sentences name someone or somewhere: the comparison is over real entities.
    expect(alone.filter((p) => (p as Entities).entities.length > 0).length).toBeGreaterThanOrEqual(5);
    together.forEach((p, i) => (p as Entities).entities.forEach((e, k) => expect(Math.abs(e.score - (alone[i] as Entities).entities[k]!.score)).toBeLessThan(1e-5)));
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    const single = Number(/bertkit_batch_requests_bucket\{le="1"\} (\d+)/.exec(metrics)?.[1]);
    const runs = Number(/bertkit_batch_requests_count (\d+)/.exec(metrics)?.[1]);
    expect(runs).toBeLessThan(2 * sentences.length);
    expect(single).toBeLessThan(runs); // at least one run served several requests
  });
});

describe('errors', () => {
  const expectError = async (response: Promise<Response>, status: number, pattern: RegExp) => {
    const r = await response;
    const body = (await r.json()) as { error: string; error_type: string };
    expect(r.status, body.error).toBe(status);
    expect(body.error).toMatch(pattern);
    return { r, body };
  };

  it('400 / 404 / 413 with JSON bodies naming the problem', async () => {
    await expectError(post(`${main.url}/embed`, '{"inputs": ['), 400, /malformed JSON/);
    await expectError(post(`${main.url}/embed`, new Uint8Array([0x7b, 0x22, 0x69, 0x6e, 0x70, 0x75, 0x74, 0x73, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])), 400, /not valid UTF-8/);
    await expectError(post(`${main.url}/embed`, { inputs: ['ok', 42] }), 400, /inputs\[1\] must be a string/);
    await expectError(post(`${main.url}/embed`, { texts: ['wrong field'] }), 400, /field inputs is required/);
    await expectError(post(`${main.url}/embed`, [1, 2]), 400, /body must be a JSON object/);
    await expectError(post(`${main.url}/embed`, { inputs: Array(9).fill('x') }), 400, /inputs holds more than 8 items per request/);
    const long = await expectError(post(`${main.url}/embed`, { inputs: ['fine', 'y'.repeat(6000)] }), 400, /inputs\[1\] has more than 5000 characters/);
    expect((long.body as { index?: number }).index).toBe(1);
    await expectError(post(`${main.url}/embed`, { inputs: ['z'.repeat(25_000)] }), 413, /request body of 2\d{4} bytes is larger than 20000 bytes/);
    await expectError(post(`${main.url}/embed`, { inputs: [Array(600).fill("word").join(" ")] }), 413, /has \d+ tokens, the model takes at most 512/);
    expect((await post(`${main.url}/embed`, { inputs: [Array(600).fill("word").join(" ")], truncate: true })).status).toBe(200);
    await expectError(post(`${main.url}/v1/models/nobody/predict`, { texts: ['x'] }), 404, /unknown model "nobody"/);
    await expectError(fetch(`${main.url}/nothing/here`), 404, /no route GET \/nothing\/here/);
  });

  it('429 with Retry-After when the queue is full; 504 past the deadline', async () => {
    const slow = await serve(['--bundle', 'sst2', '--max-delay-ms', '300', '--max-queue', '4', '--timeout-ms', '100']);
    const [a, b] = await Promise.all([post(`${slow.url}/embed`, { inputs: ['a', 'b', 'c', 'd'] }), post(`${slow.url}/embed`, { inputs: ['e'] })]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([429, 504]);
    const full = a.status === 429 ? a : b;
    expect(full.headers.get('retry-after')).toBe('1');
    expect(((await full.json()) as { error_type: string }).error_type).toBe('Overloaded');
    // After the deadline the queue is empty again.
    const metrics = await (await fetch(`${slow.url}/metrics`)).text();
    expect(metrics).toMatch(/bertkit_queue_depth 0\n(.*\n)*bertkit_queue_tokens 0\n/);
  });

  it('bearer-token auth: 401 without or with a wrong key, open health checks', async () => {
    const locked = await serve(['--bundle', 'sst2', '--api-key', 's3cret']);
    expect((await post(`${locked.url}/embed`, { inputs: 'x' })).status).toBe(401);
    const wrong = await post(`${locked.url}/embed`, { inputs: 'x' }, { authorization: 'Bearer s3creT' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect((await post(`${locked.url}/embed`, { inputs: 'x' }, { authorization: 'Bearer s3cret' })).status).toBe(200);
    expect((await fetch(`${locked.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${locked.url}/metrics`)).status).toBe(401);
  });
});

describe('misbehaving clients and shutdown', () => {
  it('clients that disconnect mid-body or mid-wait leave the server serving and the queue empty', async () => {
    const slow = await serve(['--bundle', 'sst2', '--max-delay-ms', '200']);
    const { port } = new URL(slow.url);
    await new Promise<void>((done) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"inputs": ["half a bo');
        setTimeout(() => (socket.destroy(), done()), 50);
      });
    });
    const abort = new AbortController();
    const pending = post(`${slow.url}/embed`, { inputs: ['waiting', 'for', 'company'] }).catch(() => null);
    void fetch(`${slow.url}/embed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: ['abandoned'] }), signal: abort.signal }).catch(() => null);
    setTimeout(() => abort.abort(), 50);
    expect((await pending)?.status).toBe(200);
    expect((await fetch(`${slow.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${slow.url}/metrics`)).text()).toMatch(/bertkit_queue_depth 0\n(.*\n)*bertkit_queue_tokens 0\n/);
  });

  it('SIGTERM: in-flight requests are answered, new connections refused, exit code 0', async () => {
    const s = await serve(['--bundle', 'sst2', '--max-delay-ms', '1500']);
    const inflight = post(`${s.url}/predict`, { inputs: 'still answered' });
    // Busy (not idle) when the signal comes, so the drain keeps it open: a slow upload of a request body.
    const kept = connect(Number(new URL(s.url).port), '127.0.0.1');
    await new Promise((r) => kept.once('connect', r));
    kept.write('POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{"inputs"');
    await new Promise((r) => setTimeout(r, 100));
    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // Draining: the request above still waits for its batch, and a new connection is refused.
    const { port } = new URL(s.url);
    const refused = await new Promise<string>((done) => {
      const socket = connect(Number(port), '127.0.0.1', () => (socket.destroy(), done('connected')));
      socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    });
    expect(refused).toBe('ECONNREFUSED');
    expect(s.child.exitCode).toBeNull();
    // On a connection opened before the signal, the request already begun (its body still arriving) is
    // answered; then the connection is closed (a request pipelined behind it is not taken any more).
    const replies = await new Promise<string>((done) => {
      let text = '';
      kept.on('data', (d) => (text += d));
      kept.on('close', () => done(text));
      kept.write(': "abc"}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect([...replies.matchAll(/^HTTP\/1\.1 (\d+)/gm)].map((m) => m[1])).toEqual(['200']);
    expect(replies).toMatch(/\r\nconnection: close\r\n/i);
    const r = await inflight;
    expect(r.status).toBe(200);
    expect(await s.exited).toBe(0);
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });
});

describe('fault run', () => {
  it('10,000 requests mixing valid ones with malformed, oversized, mistyped and aborted ones', async () => {
    const s = await serve(['--bundle', 'sst2', '--body-limit', '4096', '--max-delay-ms', '2']);
    const texts = sst2.slice(0, 32);
    const expected = (await (await post(`${s.url}/predict`, { inputs: texts })).json()) as Array<Array<{ label: string }>>;
    const rss = async () => Number(/process_resident_memory_bytes (\d+)/.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1]);
    const kinds = ['valid', 'valid', 'valid', 'malformed', 'oversized', 'mistyped', 'aborted', 'utf8'] as const;
    let wrong = 0;
    const counts: Record<string, number> = {};
    async function one(i: number): Promise<void> {
      const kind = kinds[i % kinds.length]!;
      const t = i % texts.length;
      let status = 0;
      if (kind === 'valid') {
        const r = await post(`${s.url}/predict`, { inputs: texts[t] });
        status = r.status;
        const body = (await r.json()) as Array<{ label: string }>;
        if (r.status !== 200 || body[0]?.label !== expected[t]![0]!.label) wrong++;
      } else if (kind === 'aborted') {
        const abort = new AbortController();
        const p = fetch(`${s.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: texts[t] }), signal: abort.signal }).catch(() => null);
        abort.abort();
        await p;
      } else {
        const body = kind === 'malformed' ? '{"inputs": "unterminated' : kind === 'oversized' ? JSON.stringify({ inputs: 'x'.repeat(5000) }) : kind === 'mistyped' ? JSON.stringify({ inputs: [{ text: 1 }] }) : new Uint8Array([0x7b, 0xff, 0x7d]);
        const r = await post(`${s.url}/predict`, body);
        status = r.status;
        await r.arrayBuffer();
      }
      counts[`${kind} ${status}`] = (counts[`${kind} ${status}`] ?? 0) + 1;
    }
    async function run(from: number, to: number): Promise<void> {
      let next = from;
      await Promise.all(Array.from({ length: 32 }, async () => {
        while (next < to) await one(next++);
      }));
    }
    await run(0, 2000); // warm-up: the heap and pools reach their working size
    const warm = await rss();
    await run(2000, 12000);
    await new Promise((r) => setTimeout(r, 500));
    const after = await rss();
    expect(wrong).toBe(0);
    expect(counts['valid 200']).toBe(4500);
    for (const kind of ['malformed', 'mistyped', 'utf8']) expect(counts[`${kind} 400`]).toBe(1500);
    expect(counts['oversized 413']).toBe(1500);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    // Measured here: about 1.05 (with forced collections the JS heap stays at ~16 MB and RSS flat
    // across further rounds of 10,000: what grows between collections is garbage, not a leak).
    expect(after / warm).toBeLessThan(1.1);
    expect(s.stderr()).not.toContain('internal error');
  }, 180_000);
});
