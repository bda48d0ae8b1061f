import { basename, resolve } from 'node:path';
import { flag, int, parseCommand, str } from '../args.js';
import { bundleEncoder, loadBundle } from '../bundle.js';
import { CliError } from '../cli-error.js';
import { Batcher } from './batcher.js';
import { type ServedModel, createServer } from './server.js';

export const SERVE_USAGE = `bertkit serve --bundle <dir> [--bundle <name>=<dir> ...] [options]
  An HTTP inference server for trained bundles: TEI-compatible POST /embed and /predict (the first
  bundle), OpenAI-compatible POST /v1/embeddings, POST /v1/models/<name>/predict and /embed,
  GET /v1/models, /healthz, /readyz, /metrics (Prometheus), /openapi.json. Concurrent requests are
  merged into batches (dynamic batching). SIGTERM / Ctrl-C: stop accepting, finish what is in flight, exit 0.
  --host <h>                 default 127.0.0.1 (loopback only unless told otherwise)
  --port <n>                 default 8080 (0: any free port, printed on start)
  --max-batch-tokens <n>     tokens per model run (default 2048)
  --max-delay-ms <n>         how long a request waits for others to batch with (default 5)
  --no-batching              one request per model run (for comparison)
  --max-queue <n>            texts waiting before 429 (default 4096)
  --max-client-batch <n>     texts per request (default 32)
  --max-input-chars <n>      characters per text (default 20000)
  --body-limit <bytes>       default 1048576
  --timeout-ms <n>           per-request deadline, 504 beyond (default 30000)
  --api-key <key>            require Authorization: Bearer <key> (or BERTKIT_API_KEY)
  --quantized                run the int8 sibling (onnx/model_quantized.onnx) of each bundle's model`;

export async function serveCommand(argv: string[]): Promise<void> {
  const p = parseCommand(
    argv,
    {
      bundle: { type: 'string', multiple: true },
      host: { type: 'string' },
      port: { type: 'string' },
      'max-batch-tokens': { type: 'string' },
      'max-delay-ms': { type: 'string' },
      'no-batching': { type: 'boolean' },
      'max-queue': { type: 'string' },
      'max-client-batch': { type: 'string' },
      'max-input-chars': { type: 'string' },
      'body-limit': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'api-key': { type: 'string' },
      quantized: { type: 'boolean' },
    },
    SERVE_USAGE,
  );
  if (!p) return;
  const specs = (p.values.bundle as string[] | undefined) ?? [];
  if (specs.length === 0) throw new CliError('E_USAGE', '--bundle is required (see bertkit serve --help)');
  const batcherOptions = {
    maxBatchTokens: int(p, 'max-batch-tokens', 2048),
    maxDelayMs: int(p, 'max-delay-ms', 5, 0),
    maxQueue: int(p, 'max-queue', 4096),
    batching: !flag(p, 'no-batching'),
  };
  const names = new Set<string>();
  const loaded = specs.map((spec) => {
    const eq = spec.indexOf('=');
    const dir = eq > 0 ? spec.slice(eq + 1) : spec;
    const name = eq > 0 ? spec.slice(0, eq) : basename(resolve(dir));
    if (!/^[\w.-]+$/.test(name)) throw new CliError('E_USAGE', `model name ${JSON.stringify(name)} may only hold letters, digits, '.', '_' and '-' (use --bundle name=dir)`);
    if (names.has(name)) throw new CliError('E_USAGE', `two bundles are named ${JSON.stringify(name)}; name them with --bundle name=dir`);
    names.add(name);
    return { name, bundle: loadBundle(dir) };
  });
  const models: ServedModel[] = [];
  const timeoutMs = int(p, 'timeout-ms', 30_000);
  const { app, metrics } = createServer({
    models,
    apiKey: str(p, 'api-key') ?? process.env.BERTKIT_API_KEY,
    bodyLimit: int(p, 'body-limit', 1 << 20),
    maxClientBatch: int(p, 'max-client-batch', 32),
    maxInputChars: int(p, 'max-input-chars', 20_000),
    timeoutMs,
  });
  for (const { name, bundle } of loaded) {
    const encoder = await bundleEncoder(bundle, undefined, { quantized: flag(p, 'quantized') });
    const batcher = new Batcher(encoder, { ...bundle.manifest.features }, batcherOptions, (b) => metrics.batch(b.texts, b.requests));
    models.push({ name, bundle, encoder, batcher });
  }
  const port = int(p, 'port', 8080, 0);
  const host = str(p, 'host') ?? '127.0.0.1';
  try {
    await app.listen({ port, host });
  } catch (e) {
    throw new CliError('E_LISTEN', `cannot listen on ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const address = app.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  // One machine-readable line first, for scripts and tests that start the server on port 0.
  console.log(JSON.stringify({ listening: `http://${host}:${actual}`, models: models.map((m) => ({ name: m.name, task: m.bundle.manifest.task })), batching: batcherOptions.batching }));
  await new Promise<void>((done) => {
    const stop = async (signal: string) => {
      process.stderr.write(`bertkit serve: ${signal}, finishing requests in flight\n`);
      // close() stops accepting and waits for requests in flight; keep-alive connections that fall idle
      // meanwhile are closed as they do, and after the request deadline nothing is waited for.
      const closing = app.close();
      const idle = setInterval(() => app.server.closeIdleConnections(), 50);
      const hard = setTimeout(() => app.server.closeAllConnections(), timeoutMs + 5000);
      await closing;
      clearInterval(idle);
      clearTimeout(hard);
      for (const m of models) await m.encoder.release();
      done();
    };
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}
