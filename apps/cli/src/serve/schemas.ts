/**
 * JSON Schemas of every request and response. Fastify validates bodies with them (ajv), serialises
 * responses with them, and @fastify/swagger turns them into /openapi.json, so the document cannot drift
 * from what the server does. Limits (texts per request, characters per text) are the server's own.
 */
export interface SchemaLimits {
  maxClientBatch: number;
  maxInputChars: number;
}

const ERROR_TYPES = ['Validation', 'Overloaded', 'NotFound', 'Unauthorized', 'Timeout', 'Backend', 'Unhealthy'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/** TEI's error body, plus the offending text's position when there is one. */
const ERROR = {
  type: 'object',
  required: ['error', 'error_type'],
  properties: {
    error: { type: 'string' },
    error_type: { type: 'string', enum: [...ERROR_TYPES] },
    index: { type: 'integer', minimum: 0, description: 'position of the offending text in the request' },
  },
} as const;

const ERROR_WHY: Record<number, string> = {
  400: 'malformed JSON, invalid UTF-8, wrong types, too many texts or a text too long (index names it)',
  401: 'missing or wrong API key (Authorization: Bearer <key>)',
  404: 'unknown model',
  413: 'body larger than --body-limit, or an input longer than the model with truncate=false',
  415: 'not Content-Type: application/json',
  429: 'queue full; retry after the Retry-After seconds',
  503: 'models still loading or the server shutting down',
  504: 'no answer within --timeout-ms',
};

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { description: ERROR_WHY[c], ...ERROR }]));
const INFERENCE_ERRORS = [400, 401, 413, 415, 429, 503, 504];

const vector = { type: 'array', items: { type: 'number' } } as const;
const scores = { type: 'array', items: { type: 'object', required: ['label', 'score'], properties: { label: { type: 'string' }, score: { type: 'number' } } } } as const;

