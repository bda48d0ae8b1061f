import { l2Normalize } from '@bertkit/encoder';
import type { LogisticRegression, TokenClassifier } from '@bertkit/heads';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answer } from '../inference.js';
import { featureCache, wordFeatures } from '../tasks.js';
import { CancelledError, QueueFullError, type SentenceInput } from './batcher.js';
import { HttpError } from './http-error.js';
import { embedding, servedLabels, servedTask, servedTokenizer, takesPairs } from './served-model.js';
import type { Metrics } from './metrics.js';
import type { routeSchemas } from './schemas.js';
import type { ServedModel, ServerOptions } from './server.js';

/** Texts and tokens a request brought (the access log and the per-route counters). */
export interface Usage {
  texts: number;
  tokens: number;
}

interface RouteContext extends ServerOptions {
  schemas: ReturnType<typeof routeSchemas>;
  note: (request: FastifyRequest, usage: Usage) => void;
  metrics: Metrics;
}

type Texts = string | SentenceInput[];

/** The routes; bodies arrive checked against `schemas` (types, counts, characters per text). */
export function registerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { models, schemas } = ctx;
  // Models are looked up per request: the list fills while the server starts (readyz says when).
  const defaultModel = (): ServedModel => {
    const m = models[0];
    if (!m) throw new HttpError(503, 'models are still loading', 'Unhealthy');
    return m;
  };
  const model = (name: string): ServedModel => {
    const m = models.find((x) => x.name === name);
    if (!m) throw new HttpError(404, `unknown model ${JSON.stringify(name)}; GET /v1/models lists them`, 'NotFound');
    return m;
  };
  const list = (value: Texts): SentenceInput[] => (typeof value === 'string' ? [value] : value);
  const singles = (m: ServedModel, inputs: SentenceInput[], field: string): SentenceInput[] => {
    if (takesPairs(m)) return inputs;
    const i = inputs.findIndex((x) => typeof x !== 'string');
    if (i >= 0) throw new HttpError(400, `${field}[${i}] must be a string: model ${m.name} takes single texts, not pairs`, 'Validation', i);
    return inputs;
  };

  /** Token counts (capped at the model's length unless `refuseLong`, TEI's truncate=false). */
  const lengths = (request: FastifyRequest, m: ServedModel, inputs: SentenceInput[], refuseLong: boolean): number[] => {
    const { tokenizer, maxLength } = servedTokenizer(m);
    const counts = inputs.map((input, i) => {
      const n = typeof input === 'string' ? tokenizer.encode(input).ids.length : tokenizer.encode(input[0], input[1]).ids.length;
      if (refuseLong && n > maxLength) throw new HttpError(413, `inputs[${i}] has ${n} tokens, the model takes at most ${maxLength} (send truncate: true)`, 'Validation', i);
      return Math.min(n, maxLength);
    });
    ctx.note(request, { texts: inputs.length, tokens: counts.reduce((a, c) => a + c, 0) });
    return counts;
  };

  /** Waits for the batcher, cancelling on the deadline or a closed connection. */
  const queued = async <T>(submit: () => { promise: Promise<T>; cancel: () => void }, reply: FastifyReply): Promise<T> => {
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
    const timer = setTimeout(() => handle.cancel(), ctx.timeoutMs);
    try {
      return await handle.promise;
    } catch (e) {
      if (e instanceof CancelledError) throw new HttpError(504, `no answer within ${ctx.timeoutMs} ms`, 'Timeout');
      throw e;
    } finally {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
    }
  };
  const vectors = (m: ServedModel, inputs: SentenceInput[], counts: number[], reply: FastifyReply) => queued(() => embedding(m).batcher.embed(inputs, counts), reply);
  /** A fine-tuned model's own run, in turn with the model's batched runs when it also embeds. */
  const serial = <T>(m: ServedModel, fn: () => Promise<T>): Promise<T> => (m.batcher ? m.batcher.run(fn) : fn());
  const rows = (data: Float32Array, n: number): number[][] => {
    const dim = data.length / n;
    return Array.from({ length: n }, (_, r) => Array.from(data.subarray(r * dim, (r + 1) * dim)));
  };

  const classifyRows = (m: ServedModel, data: Float32Array, n: number) => {
    if (servedTask(m) !== 'classify' || !m.bundle) throw new HttpError(400, `model ${m.name} is a ${servedTask(m)} model, not a classifier`);
    const head = m.bundle.head as LogisticRegression;
    const p = head.predictProba({ data, rows: n, cols: data.length / n });
    const labels = head.classes.map(String);
    return Array.from({ length: n }, (_, r) => labels.map((label, k) => ({ label, score: p.data[r * labels.length + k] as number })).sort((a, b) => b.score - a.score));
  };

  // TEI: POST /embed {inputs, normalize=true, truncate=false} -> [[...]]
  app.post<{ Body: { inputs: string | string[]; normalize: boolean; truncate: boolean } }>('/embed', { schema: schemas.embed }, async (request, reply) => {
    const m = defaultModel();
    const inputs = list(request.body.inputs);
    const data = await vectors(m, inputs, lengths(request, m, inputs, !request.body.truncate), reply);
    if (request.body.normalize) l2Normalize(data, inputs.length, data.length / inputs.length);
    return rows(data, inputs.length);
  });

  // TEI: POST /predict {inputs: text | [a, b] | [text | [a, b], ...]} -> [{label, score}] or a list of them
  app.post<{ Body: { inputs: Texts | [string, string]; truncate: boolean } }>('/predict', { schema: schemas.predict }, async (request, reply) => {
    const m = defaultModel();
    const v = request.body.inputs;
    const single = typeof v === 'string' || (takesPairs(m) && v.length === 2 && v.every((x) => typeof x === 'string'));
    const inputs = single ? [v as SentenceInput] : (v as SentenceInput[]);
    const counts = lengths(request, m, inputs, !request.body.truncate);
    const task = m.task;
    const scores = task
      ? (await serial(m, () => task.classify(inputs))).map((p) => Object.entries(p.probs).map(([label, score]) => ({ label, score })).sort((a, b) => b.score - a.score))
      : classifyRows(m, await vectors(m, inputs, counts, reply), inputs.length);
    return single ? scores[0] : scores;
  });

  // OpenAI: POST /v1/embeddings {model?, input} -> {object: 'list', data, model, usage}
  app.post<{ Body: { model?: string; input: string | string[]; encoding_format: 'float' | 'base64' } }>('/v1/embeddings', { schema: schemas.openaiEmbeddings }, async (request, reply) => {
    const b = request.body;
    // OpenAI clients always name a model ("text-embedding-3-small"...): a served name picks it, anything
    // else the default model, as TEI does.
    const m = (b.model !== undefined && models.find((x) => x.name === b.model)) || defaultModel();
    const inputs = list(b.input);
    const counts = lengths(request, m, inputs, false);
    const data = await vectors(m, inputs, counts, reply);
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

  app.post<{ Params: { name: string }; Body: { texts: SentenceInput[]; normalize: boolean } }>('/v1/models/:name/embed', { schema: schemas.modelEmbed }, async (request, reply) => {
    const m = model(request.params.name);
    const inputs = singles(m, request.body.texts, 'texts');
    const data = await vectors(m, inputs, lengths(request, m, inputs, false), reply);
    const dim = data.length / inputs.length;
    if (request.body.normalize) l2Normalize(data, inputs.length, dim);
    return { model: m.name, dim, embeddings: rows(data, inputs.length) };
  });

  app.post<{ Params: { name: string }; Body: { texts?: SentenceInput[]; questions?: Array<{ question: string; context: string }> } }>('/v1/models/:name/predict', { schema: schemas.modelPredict }, async (request, reply) => {
    const m = model(request.params.name);
    const task = servedTask(m);
    if (task === 'embed') throw new HttpError(400, `model ${m.name} embeds only: it has no head to predict with`);
    if (task === 'qa') {
      const questions = request.body.questions;
      if (!questions) throw new HttpError(400, `field questions is required: model ${m.name} answers questions ([{question, context}])`);
      questions.forEach((q, i) => {
        if (q.context.length + q.question.length > ctx.maxInputChars) throw new HttpError(400, `questions[${i}] is longer than ${ctx.maxInputChars} characters`, 'Validation', i);
      });
      const { tokenizer } = servedTokenizer(m);
      const tokens = questions.reduce((s, q) => s + tokenizer.encode(q.question, q.context).ids.length, 0);
      ctx.note(request, { texts: questions.length, tokens });
      const t = m.task;
      if (t) return { model: m.name, predictions: (await serial(m, () => t.answer(questions))).map(([best]) => best ?? { answer: '', start: -1, end: -1, score: 0 }) };
      const { encoder, batcher } = embedding(m);
      const bundle = m.bundle as NonNullable<ServedModel['bundle']>;
      return { model: m.name, predictions: await batcher.run(() => answer(bundle, encoder, questions)) };
    }
    if (!request.body.texts) throw new HttpError(400, `field texts is required: model ${m.name} is a ${task} model`);
    const inputs = singles(m, request.body.texts, 'texts');
    if (task === 'ner') {
      // Token-level requests are merged with each other like sentence requests.
      const textsOnly = inputs.map(String);
      const counts = lengths(request, m, textsOnly, false);
      const t = m.task;
      if (t) return { model: m.name, predictions: (await serial(m, () => t.ner(textsOnly, { aggregation: 'simple' }))).map((entities) => ({ entities })) };
      const bundle = m.bundle as NonNullable<ServedModel['bundle']>;
      const tokens = await queued(() => embedding(m).batcher.tokens(textsOnly, counts, bundle.manifest.features.layers ?? [-1]), reply);
      const head = bundle.head as TokenClassifier;
      return { model: m.name, predictions: wordFeatures(tokens, textsOnly).map((f) => ({ entities: head.entities(f, f.text, 'simple') })) };
    }
    const counts = lengths(request, m, inputs, false);
    const t = m.task;
    if (t) return { model: m.name, predictions: await serial(m, () => t.classify(inputs)) };
    const scores = classifyRows(m, await vectors(m, inputs, counts, reply), inputs.length);
    return { model: m.name, predictions: scores.map((s) => ({ label: s[0]?.label, score: s[0]?.score, probs: Object.fromEntries(s.map((x) => [x.label, x.score])) })) };
  });

  app.get('/v1/models', { schema: schemas.models }, async () => ({
    object: 'list',
    data: models.map((m) => ({
      id: m.name,
      object: 'model',
      task: servedTask(m),
      labels: servedLabels(m),
      model_sha256: m.bundle?.manifest.model.sha256 ?? featureCache().fileDigest((m.task ?? m.encoder)!.files.onnx),
      pooling: m.bundle?.manifest.features.pooling ?? m.encoder?.defaults.poolingModes.join('+'),
      max_length: servedTokenizer(m).maxLength,
    })),
  }));
  app.get('/healthz', { schema: schemas.healthz }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: schemas.readyz }, async (_request, reply) => {
    if (models.length === 0) return reply.status(503).send({ status: 'loading' });
    return { status: 'ready', models: models.map((m) => m.name) };
  });
  app.get('/metrics', { schema: schemas.metrics }, async (_request, reply) => reply.type(ctx.metrics.contentType).send(await ctx.metrics.render()));
}
