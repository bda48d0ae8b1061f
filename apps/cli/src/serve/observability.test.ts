// What operators see: /metrics in the Prometheus text format (parsed by an independent parser), one
// JSON access-log line per request on stderr, settings from BERTKIT_* variables, the loopback default.
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, ServeHarness, logLines, post } from './test-harness.js';

const h = new ServeHarness();
let server: RunningServer;
beforeAll(async () => {
  h.trainSst2();
  // Settings from the environment: the API key, the batch limit and the bundle itself.
  server = await h.serve([], { BERTKIT_BUNDLE: 'sst2', BERTKIT_API_KEY: 'from-env', BERTKIT_MAX_CLIENT_BATCH: '3' });
}, 120_000);
afterAll(() => h.stopAll());
const auth = { authorization: 'Bearer from-env' };

describe('metrics', () => {
  it('/metrics parses as Prometheus text and holds process, Node and bertkit series', async () => {
    expect((await post(`${server.url}/embed`, { inputs: ['one', 'two words'] }, auth)).status).toBe(200);
    expect((await post(`${server.url}/embed`, { inputs: [1] }, auth)).status).toBe(400);
    const r = await fetch(`${server.url}/metrics`, { headers: auth });
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const families = parsePrometheusTextFormat(text);
    const family = (name: string): PrometheusFamily => {
      const f = families.find((x) => x.name === name);
      if (!f) throw new Error(`no ${name} in /metrics`);
      return f;
    };
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds']) expect(family(name).metrics.length, name).toBeGreaterThan(0);
    expect(Number(family('process_cpu_seconds_total').metrics[0]?.value)).toBeGreaterThan(0);
    const requests = family('bertkit_http_requests_total');
    expect(requests.type).toBe('COUNTER');
    const count = (route: string, status: string) => Number(requests.metrics.find((m) => m.labels?.route === route && m.labels?.status === status && m.labels?.method === 'POST')?.value ?? 0);
    expect(count('/embed', '200')).toBe(1);
    expect(count('/embed', '400')).toBe(1);
    const latency = family('bertkit_http_request_duration_seconds');
    expect(latency.type).toBe('HISTOGRAM');
    // parse-prometheus-text-format 1.1.1 drops the labels, _count and _sum of labelled histograms: those
    // samples are read from the text.
    expect(latency.metrics.length).toBeGreaterThan(0);
    expect(text).toMatch(/^bertkit_http_request_duration_seconds_count\{method="POST",route="\/embed"\} 2$/m);
    expect(text).toMatch(/^bertkit_http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/embed"\} 2$/m);
    // Texts and tokens: the request's two texts are "[CLS] one [SEP]" and "[CLS] two words [SEP]".
    expect(Number(family('bertkit_request_texts_total').metrics.find((m) => m.labels?.route === '/embed')?.value)).toBe(2);
    expect(Number(family('bertkit_request_tokens_total').metrics.find((m) => m.labels?.route === '/embed')?.value)).toBe(7);
    expect(family('bertkit_batch_texts').type).toBe('HISTOGRAM');
    expect(Number(family('bertkit_batch_texts').metrics[0]?.sum)).toBe(2);
    expect(Number(family('bertkit_batch_tokens').metrics[0]?.sum)).toBe(7);
    expect(Number(family('bertkit_batch_requests').metrics[0]?.count)).toBeGreaterThan(0);
    expect(family('bertkit_queue_depth').metrics[0]?.value).toBe('0');
    expect(family('bertkit_queue_tokens').metrics[0]?.value).toBe('0');
  });
});

describe('access log', () => {
  it('one JSON line per request on stderr: request id (given or made), route, status, duration, texts, tokens', async () => {
    const given = await post(`${server.url}/predict`, { inputs: ['a fine film', 'dull'] }, { ...auth, 'x-request-id': 'trace-42' });
    expect(given.status).toBe(200);
    expect(given.headers.get('x-request-id')).toBe('trace-42');
    const made = await post(`${server.url}/v1/models/sst2/embed`, { texts: ['x', 'y', 'z', 'w'] }, auth);
    expect(made.status).toBe(400);
    const madeId = made.headers.get('x-request-id') ?? '';
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
    // A header that is not a plain token is replaced, not logged.
    expect((await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'a b"c' } })).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 200));
    const lines = logLines(server.stderr()).filter((l) => l.msg === 'request');
    const one = lines.find((l) => l.request_id === 'trace-42');
    expect(one).toMatchObject({ level: 30, method: 'POST', route: '/predict', status: 200, texts: 2 });
    expect(one?.tokens).toBeGreaterThanOrEqual(5);
    expect(typeof one?.duration_ms).toBe('number');
    expect(one?.duration_ms).toBeGreaterThan(0);
    expect(lines.find((l) => l.request_id === madeId)).toMatchObject({ route: '/v1/models/:name/embed', status: 400, texts: 0, tokens: 0 });
    expect(logLines(server.stderr()).find((l) => l.msg === 'listening')).toMatchObject({ listening: server.url });
  });

  it('--log-level silent writes nothing; a bad BERTKIT_* value stops the server naming the variable', async () => {
    const quiet = await h.serve(['--bundle', 'sst2', '--log-level', 'silent']);
    expect((await post(`${quiet.url}/embed`, { inputs: 'x' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(quiet.stderr()).toBe('');
    await expect(h.serve(['--bundle', 'sst2'], { BERTKIT_MAX_BATCH_TOKENS: 'lots' })).rejects.toThrow(/BERTKIT_MAX_BATCH_TOKENS must be an integer >= 1, got "lots"/);
  });
});

describe('binding', () => {
  it('listens on loopback only by default', async () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!external) return; // no other interface to try on this machine
    const { port } = new URL(server.url);
    const outcome = await new Promise<string>((done) => {
      const socket = connect(Number(port), external, () => (socket.destroy(), done('connected')));
      socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    });
    expect(outcome).toBe('ECONNREFUSED');
  });
});
