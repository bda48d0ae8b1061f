import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { convertCheckpoint, quantizeModel } from '@bertkit/onnx-builder';
import { CliError } from './cli-error.js';
import { Progress, formatBytes } from './progress.js';

/** Where pulled models live: BERTKIT_CACHE, else $XDG_CACHE_HOME/bertkit, else ~/.cache/bertkit. */
export function cacheRoot(): string {
  if (process.env.BERTKIT_CACHE) return process.env.BERTKIT_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bertkit');
}

/** `org/name` or `name`, as the Hub spells repository ids. */
export const HUB_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

function repoDir(id: string): string {
  return join(cacheRoot(), 'models', id.replace('/', '--'));
}

/** The snapshot directory of a pulled model at `revision` (a branch, tag or commit), or null if not pulled. */
export function cachedSnapshot(id: string, revision = 'main'): string | null {
  const repo = repoDir(id);
  const ref = join(repo, 'refs', revision);
  const commit = existsSync(ref) ? readFileSync(ref, 'utf8').trim() : revision;
  const dir = join(repo, 'snapshots', commit);
  return existsSync(join(dir, 'config.json')) ? dir : null;
}

interface Sibling {
  rfilename: string;
  size?: number;
  lfs?: { sha256?: string; oid?: string; size?: number };
}

export interface PullOptions {
  revision?: string;
  quantized?: boolean;
  token?: string;
  endpoint?: string;
  /** Progress on stderr; default when stderr is a terminal. */
  progress?: boolean;
}

