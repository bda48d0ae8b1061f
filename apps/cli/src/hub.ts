// What bertkit takes from a Hub repository and what it derives from it. The protocol and the shared
// Hugging Face cache belong to @bertkit/hub; this file decides which files a model needs and keeps what
// bertkit makes (converted or quantized graphs) outside the Hugging Face cache, under derived/.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { readGraphInfo } from '@bertkit/encoder';
import { HubError, REPO_ID, type RevisionInfo, cachedSnapshot, hubSettings, resolveRevision, snapshotDownload } from '@bertkit/hub';
import { convertCheckpoint, quantizeModel } from '@bertkit/onnx-builder';
import { CliError } from './cli-error.js';
import { Progress } from './progress.js';

/** bertkit's own cache (features, derived graphs): BERTKIT_CACHE, else $XDG_CACHE_HOME/bertkit, else ~/.cache/bertkit. */
export function cacheRoot(): string {
  if (process.env.BERTKIT_CACHE) return process.env.BERTKIT_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bertkit');
}

/** `org/name` or `name`, as the Hub spells repository ids. */
export const HUB_ID = REPO_ID;

/** What a model is used for decides which graph outputs it needs. */
export type ModelUse = 'embed' | 'task';
const NEEDED: Record<ModelUse, string> = { embed: 'last_hidden_state', task: 'logits' };
/** Whether a graph's outputs serve the use: a QA export has start_logits and end_logits instead of logits. */
function serves(outputs: readonly string[] | null | undefined, use: ModelUse): boolean {
  if (!outputs) return false;
  return outputs.includes(NEEDED[use]) || (use === 'task' && outputs.includes('start_logits') && outputs.includes('end_logits'));
}

/** Graphs and weights bertkit can use, in order of preference. */
const GRAPHS = ['onnx/model.onnx', 'model.onnx'];
const WEIGHTS = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json'];
/** The files of a checkpoint: the single file, or a sharded one's index and shards. */
const SHARD = { 'model.safetensors.index.json': /^model-\d+-of-\d+\.safetensors$/, 'pytorch_model.bin.index.json': /^pytorch_model-\d+-of-\d+\.bin$/ } as Record<string, RegExp>;
const weightFiles = (weights: string, present: Set<string>) => [weights, ...[...present].filter((f) => SHARD[weights]?.test(f))];
/** Weights and exports bertkit does not read: never downloaded. */
const NOT_NEEDED = /\.(onnx|onnx_data|safetensors|bin|h5|msgpack|ot|pt|pth|ckpt|tflite|mlmodel|gguf)$|^(onnx|openvino|coreml|tf|flax|train-reference)\//;
/** An architecture with a task head: its ONNX export usually has the head's outputs only. */
const TASK_ARCH = /For(SequenceClassification|TokenClassification|QuestionAnswering|MultipleChoice)$/;

/** Where bertkit keeps what it derives from a commit of a repository (never inside the HF cache's snapshots). */
export function derivedDir(id: string, commit: string): string {
  return join(cacheRoot(), 'derived', id.split('/').join('--'), commit);
}

/** The directory bertkit used before it shared the Hugging Face cache (~/.cache/bertkit/models/org--name). */
function legacySnapshot(id: string, revision: string): string | null {
  const repo = join(cacheRoot(), 'models', id.replace('/', '--'));
  const ref = join(repo, 'refs', revision);
  const commit = existsSync(ref) ? readFileSync(ref, 'utf8').trim() : revision;
  const dir = join(repo, 'snapshots', commit);
  return existsSync(join(dir, 'config.json')) ? dir : null;
}

/**
 * The outputs of an ONNX graph, or null when the file is not one (a broken download, another format).
 * Remembered per blob (content-addressed, so never stale) under derived/: a --model <id> run then does not
 * read a large graph twice.
 */
