import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';
import type { Encoder, TaskModel } from '@bertkit/encoder';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type { Bundle } from '../bundle.js';
import type { Batcher } from './batcher.js';
import { HttpError, validationError } from './http-error.js';
import { Metrics } from './metrics.js';
import { declaredOversize, drainBody } from './oversized-body.js';
import { type Usage, registerRoutes } from './routes.js';
import { routeSchemas } from './schemas.js';

export interface ServedModel {
  name: string;
  /** A trained bundle (a head on frozen features), or null for a fine-tuned model served as shipped. */
  bundle: Bundle | null;
  /** A fine-tuned model whose graph gives logits (`serve --model`): predictions come from it. */
  task: TaskModel | null;
  /** Embeds and feeds bundle heads; null when the model's graph has no last_hidden_state (a task export). */
  encoder: Encoder | null;
  batcher: Batcher | null;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

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
  /** pino level of the JSON log lines (default info). */
  logLevel?: LogLevel;
  /** Where log lines go (default stderr). */
  logStream?: Writable;
}

const OPEN_ROUTES = new Set(['/healthz', '/readyz']);
/** After an early answer, what a client may still send before its connection is cut (see drainBody). */
const DRAIN = { maxBytes: 256 << 20, maxMs: 60_000 };
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export function createServer(options: ServerOptions): { app: FastifyInstance; metrics: Metrics } {
  const app = Fastify({
    bodyLimit: options.bodyLimit,
    logger: { level: options.logLevel ?? 'info', stream: options.logStream ?? process.stderr },
    // One access line per request, written in onResponse with the route, texts and tokens.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    // A caller's x-request-id is kept (when it is a plain token) so logs join up across services.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Types are checked, never coerced: 42 is not the text "42". Defaults (normalize, truncate) are filled in.
    ajv: { customOptions: { coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false } },
    schemaErrorFormatter: (errors, context) => validationError(errors, context),
  });
  const metrics = new Metrics({
    texts: () => options.models.reduce((s, m) => s + (m.batcher?.depth ?? 0), 0),
    tokens: () => options.models.reduce((s, m) => s + (m.batcher?.depthTokens ?? 0), 0),
  });
  const usage = new WeakMap<FastifyRequest, Usage>();

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
    reply.header('x-request-id', request.id);
    if (keyDigest && !OPEN_ROUTES.has(request.url.split('?')[0] as string)) {
      const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
      // Compared as fixed-length digests so neither the key's length nor its prefix leaks through timing.
      if (!timingSafeEqual(createHash('sha256').update(given).digest(), keyDigest)) {
        reply.header('www-authenticate', 'Bearer');
        throw new HttpError(401, 'missing or wrong API key (Authorization: Bearer <key>)', 'Unauthorized');
      }
    }
    // Answered from the header, before a byte of the body is read (drained in onSend).
    const declared = declaredOversize(request.raw, options.bodyLimit);
    if (declared !== null) throw new HttpError(413, `request body of ${declared} bytes is larger than ${options.bodyLimit} bytes (--body-limit)`);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    // An answer sent before the whole body arrived (413, 401, 404...): closed gently after the rest of
    // the body is drained, so the client reads the answer instead of a reset (see drainBody).
    if (!request.raw.complete) {
      reply.header('connection', 'close');
      drainBody(request.raw, DRAIN);
    }
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const used = usage.get(request);
    metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000, used);
    request.log.info({ method: request.method, route, status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime * 100) / 100, texts: used?.texts ?? 0, tokens: used?.tokens ?? 0 }, 'request');
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof HttpError) {
      reply.headers(error.headers);
      return reply.status(error.status).send(error.body);
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send(new HttpError(413, `request body larger than ${options.bodyLimit} bytes (--body-limit)`).body);
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(415).send(new HttpError(415, 'send Content-Type: application/json').body);
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return reply.status(error.statusCode).send(new HttpError(error.statusCode, error.message).body);
    request.log.error({ err: error }, 'internal error');
    return reply.status(500).send(new HttpError(500, 'internal error', 'Backend').body);
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send(new HttpError(404, `no route ${request.method} ${request.url.split('?')[0]}`, 'NotFound').body));

  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'bertkit serve', version: '1', description: 'BERT-family embeddings and trained heads with dynamic batching: TEI- and OpenAI-compatible routes plus bertkit routes per model. Errors are TEI-shaped {error, error_type} with the index of the offending text.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: keyDigest ? [{ bearer: [] }] : [],
    },
  });
  // Routes in a plugin registered after swagger, so swagger's onRoute hook sees every one of them.
  void app.register(async (scope) => {
    registerRoutes(scope, { ...options, schemas: routeSchemas(options), note: (request, u) => usage.set(request, u), metrics });
    scope.get('/openapi.json', { schema: routeSchemas(options).openapi }, async () => app.swagger());
  });
  return { app, metrics };
}
