/** OpenAPI 3.1 description of the server's routes, served at /openapi.json. */
export function openApi(): object {
  const error = { $ref: '#/components/schemas/Error' };
  const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: DESCRIPTIONS[c], content: { 'application/json': { schema: error } } }]));
  const json = (schema: object) => ({ content: { 'application/json': { schema } } });
  const texts = { oneOf: [{ type: 'string' }, { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 }] } }] };
  return {
    openapi: '3.1.0',
    info: { title: 'bertkit serve', version: '1', description: 'BERT-family embeddings and trained heads, with dynamic batching. TEI- and OpenAI-compatible routes plus bertkit routes per model.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: { type: 'object', required: ['error', 'error_type'], properties: { error: { type: 'string' }, error_type: { type: 'string' }, index: { type: 'integer' } } } },
    },
    security: [{ bearer: [] }],
    paths: {
      '/embed': { post: { summary: 'TEI: embeddings of the default model', requestBody: json({ type: 'object', required: ['inputs'], properties: { inputs: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }, normalize: { type: 'boolean', default: true }, truncate: { type: 'boolean', default: false } } }), responses: { '200': { description: 'one vector per input', ...json({ type: 'array', items: { type: 'array', items: { type: 'number' } } }) }, ...errors(400, 401, 413, 429, 504) } } },
      '/predict': { post: { summary: 'TEI: label scores of the default classifier', requestBody: json({ type: 'object', required: ['inputs'], properties: { inputs: texts, truncate: { type: 'boolean', default: false } } }), responses: { '200': { description: '[{label, score}] sorted by score, or one such list per input', ...json({ type: 'array' }) }, ...errors(400, 401, 413, 429, 504) } } },
      '/v1/embeddings': { post: { summary: 'OpenAI: embeddings', requestBody: json({ type: 'object', required: ['input'], properties: { model: { type: 'string' }, input: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }, encoding_format: { enum: ['float', 'base64'] } } }), responses: { '200': { description: '{object: "list", data: [{object, index, embedding}], model, usage}', ...json({ type: 'object' }) }, ...errors(400, 401, 413, 429, 504) } } },
      '/v1/models': { get: { summary: 'served models: name, task, labels, model sha256', responses: { '200': { description: 'list', ...json({ type: 'object' }) }, ...errors(401) } } },
      '/v1/models/{name}/predict': { post: { summary: 'labels and probabilities (classify), entities with offsets (ner), answers (qa: {questions: [{question, context}]})', parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }], requestBody: json({ type: 'object', properties: { texts, questions: { type: 'array' } } }), responses: { '200': { description: '{model, predictions}', ...json({ type: 'object' }) }, ...errors(400, 401, 404, 413, 429, 504) } } },
      '/v1/models/{name}/embed': { post: { summary: "the model's sentence vectors (its bundle's pooling)", parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }], requestBody: json({ type: 'object', required: ['texts'], properties: { texts, normalize: { type: 'boolean', default: false } } }), responses: { '200': { description: '{model, dim, embeddings}', ...json({ type: 'object' }) }, ...errors(400, 401, 404, 413, 429, 504) } } },
      '/healthz': { get: { summary: 'alive', security: [], responses: { '200': { description: 'ok' } } } },
      '/readyz': { get: { summary: 'models loaded', security: [], responses: { '200': { description: 'ready' }, '503': { description: 'loading or shutting down' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics: requests by route and status, latency, batch sizes, queue depth, RSS', responses: { '200': { description: 'text/plain; version=0.0.4' } } } },
      '/openapi.json': { get: { summary: 'this document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
  };
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'malformed JSON, invalid UTF-8, wrong types, too many texts or a text too long (index names it)',
  401: 'missing or wrong API key',
  404: 'unknown model',
  413: 'body too large, or an input longer than the model with truncate=false',
  429: 'queue full; retry after the Retry-After seconds',
  504: 'no answer within the request timeout',
};
