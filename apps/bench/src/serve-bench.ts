import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { benchModel } from './bench-models.js';
import { formatTable } from './measure.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'dist', 'main.js');

export interface ServeRun {
  name: string;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  total: number;
  ok: number;
  overloaded: number;
  failed: number;
  meanBatchTexts: number;
  peakQueue: number;
}

export interface ServeBenchResult {
  model: string;
  connections: number;
  seconds: number;
  runs: ServeRun[];
  ratio: number;
  ratioInt8: number | null;
}

async function start(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const url = await new Promise<string>((ok, fail) => {
    child.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('\n')) ok(JSON.parse(out.split('\n')[0] as string).listening);
    });
    child.on('exit', (code) => fail(new Error(`bertkit serve exited ${code}: ${err}`)));
  });
  return { url, child };
}

function metric(text: string, name: string): number {
  return Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/**
 * The server under load: 32 connections sending 1-sentence POST /predict requests for a fixed time,
 * against the same bundle served with dynamic batching and without (one request per model run). Every
 * request must be answered 2xx or a deliberate 429; anything else fails the suite.
 */
export async function serveBench(shared: string, cacheDir: string, quick: boolean): Promise<ServeBenchResult> {
  const connections = 32;
  const seconds = quick ? 2 : 15;
  const model = quick ? join(shared, 'models', 'tiny-random-distilbert') : benchModel(cacheDir, shared, 'base').dir;
  const env = { ...process.env, BERTKIT_CACHE: join(cacheDir, 'bertkit-cache'), BERTKIT_PROGRESS: '0' };
  const work = join(cacheDir, 'serve');
  mkdirSync(work, { recursive: true });
  const lines = readFileSync(join(shared, 'data/sst2/train.tsv'), 'utf8').split('\n').filter(Boolean);
  writeFileSync(join(work, 'train.tsv'), lines.slice(0, 300).join('\n'));
  const bundle = join(work, quick ? 'bundle-tiny' : 'bundle-base');
  execFileSync(process.execPath, [CLI, 'train', '--model', model, '--data', join(work, 'train.tsv'), '--out', bundle], { env, stdio: 'ignore' });
  const sentences = readFileSync(join(shared, 'data/sst2/dev.tsv'), 'utf8').split('\n').filter(Boolean).slice(0, 200).map((l) => l.split('\t')[0] as string);
  const requests = sentences.map((s) => ({ method: 'POST' as const, path: '/predict', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: s }) }));

  const runs: ServeRun[] = [];
  const variants = quick ? [[] as string[]] : [[] as string[], ['--quantized']];
  const configs = variants.flatMap((v) => [
    [`dynamic batching${v.length ? ', int8' : ', fp32'}`, ['--max-delay-ms', '5', '--max-batch-tokens', '2048', ...v]],
    [`no batching${v.length ? ', int8' : ', fp32'}`, ['--no-batching', ...v]],
  ] as Array<[string, string[]]>);
  for (const [name, flags] of configs) {
    const { url, child } = await start(['--bundle', bundle, ...flags], env);
    try {
      // Warm-up: first runs allocate onnxruntime's buffers.
      await autocannon({ url, connections: 4, duration: 1, requests });
      let peakQueue = 0;
      const sampler = setInterval(() => {
        void fetch(`${url}/metrics`).then(async (r) => (peakQueue = Math.max(peakQueue, metric(await r.text(), 'bertkit_queue_depth')))).catch(() => {});
      }, 250);
      const before = await (await fetch(`${url}/metrics`)).text();
      const r = await autocannon({ url, connections, duration: seconds, requests });
      clearInterval(sampler);
      const after = await (await fetch(`${url}/metrics`)).text();
      const batches = metric(after, 'bertkit_batch_texts_count') - metric(before, 'bertkit_batch_texts_count');
      const texts = metric(after, 'bertkit_batch_texts_sum') - metric(before, 'bertkit_batch_texts_sum');
      const status = r.statusCodeStats as Record<string, { count: number }>;
      const ok = Object.entries(status).filter(([c]) => c.startsWith('2')).reduce((s, [, v]) => s + v.count, 0);
      const overloaded = status['429']?.count ?? 0;
      const failed = r.errors + r.timeouts + (r.non2xx - overloaded);
      runs.push({ name, requestsPerSecond: ok / r.duration, latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max }, total: r.requests.total, ok, overloaded, failed, meanBatchTexts: texts / batches, peakQueue });
      if (failed > 0) throw new Error(`serve bench (${name}): ${failed} requests failed or were lost (${JSON.stringify(status)}, errors ${r.errors}, timeouts ${r.timeouts})`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
    }
  }
  const ratios = runs.filter((_, i) => i % 2 === 0).map((b, i) => b.requestsPerSecond / (runs[2 * i + 1] as ServeRun).requestsPerSecond);
  return { model: quick ? 'tiny-random-distilbert' : 'random DistilBERT-base (fp32 and int8)', connections, seconds, runs, ratio: ratios[0] as number, ratioInt8: ratios[1] ?? null };
}

export function printServeBench(r: ServeBenchResult): void {
  console.log(`\n## Serve: ${r.connections} clients sending 1-sentence POST /predict for ${r.seconds} s, ${r.model}, loopback\n`);
  console.log(
    formatTable(
      ['server', 'requests/s', 'p50 ms', 'p99 ms', 'answered 2xx', '429', 'failed', 'texts per run', 'peak queue'],
      r.runs.map((x) => [x.name, x.requestsPerSecond.toFixed(1), x.latencyMs.p50.toFixed(0), x.latencyMs.p99.toFixed(0), String(x.ok), String(x.overloaded), String(x.failed), x.meanBatchTexts.toFixed(1), String(x.peakQueue)]),
    ),
  );
  console.log(`\ndynamic batching vs none: ${r.ratio.toFixed(2)}x throughput${r.ratioInt8 ? ` (fp32), ${r.ratioInt8.toFixed(2)}x (int8)` : ''}; goal >= 3x`);
}