export function routeSchemas(limits: SchemaLimits) {
  const text = { type: 'string', maxLength: limits.maxInputChars } as const;
  const pair = { type: 'array', items: text, minItems: 2, maxItems: 2 } as const;
  const list = <T extends object>(items: T) => ({ type: 'array', items, minItems: 1, maxItems: limits.maxClientBatch }) as const;
  const textOrTexts = { anyOf: [text, list(text)] } as const;
  const textsOrPairs = list({ anyOf: [text, pair] });
  const name = { type: 'object', required: ['name'], properties: { name: { type: 'string', description: 'a served model (GET /v1/models)' } } } as const;

  return {
    embed: {
      summary: 'TEI: embeddings of the default (first) model',
      tags: ['TEI'],
      body: { type: 'object', required: ['inputs'], properties: { inputs: textOrTexts, normalize: { type: 'boolean', default: true }, truncate: { type: 'boolean', default: false } } },
      response: { 200: { description: 'one vector per input', type: 'array', items: vector }, ...errors(...INFERENCE_ERRORS) },
    },
    predict: {
      summary: 'TEI: label scores of the default (first) classifier',
      tags: ['TEI'],
      body: { type: 'object', required: ['inputs'], properties: { inputs: { anyOf: [text, pair, textsOrPairs] }, truncate: { type: 'boolean', default: false } } },
      response: { 200: { description: '[{label, score}] sorted by score for one input, or one such list per input', anyOf: [scores, { type: 'array', items: scores }] }, ...errors(...INFERENCE_ERRORS) },
    },
    openaiEmbeddings: {
      summary: 'OpenAI: embeddings (a served model name picks it, any other name the default model)',
      tags: ['OpenAI'],
      body: { type: 'object', required: ['input'], properties: { model: { type: 'string' }, input: textOrTexts, encoding_format: { type: 'string', enum: ['float', 'base64'], default: 'float' } } },
      response: {
        200: {
          description: 'L2-normalised embeddings',
          type: 'object',
          required: ['object', 'data', 'model', 'usage'],
          properties: {
            object: { type: 'string', enum: ['list'] },
            data: {
              type: 'array',
              items: {
                type: 'object',
                required: ['object', 'index', 'embedding'],
                properties: { object: { type: 'string', enum: ['embedding'] }, index: { type: 'integer' }, embedding: { anyOf: [vector, { type: 'string', description: 'base64 of little-endian float32' }] } },
              },
            },
            model: { type: 'string' },
            usage: { type: 'object', required: ['prompt_tokens', 'total_tokens'], properties: { prompt_tokens: { type: 'integer' }, total_tokens: { type: 'integer' } } },
          },
        },
        ...errors(...INFERENCE_ERRORS),
      },
    },
    modelEmbed: {
      summary: "a model's sentence vectors (its bundle's pooling)",
      tags: ['bertkit'],
      params: name,
      body: { type: 'object', required: ['texts'], properties: { texts: textsOrPairs, normalize: { type: 'boolean', default: false } } },
      response: {
        200: { description: '{model, dim, embeddings}', type: 'object', required: ['model', 'dim', 'embeddings'], properties: { model: { type: 'string' }, dim: { type: 'integer' }, embeddings: { type: 'array', items: vector } } },
        ...errors(...INFERENCE_ERRORS, 404),
      },
    },
    modelPredict: {
      summary: 'labels and probabilities (classify), entities with offsets (ner), answers (qa)',
      tags: ['bertkit'],
      params: name,
      body: {
        type: 'object',
        description: 'texts for classify and ner bundles, questions for qa bundles',
        properties: {
          texts: textsOrPairs,
          questions: list({ type: 'object', required: ['question', 'context'], properties: { question: text, context: text } }),
        },
      },
      response: {
        200: {
          description: '{model, predictions}: one per text or question',
          type: 'object',
          required: ['model', 'predictions'],
          properties: {
            model: { type: 'string' },
            predictions: {
              type: 'array',
              items: {
                anyOf: [
                  { type: 'object', required: ['label', 'score', 'probs'], properties: { label: { type: 'string' }, score: { type: 'number' }, probs: { type: 'object', additionalProperties: { type: 'number' } } } },
                  {
                    type: 'object',
                    required: ['entities'],
                    properties: { entities: { type: 'array', items: { type: 'object', required: ['entity', 'score', 'start', 'end', 'word'], properties: { entity: { type: 'string' }, score: { type: 'number' }, start: { type: 'integer' }, end: { type: 'integer' }, word: { type: 'string' } } } } },
                  },
                  { type: 'object', required: ['answer', 'start', 'end', 'score'], properties: { answer: { type: 'string' }, start: { type: 'integer' }, end: { type: 'integer' }, score: { type: 'number' } } },
                ],
              },
            },
          },
        },
        ...errors(...INFERENCE_ERRORS, 404),
      },
    },
    models: {
      summary: 'served models: name, task, labels, model sha256',
      tags: ['bertkit'],
      response: {
        200: {
          description: 'OpenAI-style model list',
          type: 'object',
          required: ['object', 'data'],
          properties: {
            object: { type: 'string', enum: ['list'] },
            data: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'object', 'task', 'labels', 'model_sha256', 'max_length'],
                properties: { id: { type: 'string' }, object: { type: 'string', enum: ['model'] }, task: { type: 'string' }, labels: { type: 'array', items: { type: 'string' } }, model_sha256: { type: 'string' }, pooling: { type: 'string' }, max_length: { type: 'integer' } },
              },
            },
          },
        },
        ...errors(401),
      },
    },
    openapi: { summary: 'this document (OpenAPI 3.1, generated from the route schemas)', tags: ['operations'], response: { 200: { description: 'OpenAPI 3.1 document', type: 'object', additionalProperties: true }, ...errors(401) } },
    healthz: { summary: 'alive', tags: ['operations'], security: [], response: { 200: { description: 'alive', type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } } },
    readyz: {
      summary: 'models loaded',
      tags: ['operations'],
      security: [],
      response: {
        200: { description: 'ready', type: 'object', required: ['status', 'models'], properties: { status: { type: 'string', enum: ['ready'] }, models: { type: 'array', items: { type: 'string' } } } },
        503: { description: 'still loading', type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['loading'] } } },
      },
    },
    metrics: {
      summary: 'Prometheus metrics: Node and process defaults, requests by route and status, latency, model runs, queue',
      tags: ['operations'],
      response: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors(401) },
    },
  };
}
