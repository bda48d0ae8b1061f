// The 413 always arrives: clients that keep sending a 50 MB body get a readable 413 JSON answer, not
// a connection reset. Before the drain, Node destroyed the socket with the body still unread (RST):
// about 1 in 4 of the raw clients below and 1 in 3 fetch clients saw EPIPE/ECONNRESET instead (measured
// against fastify's own handling, 54 of 200).
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, ServeHarness, post } from './test-harness.js';

const MB = 1 << 20;
const h = new ServeHarness();
let server: RunningServer;
beforeAll(async () => {
  h.trainSst2();
  server = await h.serve(['--bundle', 'sst2', '--body-limit', '65536', '--log-level', 'warn']);
}, 120_000);
afterAll(() => h.stopAll());

interface Outcome {
  status?: number;
  body?: string;
  error?: string;
  sent: number;
}

/**
 * A client that keeps writing its body (64 KiB at a time, as fast as the socket takes it) until it has
 * read a whole answer, then hangs up, as curl does. `chunked`: no Content-Length, so the server can only
 * find out by reading.
 */
function oversizedPost(url: string, size: number, chunked: boolean): Promise<Outcome> {
  const { hostname, port } = new URL(url);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const frame = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
  return new Promise((done) => {
    let sent = 0;
    let received = Buffer.alloc(0);
    let finished = false;
    const socket = connect(Number(port), hostname);
    const finish = (outcome: Omit<Outcome, 'sent'>) => {
      if (finished) return;
      finished = true;
      socket.destroy();
      done({ ...outcome, sent });
    };
    const pump = () => {
      while (!finished && sent < size) {
        sent += chunk.length;
        if (!socket.write(frame)) return;
      }
    };
    socket.on('connect', () => {
      socket.write(`POST /embed HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`}\r\n\r\n`);
      pump();
    });
    socket.on('drain', pump);
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      const text = received.toString('utf8');
      const head = text.indexOf('\r\n\r\n');
      if (head < 0) return;
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(text.slice(0, head))?.[1]);
      if (received.length >= head + 4 + length) finish({ status: Number(text.slice(9, 12)), body: received.subarray(head + 4, head + 4 + length).toString('utf8') });
    });
    socket.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
    socket.on('close', () => finish({ error: 'closed before the answer' }));
  });
}

async function pool<T>(n: number, concurrency: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await one(i);
      }
    }),
  );
  return out;
}

const tally = (outcomes: Array<{ status?: number; error?: string }>) => {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.error ?? String(o.status)] = (counts[o.error ?? String(o.status)] ?? 0) + 1;
  return counts;
};

describe('oversized bodies', () => {
  it('200 clients sending 50 MB each, 8 at a time, all read a TEI-shaped 413', async () => {
    const outcomes = await pool(200, 8, () => oversizedPost(server.url, 50 * MB, false));
    expect(tally(outcomes)).toEqual({ 413: 200 });
    for (const o of outcomes) expect(JSON.parse(o.body as string)).toEqual({ error: `request body of ${50 * MB} bytes is larger than 65536 bytes (--body-limit)`, error_type: 'Validation' });
    // Answered from the header: the clients hung up long before sending their 50 MB.
    const sent = outcomes.reduce((s, o) => s + o.sent, 0) / outcomes.length;
    expect(sent).toBeLessThan(25 * MB);
    expect((await post(`${server.url}/embed`, { inputs: 'still serving' })).status).toBe(200);
  }, 60_000);

  it('chunked bodies (no Content-Length) past the limit: 413 as well', async () => {
    const outcomes = await pool(16, 8, () => oversizedPost(server.url, 8 * MB, true));
    expect(tally(outcomes)).toEqual({ 413: 16 });
    expect(JSON.parse(outcomes[0]?.body as string)).toMatchObject({ error: 'request body larger than 65536 bytes (--body-limit)', error_type: 'Validation' });
  }, 60_000);

  it('fetch clients, which send the whole body before reading, read the 413 too', async () => {
    const body = new Uint8Array(50 * MB).fill(0x61);
    const outcomes = await pool(8, 8, async () => {
      try {
        const r = await post(`${server.url}/embed`, body);
        return { status: r.status, error_type: ((await r.json()) as { error_type: string }).error_type };
      } catch (e) {
        return { error: String((e as { cause?: { code?: string } }).cause?.code ?? e) };
      }
    });
    expect(tally(outcomes)).toEqual({ 413: 8 });
    expect(outcomes.every((o) => 'error_type' in o && o.error_type === 'Validation')).toBe(true);
  }, 60_000);
});
