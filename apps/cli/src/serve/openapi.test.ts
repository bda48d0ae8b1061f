// /openapi.json is a valid OpenAPI 3.1 document, and the server does what it says: every documented
// operation is called (with and without the API key, valid and invalid), and every answer's status is
// documented and its body validates against the documented schema.
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, ServeHarness } from './test-harness.js';

/** The parts of an OpenAPI 3.1 document this test reads. */
interface Media {
  schema?: object;
}
interface Operation {
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, Media> }>;
}
interface OpenApiDocument {
  openapi: string;
  paths?: Record<string, Partial<Record<'get' | 'post', Operation>>>;
}

const h = new ServeHarness();
let server: RunningServer;
const KEY = 'test-key';
beforeAll(async () => {
  h.trainSst2();
  h.trainNer();
  server = await h.serve(['--bundle', 'sst2', '--bundle', 'people=ner', '--api-key', KEY, '--max-client-batch', '4', '--log-level', 'warn']);
}, 120_000);
afterAll(() => h.stopAll());

interface Call {
  method: 'get' | 'post';
  path: string;
  url: string;
  body?: unknown;
}
const get = (path: string, url = path): Call => ({ method: 'get', path, url });
const post = (path: string, body: unknown, url = path): Call => ({ method: 'post', path, url, body });

/** Calls for every documented operation: valid ones first, then the invalid ones. */
const CALLS: Call[] = [
  post('/embed', { inputs: ['a good film', 'a bad one'] }),
  post('/embed', { inputs: 'one text', normalize: false, truncate: true }),
  post('/embed', { inputs: ['ok', 7] }),
  post('/embed', { inputs: ['a', 'b', 'c', 'd', 'e'] }),
  post('/embed', '{"inputs": '),
  post('/predict', { inputs: 'a visually stunning rumination on love' }),
  post('/predict', { inputs: ['one', 'two'] }),
  post('/predict', { inputs: [] }),
  post('/v1/embeddings', { model: 'text-embedding-3-small', input: ['x', 'y'] }),
  post('/v1/embeddings', { model: 'sst2', input: 'x', encoding_format: 'base64' }),
  post('/v1/embeddings', { input: 'x', encoding_format: 'int8' }),
  post('/v1/models/{name}/embed', { texts: ['a', 'b'], normalize: true }, '/v1/models/sst2/embed'),
  post('/v1/models/{name}/embed', { texts: ['a'] }, '/v1/models/nobody/embed'),
  post('/v1/models/{name}/embed', { texts: [['a', 'b']] }, '/v1/models/sst2/embed'),
  post('/v1/models/{name}/predict', { texts: ['fine'] }, '/v1/models/sst2/predict'),
  post('/v1/models/{name}/predict', { texts: ['Peter Blackburn visited Brussels .'] }, '/v1/models/people/predict'),
  post('/v1/models/{name}/predict', { questions: [{ question: 'who?', context: 'me' }] }, '/v1/models/sst2/predict'),
  post('/v1/models/{name}/predict', { texts: ['x'] }, '/v1/models/nobody/predict'),
  get('/v1/models'),
  get('/healthz'),
  get('/readyz'),
  get('/metrics'),
  get('/openapi.json'),
];

async function call(c: Call, auth: boolean): Promise<Response> {
  const headers: Record<string, string> = auth ? { authorization: `Bearer ${KEY}` } : {};
  if (c.method === 'get') return fetch(`${server.url}${c.url}`, { headers });
  return fetch(`${server.url}${c.url}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: typeof c.body === 'string' ? c.body : JSON.stringify(c.body) });
}

describe('OpenAPI', () => {
  it('/openapi.json validates as OpenAPI 3.1 and every documented route answers as documented', async () => {
    const raw = (await (await call(get('/openapi.json'), true)).json()) as OpenApiDocument;
    expect(raw.openapi).toBe('3.1.0');
    // Throws on any structural error (schema of the OpenAPI 3.1 specification, $refs, duplicate params).
    await SwaggerParser.validate(structuredClone(raw) as never);
    const doc = (await SwaggerParser.dereference(structuredClone(raw) as never)) as unknown as OpenApiDocument;
    const ajv = new Ajv2020({ strict: false, allErrors: true });

    const documented = Object.entries(doc.paths ?? {}).flatMap(([path, item]) => (['get', 'post'] as const).filter((m) => item?.[m]).map((m) => `${m} ${path}`));
    const called = new Set(CALLS.map((c) => `${c.method} ${c.path}`));
    expect([...documented].sort()).toEqual([...called].sort());

    const seen: string[] = [];
    for (const c of CALLS) {
      for (const auth of [true, false]) {
        const r = await call(c, auth);
        const op = doc.paths?.[c.path]?.[c.method] as Operation;
        const response = op.responses?.[String(r.status)];
        const what = `${c.method.toUpperCase()} ${c.url} ${JSON.stringify(c.body) ?? ''} (${auth ? 'key' : 'no key'}) -> ${r.status}`;
        expect(response, `${what} is not documented`).toBeDefined();
        const type = (r.headers.get('content-type') ?? '').split(';')[0] as string;
        const media = response?.content?.[type];
        expect(media, `${what}: content-type ${type} not documented`).toBeDefined();
        if (type === 'application/json') {
          const validate = ajv.compile(media?.schema as object);
          const body = await r.json();
          expect(validate(body), `${what}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        } else await r.text();
        // The security the document declares is the one enforced.
        const open = Array.isArray(op.security) && op.security.length === 0;
        if (!auth) expect(r.status === 401, what).toBe(!open);
        seen.push(`${c.url} ${auth ? '' : 'no key '}${r.status}`);
      }
    }
    // The valid calls succeeded and the invalid ones failed as intended.
    expect(seen.filter((s) => s.endsWith(' 200') && !s.includes('no key'))).toHaveLength(14);
    expect(seen).toEqual(expect.arrayContaining(['/v1/models/nobody/embed 404', '/v1/models/sst2/embed 400', '/embed 400', '/predict 400', '/v1/embeddings 400', '/healthz no key 200', '/metrics no key 401']));
  });
});