export function graphOutputs(file: string): string[] | null {
  const blob = realpathSync(file);
  const stat = statSync(blob);
  const key = /^[0-9a-f]{40,64}$/.test(basename(blob)) ? basename(blob) : createHash('sha1').update(`${blob}:${stat.size}:${stat.mtimeMs}`).digest('hex');
  const memo = join(cacheRoot(), 'derived', 'graph-outputs', `${key}.json`);
  try {
    return JSON.parse(readFileSync(memo, 'utf8')) as string[];
  } catch {
    // Not checked yet.
  }
  let outputs: string[];
  try {
    outputs = readGraphInfo(readFileSync(blob)).outputs;
  } catch {
    return null;
  }
  try {
    mkdirSync(dirname(memo), { recursive: true });
    writeFileSync(`${memo}.${process.pid}`, JSON.stringify(outputs));
    renameSync(`${memo}.${process.pid}`, memo);
  } catch {
    // A read-only cache only costs the check next time.
  }
  return outputs;
}

const graphIn = (dir: string) => GRAPHS.map((g) => join(dir, g)).find((g) => existsSync(g));

/**
 * The model directory for a Hub id at a revision, from the caches only (no network, so HF_HUB_OFFLINE and
 * models downloaded by Python work): a graph bertkit derived for that commit, else the snapshot itself if
 * its ONNX graph has the outputs the use needs, else a graph converted now from the snapshot's weights.
 * Null when the repository is in no cache.
 */
export function cachedModel(id: string, revision = 'main', use: ModelUse = 'embed'): string | null {
  const snapshot = cachedSnapshot(id, revision);
  if (!snapshot) {
    const legacy = legacySnapshot(id, revision);
    if (legacy) process.stderr.write(`note: using ${id} from bertkit's old cache (${legacy}); "bertkit pull ${id}" moves it to the Hugging Face cache\n`);
    return legacy;
  }
  if (!existsSync(join(snapshot, 'config.json'))) return null;
  const derived = derivedDir(id, basename(snapshot));
  if (existsSync(join(derived, 'onnx', 'model.onnx'))) return derived;
  const graph = graphIn(snapshot);
  if (graph && serves(graphOutputs(graph), use)) return snapshot;
  if (!WEIGHTS.some((w) => existsSync(join(snapshot, w)))) {
    if (graph) throw new CliError('E_MODEL', `${id}: ${relative(snapshot, graph)} has no ${NEEDED[use]} output and the cache has no weights to convert; run "bertkit pull ${id}"`);
    return null;
  }
  process.stderr.write(`note: ${id} ${graph ? `${relative(snapshot, graph)} has no ${NEEDED[use]} output` : 'has no ONNX graph'}: converting its weights once into ${derived}\n`);
  convertInto(snapshot, derived);
  return derived;
}

/**
 * Converts a snapshot's weights into `derived` (written beside it and renamed, so no half-converted model
 * is ever found), with the snapshot's other small files (tokenizer, sentence-transformers modules) copied.
 */
