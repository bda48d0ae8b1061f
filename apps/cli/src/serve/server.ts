import { createHash, timingSafeEqual } from 'node:crypto';
import { type Encoder, l2Normalize } from '@bertkit/encoder';
import type { LogisticRegression, TokenClassifier } from '@bertkit/heads';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Bundle } from '../bundle.js';
import { answer } from '../inference.js';
import { wordFeatures } from '../tasks.js';
import { type Batcher, CancelledError, QueueFullError, type SentenceInput } from './batcher.js';
import { Metrics } from './metrics.js';
import { openApi } from './openapi.js';

export interface ServedModel {
  name: string;
  bundle: Bundle;
  encoder: Encoder;
  batcher: Batcher;
}

export interface ServerOptions {
  models: ServedModel[];
  apiKey?: string;
  /** Request body bytes (413 beyond). */
  bodyLimit: number;
  /** Texts per request (400 beyond, as TEI's max_client_batch_size). */
  maxClientBatch: number;
  /** Characters per text (400 beyond, naming the index). */
  maxInputChars: number;
  /** Per-request deadline (504 beyond). */
  timeoutMs: number;
}

/** An error answered as JSON in TEI's shape: {error, error_type} (plus the offending index). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: 'Validation' | 'Overloaded' | 'NotFound' | 'Unauthorized' | 'Timeout' | 'Backend' | 'Unhealthy' = 'Validation',
    readonly index?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const OPEN_ROUTES = new Set(['/healthz', '/readyz']);

export function createServer(options: ServerOptions): { app: FastifyInstance; metrics: Metrics } {
  const app = Fastify({ bodyLimit: options.bodyLimit, logger: false, return503OnClosing: true, forceCloseConnections: 'idle' });
  const metrics = new Metrics();
  // Models are looked up per request: the list fills while the server starts (readyz says when).
  const byName = { has: (n: string) => options.models.some((m) => m.name === n), get: (n: string) => options.models.find((m) => m.name === n) };
  const defaultModel = (): ServedModel => {
    const m = options.models[0];
    if (!m) throw new HttpError(503, 'models are still loading', 'Unhealthy');
    return m;
  };
  metrics.gauge('bertkit_queue_depth', 'Texts waiting for a model run.', () => options.models.reduce((s, m) => s + m.batcher.depth, 0));
  metrics.gauge('bertkit_queue_tokens', 'Tokens of the texts waiting for a model run.', () => options.models.reduce((s, m) => s + m.batcher.depthTokens, 0));
  metrics.gauge('process_resident_memory_bytes', 'Resident memory of the server process.', () => process.memoryUsage.rss());
  metrics.gauge('nodejs_heap_used_bytes', 'V8 heap in use (JavaScript objects), after the last collection.', () => process.memoryUsage().heapUsed);

  // Bytes are checked as UTF-8 before JSON.parse: invalid sequences are a 400, not silently replaced.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer' }, (_req, body, done) => {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body as Buffer);
    } catch {
      return done(new HttpError(400, 'request body is not valid UTF-8'), undefined);
    }
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new HttpError(400, `malformed JSON: ${(e as Error).message}`), undefined);
    }
  });

  const keyDigest = options.apiKey ? createHash('sha256').update(options.apiKey).digest() : null;
  app.addHook('onRequest', async (request, reply) => {
    if (!keyDigest || OPEN_ROUTES.has(request.url.split('?')[0] as string)) return;
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    // Compared as fixed-length digests so neither the key's length nor its prefix leaks through timing.
    if (!timingSafeEqual(createHash('sha256').update(given).digest(), keyDigest)) {
      reply.header('www-authenticate', 'Bearer');
      throw new HttpError(401, 'missing or wrong API key (Authorization: Bearer <key>)', 'Unauthorized');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.request(request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (error instanceof HttpError) {
      reply.headers(error.headers);
      return reply.status(error.status).send({ error: error.message, error_type: error.type, ...(error.index !== undefined ? { index: error.index } : {}) });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send({ error: `request body larger than ${options.bodyLimit} bytes`, error_type: 'Validation' });
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(415).send({ error: 'send Content-Type: application/json', error_type: 'Validation' });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return reply.status(error.statusCode).send({ error: error.message, error_type: 'Validation' });
    process.stderr.write(`bertkit serve: internal error: ${error.stack ?? error.message}\n`);
    return reply.status(500).send({ error: 'internal error', error_type: 'Backend' });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, error_type: 'NotFound' }));

  const model = (name: string | undefined): ServedModel => {
    if (name === undefined) return defaultModel();
    const m = byName.get(name);
    if (!m) throw new HttpError(404, `unknown model ${JSON.stringify(name)}; GET /v1/models lists them`, 'NotFound');
    return m;
  };

  /** Checks and normalises a list of texts (or pairs) from a request field. */
  const texts = (value: unknown, field: string, pairs: boolean): SentenceInput[] => {
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list)) throw new HttpError(400, `${field} must be a string or an array of strings`);
    if (list.length === 0) throw new HttpError(400, `${field} is empty`);
    if (list.length > options.maxClientBatch) throw new HttpError(400, `${field} holds ${list.length} texts, at most ${options.maxClientBatch} per request`);
    return list.map((t, i) => {
      const parts = pairs && Array.isArray(t) && t.length === 2 ? t : [t];
      for (const p of parts) {
        if (typeof p !== 'string') throw new HttpError(400, `${field}[${i}] must be a string${pairs ? ' or a pair of strings' : ''}, got ${Array.isArray(p) ? 'an array' : typeof p}`, 'Validation', i);
        if (p.length > options.maxInputChars) throw new HttpError(400, `${field}[${i}] has ${p.length} characters, at most ${options.maxInputChars}`, 'Validation', i);
      }
      return parts.length === 2 ? ([parts[0], parts[1]] as [string, string]) : (parts[0] as string);
    });
  };

  /** Token counts (capped at the model's length unless `refuseLong`, TEI's truncate=false). */
  const lengths = (m: ServedModel, inputs: SentenceInput[], refuseLong: boolean): number[] =>
    inputs.map((input, i) => {
      const n = typeof input === 'string' ? m.encoder.tokenizer.encode(input).ids.length : m.encoder.tokenizer.encode(input[0], input[1]).ids.length;
      if (refuseLong && n > m.encoder.maxLength) throw new HttpError(413, `inputs[${i}] has ${n} tokens, the model takes at most ${m.encoder.maxLength} (send truncate: true)`, 'Validation', i);
      return Math.min(n, m.encoder.maxLength);
    });

  /** Runs texts through the batcher, cancelling on timeout or a closed connection. */
  const vectors = (m: ServedModel, inputs: SentenceInput[], counts: number[], request: FastifyRequest, reply: FastifyReply): Promise<Float32Array> =>
    queued(() => m.batcher.embed(inputs, counts), request, reply);

  const queued = async <T>(submit: () => { promise: Promise<T>; cancel: () => void }, request: FastifyRequest, reply: FastifyReply): Promise<T> => {
    let handle;
    try {
      handle = submit();
    } catch (e) {
      if (e instanceof QueueFullError) throw new HttpError(429, `model overloaded: ${e.message}`, 'Overloaded', undefined, { 'retry-after': '1' });
      throw e;
    }
    const onClose = () => {
      if (!reply.raw.writableFinished) handle.cancel();
    };
    reply.raw.once('close', onClose);
    const timer = setTimeout(() => handle.cancel(), options.timeoutMs);
    try {
      return await handle.promise;
    } catch (e) {
      if (e instanceof CancelledError) throw new HttpError(504, `no answer within ${options.timeoutMs} ms`, 'Timeout');
      throw e;
    } finally {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
      void request;
    }
  };

  const classifyRows = (m: ServedModel, data: Float32Array, rows: number) => {
    if (m.bundle.manifest.task !== 'classify') throw new HttpError(400, `model ${m.name} is a ${m.bundle.manifest.task} model, not a classifier`);
    const head = m.bundle.head as LogisticRegression;
    const p = head.predictProba({ data, rows, cols: data.length / rows });
    const labels = head.classes.map(String);
    return Array.from({ length: rows }, (_, r) => labels.map((label, k) => ({ label, score: p.data[r * labels.length + k] as number })).sort((a, b) => b.score - a.score));
  };

  const body = (request: FastifyRequest): Record<string, unknown> => {
    const b = request.body;
    if (b === null || typeof b !== 'object' || Array.isArray(b)) throw new HttpError(400, 'the body must be a JSON object');
    return b as Record<string, unknown>;
  };
  const bool = (v: unknown, name: string, fallbackValue: boolean): boolean => {
    if (v === undefined) return fallbackValue;
    if (typeof v !== 'boolean') throw new HttpError(400, `${name} must be true or false`);
    return v;
  };

  // TEI: POST /embed {inputs, normalize=true, truncate=false} -> [[...]]
  app.post('/embed', async (request, reply) => {
    const b = body(request);
    const m = defaultModel();
    const inputs = texts(b.inputs, 'inputs', false);
    const data = await vectors(m, inputs, lengths(m, inputs, !bool(b.truncate, 'truncate', false)), request, reply);
    const dim = data.length / inputs.length;
    if (bool(b.normalize, 'normalize', true)) l2Normalize(data, inputs.length, dim);
    return Array.from({ length: inputs.length }, (_, r) => Array.from(data.subarray(r * dim, (r + 1) * dim)));
  });

  // TEI: POST /predict {inputs: text | [a, b] | [text | [a, b], ...]} -> [{label, score}] or a list of them
  app.post('/predict', async (request, reply) => {
    const b = body(request);
    const m = defaultModel();
    const v = b.inputs;
    const single = typeof v === 'string' || (m.bundle.manifest.pairs && Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string'));
    const inputs = texts(single ? [v] : v, 'inputs', true);
    const data = await vectors(m, inputs, lengths(m, inputs, !bool(b.truncate, 'truncate', false)), request, reply);
    const scores = classifyRows(m, data, inputs.length);
    return single ? scores[0] : scores;
  });

  // OpenAI: POST /v1/embeddings {model?, input} -> {object: 'list', data, model, usage}
  app.post('/v1/embeddings', async (request, reply) => {
    const b = body(request);
    // OpenAI clients always name a model ("text-embedding-3-small"...): a served name picks it, anything
    // else the default model, as TEI does.
    const m = typeof b.model === 'string' && byName.has(b.model) ? model(b.model) : defaultModel();
    if (b.encoding_format !== undefined && b.encoding_format !== 'float' && b.encoding_format !== 'base64') throw new HttpError(400, 'encoding_format must be "float" or "base64"');
    const inputs = texts(b.input, 'input', false);
    const counts = lengths(m, inputs, false);
    const data = await vectors(m, inputs, counts, request, reply);
    const dim = data.length / inputs.length;
    l2Normalize(data, inputs.length, dim);
    const tokens = counts.reduce((a, c) => a + c, 0);
    return {
      object: 'list',
      data: Array.from({ length: inputs.length }, (_, r) => {
        const row = data.subarray(r * dim, (r + 1) * dim);
        return { object: 'embedding', index: r, embedding: b.encoding_format === 'base64' ? Buffer.from(row.slice().buffer).toString('base64') : Array.from(row) };
      }),
      model: m.name,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  });

  app.post<{ Params: { name: string } }>('/v1/models/:name/embed', async (request, reply) => {
    const b = body(request);
    const m = model(request.params.name);
    const inputs = texts(b.texts, 'texts', m.bundle.manifest.pairs);
    const data = await vectors(m, inputs, lengths(m, inputs, false), request, reply);
    const dim = data.length / inputs.length;
    if (bool(b.normalize, 'normalize', false)) l2Normalize(data, inputs.length, dim);
    return { model: m.name, dim, embeddings: Array.from({ length: inputs.length }, (_, r) => Array.from(data.subarray(r * dim, (r + 1) * dim))) };
  });

  app.post<{ Params: { name: string } }>('/v1/models/:name/predict', async (request, reply) => {
    const b = body(request);
    const m = model(request.params.name);
    const task = m.bundle.manifest.task;
    if (task === 'qa') {
      const qs = b.questions;
      if (!Array.isArray(qs) || qs.length === 0) throw new HttpError(400, 'questions must be a non-empty array of {question, context}');
      if (qs.length > options.maxClientBatch) throw new HttpError(400, `questions holds ${qs.length} items, at most ${options.maxClientBatch} per request`);
      const questions = qs.map((q, i) => {
        const x = q as { question?: unknown; context?: unknown };
        if (typeof x?.question !== 'string' || typeof x?.context !== 'string') throw new HttpError(400, `questions[${i}] needs string question and context`, 'Validation', i);
        if (x.context.length + x.question.length > options.maxInputChars) throw new HttpError(400, `questions[${i}] is longer than ${options.maxInputChars} characters`, 'Validation', i);
        return { question: x.question, context: x.context };
      });
      return { model: m.name, predictions: await m.batcher.run(() => answer(m.bundle, m.encoder, questions)) };
    }
    const inputs = texts(b.texts, 'texts', m.bundle.manifest.pairs);
    if (task === 'ner') {
      // Token-level requests are merged with each other like sentence requests.
      const textsOnly = inputs.map(String);
      const tokens = await queued(() => m.batcher.tokens(textsOnly, lengths(m, textsOnly, false), m.bundle.manifest.features.layers ?? [-1]), request, reply);
      const head = m.bundle.head as TokenClassifier;
      return { model: m.name, predictions: wordFeatures(tokens, textsOnly).map((f) => ({ entities: head.entities(f, f.text, 'simple') })) };
    }
    const data = await vectors(m, inputs, lengths(m, inputs, false), request, reply);
    const scores = classifyRows(m, data, inputs.length);
    return { model: m.name, predictions: scores.map((s) => ({ label: s[0]?.label, score: s[0]?.score, probs: Object.fromEntries(s.map((x) => [x.label, x.score])) })) };
  });

  app.get('/v1/models', async () => ({
    object: 'list',
    data: options.models.map((m) => ({
      id: m.name,
      object: 'model',
      task: m.bundle.manifest.task,
      labels: m.bundle.manifest.labels,
      model_sha256: m.bundle.manifest.model.sha256,
      pooling: m.bundle.manifest.features.pooling,
      max_length: m.encoder.maxLength,
    })),
  }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (options.models.length === 0) return reply.status(503).send({ status: 'loading' });
    return { status: 'ready', models: options.models.map((m) => m.name) };
  });
  app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4').send(metrics.render()));
  app.get('/openapi.json', async () => openApi());
  return { app, metrics };
}
