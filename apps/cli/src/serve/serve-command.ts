import { basename, resolve } from 'node:path';
import { parseCommand } from '../args.js';
import { bundleEncoder, loadBundle } from '../bundle.js';
import { CliError } from '../cli-error.js';
import { Batcher } from './batcher.js';
import { SERVE_FLAGS, serveSettings } from './serve-options.js';
import { loadShipped } from './load-shipped.js';
import { servedTask } from './served-model.js';
import { type ServedModel, createServer } from './server.js';

export const SERVE_USAGE = `bertkit serve --bundle <dir> [--bundle <name>=<dir> ...] [--model [<name>=]<dir | hub id> ...] [options]
  An HTTP inference server for trained bundles and for models as the Hub ships them (--model: a fine-tuned
  classifier, NER or QA model predicts with its own head and id2label; a sentence-transformers model embeds
  with its pooling and Normalize): TEI-compatible POST /embed and /predict (the first bundle or model), OpenAI-compatible POST /v1/embeddings, POST /v1/models/<name>/predict and /embed,
  GET /v1/models, /healthz, /readyz, /metrics (Prometheus), /openapi.json. Concurrent requests are
  merged into batches (dynamic batching). SIGTERM / Ctrl-C: stop accepting, finish what is in flight, exit 0.
  Every option can also come from a BERTKIT_* environment variable (--max-batch-tokens: BERTKIT_MAX_BATCH_TOKENS,
  --no-batching: BERTKIT_NO_BATCHING=1, --bundle: BERTKIT_BUNDLE=a,b=dir); flags win.
  --host <h>                 default 127.0.0.1 (loopback only unless told otherwise)
  --port <n>                 default 8080 (0: any free port, printed on start)
  --max-batch-tokens <n>     tokens per model run (default 2048)
  --max-delay-ms <n>         how long a request waits for others to batch with (default 5)
  --no-batching              one request per model run (for comparison)
  --max-queue <n>            texts waiting before 429 (default 4096)
  --max-client-batch <n>     texts per request (default 32)
  --max-input-chars <n>      characters per text (default 20000)
  --body-limit <bytes>       default 1048576 (413 beyond, answered from Content-Length)
  --timeout-ms <n>           per-request deadline, 504 beyond (default 30000)
  --api-key <key>            require Authorization: Bearer <key> (or BERTKIT_API_KEY)
  --quantized                run the int8 sibling (onnx/model_quantized.onnx) of each bundle's model
  --log-level <l>            JSON log lines on stderr: fatal|error|warn|info|debug|trace|silent (default info);
                             info logs one line per request (request id, route, status, duration, texts, tokens)`;

export async function serveCommand(argv: string[]): Promise<void> {
  const p = parseCommand(argv, SERVE_FLAGS, SERVE_USAGE);
  if (!p) return;
  const settings = serveSettings(p.values);
  if (settings.bundles.length === 0 && settings.models.length === 0) throw new CliError('E_USAGE', '--bundle or --model (or BERTKIT_BUNDLE / BERTKIT_MODEL) is required (see bertkit serve --help)');
  const batcherOptions = { maxBatchTokens: settings.maxBatchTokens, maxDelayMs: settings.maxDelayMs, maxQueue: settings.maxQueue, batching: settings.batching };
  const names = new Set<string>();
  const named = (spec: string, flag: string) => {
    const eq = spec.indexOf('=');
    const ref = eq > 0 ? spec.slice(eq + 1) : spec;
    const name = eq > 0 ? spec.slice(0, eq) : basename(resolve(ref));
    if (!/^[\w.-]+$/.test(name)) throw new CliError('E_USAGE', `model name ${JSON.stringify(name)} may only hold letters, digits, '.', '_' and '-' (use --${flag} name=${flag === 'bundle' ? 'dir' : 'model'})`);
    if (names.has(name)) throw new CliError('E_USAGE', `two models are named ${JSON.stringify(name)}; name them with --${flag} name=...`);
    names.add(name);
    return { name, ref };
  };
  const loaded = settings.bundles.map((spec) => {
    const { name, ref } = named(spec, 'bundle');
    return { name, bundle: loadBundle(ref) };
  });
  const shipped = settings.models.map((spec) => named(spec, 'model'));
  const models: ServedModel[] = [];
  const { timeoutMs } = settings;
  const { app, metrics } = createServer({
    models,
    apiKey: settings.apiKey,
    bodyLimit: settings.bodyLimit,
    maxClientBatch: settings.maxClientBatch,
    maxInputChars: settings.maxInputChars,
    timeoutMs,
    logLevel: settings.logLevel,
  });
  for (const { name, bundle } of loaded) {
    const encoder = await bundleEncoder(bundle, undefined, { quantized: settings.quantized });
    const batcher = new Batcher(encoder, { ...bundle.manifest.features }, batcherOptions, (b) => metrics.batch(b));
    models.push({ name, bundle, task: null, encoder, batcher });
  }
  for (const { name, ref } of shipped) models.push(await loadShipped(name, ref, settings.quantized, (encoder) => new Batcher(encoder, {}, batcherOptions, (b) => metrics.batch(b))));
  const { port, host } = settings;
  try {
    await app.listen({ port, host, listenTextResolver: () => '' });
  } catch (e) {
    throw new CliError('E_LISTEN', `cannot listen on ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const address = app.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const ready = { listening: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`, models: models.map((m) => ({ name: m.name, task: servedTask(m), quantized: settings.quantized })), batching: batcherOptions.batching };
  // One machine-readable line first on stdout, for scripts and tests that start the server on port 0.
  console.log(JSON.stringify(ready));
  app.log.info(ready, 'listening');
  await new Promise<void>((done) => {
    const stop = async (signal: string) => {
      app.log.info({ signal }, 'finishing requests in flight');
      // close() stops accepting and waits for requests in flight; keep-alive connections that fall idle
      // meanwhile are closed as they do, and after the request deadline nothing is waited for.
      const closing = app.close();
      const idle = setInterval(() => app.server.closeIdleConnections(), 50);
      const hard = setTimeout(() => app.server.closeAllConnections(), timeoutMs + 5000);
      await closing;
      clearInterval(idle);
      clearTimeout(hard);
      for (const m of models) {
        await m.encoder?.release();
        await m.task?.release();
      }
      app.log.info('stopped');
      done();
    };
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}