function convertInto(snapshot: string, derived: string): { bytes: number } {
  const tmp = `${derived}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const r = convertCheckpoint(snapshot, { output: tmp });
    for (const f of listFiles(snapshot)) {
      if (NOT_NEEDED.test(f) || existsSync(join(tmp, f))) continue;
      mkdirSync(join(tmp, f, '..'), { recursive: true });
      cpSync(join(snapshot, f), join(tmp, f), { dereference: true });
    }
    rmSync(derived, { recursive: true, force: true });
    renameSync(tmp, derived);
    return { bytes: r.bytes };
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

export interface PullOptions {
  revision?: string;
  quantized?: boolean;
  token?: string;
  endpoint?: string;
  /** embed (default): the graph must output last_hidden_state; task: logits. */
  use?: ModelUse;
  /** Progress on stderr; default when stderr is a terminal. */
  progress?: boolean;
}

export type PullStatus = 'downloaded' | 'resumed' | 'cached' | 'converted' | 'quantized';

export interface PullReport {
  id: string;
  revision: string;
  commit: string;
  /** The model directory to use: the snapshot in the Hugging Face cache, or bertkit's derived directory. */
  dir: string;
  /** snapshots/<commit> in the Hugging Face cache. */
  snapshot: string;
  files: Array<{ file: string; bytes: number; status: PullStatus; sha256: string | null }>;
  /** Decisions worth telling (a graph without the needed outputs, a conversion). */
  notes: string[];
}

/** HubError (and anything else thrown while pulling) as the one-line user error the CLI prints. */
function userError(error: unknown, endpoint: string): unknown {
  if (!(error instanceof HubError)) return error;
  if (error.code === 'E_UNREACHABLE') {
    return new CliError(
      'E_OFFLINE',
      `${error.message}. Offline? A model already in the Hugging Face cache works with HF_HUB_OFFLINE=1; or download it elsewhere (config.json, tokenizer files, onnx/model.onnx) and pass its directory as --model /path/to/dir, or set HF_ENDPOINT to a reachable mirror (now ${endpoint})`,
    );
  }
  return new CliError('E_HUB', error.message);
}

const numberEnv = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

/**
 * Downloads what bertkit needs from a Hugging Face repository into the shared Hugging Face cache:
 * config.json, tokenizer and module files, and the ONNX graph if it has the outputs the use needs (decided
 * from config.json's architectures first, checked after the download), else the weights, converted into
 * bertkit's derived directory.
 */
export async function pull(id: string, options: PullOptions = {}): Promise<PullReport> {
  if (!HUB_ID.test(id)) throw new CliError('E_USAGE', `"${id}" is not a Hub repository id (org/name)`);
  const settings = hubSettings();
  const endpoint = (options.endpoint ?? settings.endpoint).replace(/\/+$/, '');
  const revision = options.revision ?? 'main';
  const use = options.use ?? 'embed';
  if (settings.offline) {
    const dir = cachedModel(id, revision, use);
    if (!dir) throw new CliError('E_OFFLINE', `HF_HUB_OFFLINE is set and ${id}@${revision} is not in the Hugging Face cache (${settings.cacheDir})`);
    const snapshot = cachedSnapshot(id, revision) ?? dir;
    return { id, revision, commit: basename(snapshot), dir, snapshot, files: [], notes: ['HF_HUB_OFFLINE: served from the cache without a request'] };
  }
  const hub = {
    endpoint,
    ...(options.token ? { token: options.token } : {}),
    ...(numberEnv('BERTKIT_HUB_STALL_MS') ? { stallTimeoutMs: numberEnv('BERTKIT_HUB_STALL_MS') } : {}),
    ...(numberEnv('BERTKIT_HUB_RETRY_MS') !== undefined ? { baseDelayMs: numberEnv('BERTKIT_HUB_RETRY_MS'), maxDelayMs: 8 * (numberEnv('BERTKIT_HUB_RETRY_MS') as number) } : {}),
    ...(numberEnv('BERTKIT_HUB_RETRIES') !== undefined ? { retries: numberEnv('BERTKIT_HUB_RETRIES') } : {}),
  };
  try {
    const info = await resolveRevision(id, revision, hub);
    const present = new Set(info.files.map((f) => f.path));
    if (!present.has('config.json')) throw new CliError('E_HUB', `${id}@${revision} has no config.json: not a transformers model repository`);
    if (!['tokenizer.json', 'vocab.txt', 'vocab.json'].some((f) => present.has(f))) throw new CliError('E_HUB', `${id}@${revision} has no tokenizer files (tokenizer.json, vocab.txt or vocab.json)`);
    const report: PullReport = { id, revision, commit: info.commit, dir: '', snapshot: '', files: [], notes: [] };
    const fetch = async (files: string[], label: string) => {
      const progress = new Progress(`${id} ${label}`, 'MB', options.progress);
      const resolved: RevisionInfo = { ...info, files: info.files.filter((f) => files.includes(f.path)) };
      const snap = await snapshotDownload(id, { ...hub, revision, resolved, onProgress: (p) => progress.update(Math.round(p.bytes / 1e5) / 10, Math.round((p.total ?? Number.NaN) / 1e5) / 10) });
      progress.done();
      report.snapshot = snap.dir;
      for (const f of snap.files) report.files.push(f);
      return snap.dir;
    };
    const small = info.files.filter((f) => !NOT_NEEDED.test(f.path) && !f.path.endsWith('reference.json') && (f.size ?? 0) < 50e6).map((f) => f.path);
    const snapshot = await fetch(small, 'config and tokenizer');
    const architectures = readArchitectures(join(snapshot, 'config.json'));
    const graph = GRAPHS.find((g) => present.has(g));
    const weights = WEIGHTS.find((w) => present.has(w));
    // A task model's ONNX export (optimum's default for …ForSequenceClassification) has only logits:
    // for embeddings, take the weights instead of downloading a graph that would be thrown away.
    const predictedUnfit = use === 'embed' && architectures.some((a) => TASK_ARCH.test(a));
    let useGraph = Boolean(graph && !(predictedUnfit && weights));
    if (graph && !useGraph) report.notes.push(`${graph} of a ${architectures.join('/')} repository is a task export without last_hidden_state: using ${weights} instead`);
    if (useGraph && graph) {
      await fetch([graph, `${graph}_data`, ...(options.quantized ? ['onnx/model_quantized.onnx', 'model_quantized.onnx'] : [])].filter((f) => present.has(f)), graph);
      const outputs = graphOutputs(join(snapshot, graph));
      if (!serves(outputs, use)) {
        if (!weights) throw new CliError('E_HUB', `${id}@${revision}: ${graph} has no ${NEEDED[use]} output (it has ${outputs?.join(', ') || 'none'}) and the repository has no weights to convert`);
        report.notes.push(`${graph} has no ${NEEDED[use]} output (it has ${outputs?.join(', ')}): converting ${weights} instead`);
        useGraph = false;
      }
    }
    if (!useGraph) {
      if (!weights) throw new CliError('E_HUB', `${id}@${revision} has neither an ONNX export (onnx/model.onnx) nor weights (model.safetensors, pytorch_model.bin) to convert`);
      await fetch(weightFiles(weights, present), weights);
    }
    report.dir = useGraph ? snapshot : derivedDir(id, info.commit);
    if (!useGraph && !existsSync(join(report.dir, 'onnx', 'model.onnx'))) {
      const r = convertInto(snapshot, report.dir);
      report.files.push({ file: 'onnx/model.onnx', bytes: r.bytes, status: 'converted', sha256: null });
      report.notes.push(`converted ${weights} into ${report.dir} (outside the Hugging Face cache)`);
    }
    const hasQuantized = ['onnx/model_quantized.onnx', 'model_quantized.onnx'].some((f) => existsSync(join(report.dir, f)));
    if (options.quantized && !hasQuantized) {
      // Never write into a snapshot: a quantized graph made from the repository's own export goes to derived/ too.
      if (useGraph) {
        report.dir = derivedDir(id, info.commit);
        if (!existsSync(join(report.dir, 'onnx', 'model.onnx'))) copyModel(snapshot, report.dir);
      }
      const q = quantizeModel(join(report.dir, 'onnx', 'model.onnx'));
      report.files.push({ file: 'onnx/model_quantized.onnx', bytes: q.outputBytes, status: 'quantized', sha256: null });
    }
    return report;
  } catch (error) {
    throw userError(error, endpoint);
  }
}

/** A snapshot's files, dereferenced, into a derived directory (written beside it and renamed). */
function copyModel(snapshot: string, dir: string): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  cpSync(snapshot, tmp, { recursive: true, dereference: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

function readArchitectures(config: string): string[] {
  try {
    const a = (JSON.parse(readFileSync(config, 'utf8')) as { architectures?: unknown }).architectures;
    return Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    throw new CliError('E_HUB', `${config}: not valid JSON`);
  }
}