export interface PullReport {
  id: string;
  revision: string;
  commit: string;
  dir: string;
  /** 'converted' / 'quantized': made here from the downloaded weights (the repository had no such file). */
  files: Array<{ file: string; bytes: number; status: 'downloaded' | 'resumed' | 'cached' | 'converted' | 'quantized'; sha256: string | null }>;
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json'];

/**
 * Downloads what bertkit needs from a Hugging Face repository: config.json, the tokenizer files and the
 * ONNX graph (and its quantized sibling, and external-data files), through the Hub's resolve URLs.
 * Partial files resume with a Range request; sizes and LFS sha256 sums are verified before a file is
 * moved into the snapshot.
 */
export async function pull(id: string, options: PullOptions = {}): Promise<PullReport> {
  if (!HUB_ID.test(id)) throw new CliError('E_USAGE', `"${id}" is not a Hub repository id (org/name)`);
  const endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const token = options.token ?? process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN;
  const revision = options.revision ?? 'main';
  const headers: Record<string, string> = { 'user-agent': 'bertkit' };
  if (token) headers.authorization = `Bearer ${token}`;

  const info = (await request(`${endpoint}/api/models/${id}/revision/${encodeURIComponent(revision)}?blobs=true`, headers, endpoint, id)) as Response;
  const meta = (await info.json()) as { sha?: string; siblings?: Sibling[] };
  const commit = meta.sha ?? revision;
  const siblings = new Map((meta.siblings ?? []).map((s) => [s.rfilename, s]));
  const wanted = ['config.json', ...TOKENIZER_FILES].filter((f) => siblings.has(f));
  if (!siblings.has('config.json')) throw new CliError('E_HUB', `${id}@${revision} has no config.json: not a transformers model repository`);
  if (!TOKENIZER_FILES.some((f) => siblings.has(f))) throw new CliError('E_HUB', `${id}@${revision} has no tokenizer files (tokenizer.json or vocab.txt)`);
  const graph = ['onnx/model.onnx', 'model.onnx'].find((f) => siblings.has(f));
  // Most checkpoints on the Hub have no ONNX export: their safetensors weights are converted here.
  const convert = !graph && siblings.has('model.safetensors');
  if (!graph && !convert) throw new CliError('E_HUB', `${id}@${revision} has neither an ONNX export (onnx/model.onnx) nor model.safetensors to convert`);
  wanted.push(graph ?? 'model.safetensors');
  const quantizedFile = ['onnx/model_quantized.onnx', 'model_quantized.onnx'].find((f) => siblings.has(f));
  if (options.quantized && quantizedFile) wanted.push(quantizedFile);
  for (const f of [...wanted]) if (siblings.has(`${f}_data`)) wanted.push(`${f}_data`);

  const dir = join(repoDir(id), 'snapshots', commit);
  const report: PullReport = { id, revision, commit, dir, files: [] };
  for (const file of wanted) {
    const s = siblings.get(file) as Sibling;
    const size = s.lfs?.size ?? s.size;
    const sha256 = s.lfs?.sha256 ?? s.lfs?.oid ?? null;
    const target = join(dir, file);
    if (existsSync(target) && (size === undefined || statSync(target).size === size)) {
      report.files.push({ file, bytes: statSync(target).size, status: 'cached', sha256 });
      continue;
    }
    const status = await download(`${endpoint}/${id}/resolve/${commit}/${file}`, target, { headers, size, sha256, endpoint, id, file, progress: options.progress });
    report.files.push({ file, bytes: statSync(target).size, status, sha256 });
  }
  if (convert && !existsSync(join(dir, 'onnx', 'model.onnx'))) {
    const r = convertCheckpoint(dir);
    report.files.push({ file: 'onnx/model.onnx', bytes: r.bytes, status: 'converted', sha256: null });
  }
  if (options.quantized && !quantizedFile && !existsSync(join(dir, 'onnx', 'model_quantized.onnx'))) {
    const q = quantizeModel(join(dir, 'onnx', 'model.onnx'));
    report.files.push({ file: 'onnx/model_quantized.onnx', bytes: q.outputBytes, status: 'quantized', sha256: null });
  }
  mkdirSync(join(repoDir(id), 'refs'), { recursive: true });
  writeFileSync(join(repoDir(id), 'refs', revision), commit);
  return report;
}

/** No answer (headers) within this long: the endpoint is unreachable. */
const CONNECT_MS = 20_000;
/** No bytes of a body for this long (BERTKIT_HUB_STALL_MS): the download stalled. */
const stallMs = () => Number(process.env.BERTKIT_HUB_STALL_MS) || 60_000;

/**
 * A GET whose headers must arrive within CONNECT_MS; the body may take as long as it needs while bytes
 * keep coming (`watch` re-arms the stall timer on each chunk), so a large file on a slow line is not cut.
 */
async function request(url: string, headers: Record<string, string>, endpoint: string, id: string, init: { range?: number; watch?: (arm: () => void) => void } = {}): Promise<Response> {
  let response: Response;
  const controller = new AbortController();
  // Unref'd: a timer left armed after the body ends must not keep the process alive (aborting a finished
  // fetch does nothing).
  let timer = setTimeout(() => controller.abort(new Error(`no answer within ${CONNECT_MS / 1000} s`)), CONNECT_MS).unref();
  init.watch?.(() => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${stallMs() / 1000} s`)), stallMs()).unref();
  });
  try {
    response = await fetch(url, { headers: init.range ? { ...headers, range: `bytes=${init.range}-` } : headers, redirect: 'follow', signal: controller.signal });
    if (!init.watch) clearTimeout(timer);
  } catch (cause) {
    clearTimeout(timer);
    const reason = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).name;
    throw new CliError(
      'E_OFFLINE',
      `cannot reach ${endpoint} (${reason}). Offline? Download the model elsewhere (config.json, tokenizer files, onnx/model.onnx) and pass its directory as --model /path/to/dir, or set HF_ENDPOINT to a reachable mirror`,
    );
  }
  if (response.status === 401 || response.status === 403) throw new CliError('E_HUB', `${id}: access denied (HTTP ${response.status}); set HF_TOKEN for a gated or private repository`);
  if (response.status === 404) throw new CliError('E_HUB', `${id}: not found on ${endpoint} (HTTP 404): check the repository id and --revision`);
  if (!response.ok) throw new CliError('E_HUB', `${url}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

async function download(
  url: string,
  target: string,
  o: { headers: Record<string, string>; size: number | undefined; sha256: string | null; endpoint: string; id: string; file: string; progress: boolean | undefined },
): Promise<'downloaded' | 'resumed'> {
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.incomplete`;
  let have = existsSync(partial) ? statSync(partial).size : 0;
  if (o.size !== undefined && have > o.size) {
    rmSync(partial);
    have = 0;
  }
  let arm: () => void = () => {};
  const response = await request(url, o.headers, o.endpoint, o.id, { ...(have > 0 ? { range: have } : {}), watch: (a) => (arm = a) });
  arm();
  // A server that ignores Range answers 200 with the whole file: start over rather than append.
  const resumed = have > 0 && response.status === 206;
  if (!resumed) have = 0;
  const total = o.size ?? (Number(response.headers.get('content-length')) || Number.NaN) + have;
  const progress = new Progress(`${o.id}/${o.file}`, 'MB', o.progress);
  const out = createWriteStream(partial, { flags: resumed ? 'a' : 'w' });
  let got = have;
  try {
    if (!response.body) throw new CliError('E_HUB', `${url}: empty response`);
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      arm();
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
      got += chunk.length;
      progress.update(Math.round(got / 1e5) / 10, Math.round(total / 1e5) / 10);
    }
  } catch (cause) {
    await new Promise<void>((r) => out.end(() => r()));
    progress.done();
    if (cause instanceof CliError) throw cause;
    throw new CliError('E_HUB', `download of ${o.file} interrupted after ${formatBytes(got)} (${(cause as Error).message}); run the same pull again to resume`);
  }
  await new Promise<void>((r) => out.end(() => r()));
  progress.done();
  const bytes = statSync(partial).size;
  if (o.size !== undefined && bytes !== o.size) {
    throw new CliError('E_HUB', `download of ${o.file} stopped at ${formatBytes(bytes)} of ${formatBytes(o.size)}; run the same pull again to resume`);
  }
  if (o.sha256) {
    const digest = await sha256File(partial);
    if (digest !== o.sha256) {
      rmSync(partial);
      throw new CliError('E_HUB', `${o.file}: sha256 ${digest} does not match the Hub's ${o.sha256}; the damaged file was removed, pull again`);
    }
  }
  renameSync(partial, target);
  return resumed ? 'resumed' : 'downloaded';
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}
