import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CliError } from './cli-error.js';

/** The K-th (0-based) of N slices of an input. */
export interface Shard {
  index: number;
  count: number;
}

/** "K/N" (0 <= K < N) -> {index: K, count: N}; a bad value is a usage error naming it. */
export function parseShard(raw: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index >= count || !Number.isSafeInteger(count)) {
    throw new CliError('E_USAGE', `--shard must be K/N with 0 <= K < N (e.g. 0/4, or $JOB_COMPLETION_INDEX/4), got ${JSON.stringify(raw)}`);
  }
  return { index, count };
}

/**
 * Lines [start, end) of the K-th of N contiguous slices of `lines` inputs: floor(K * lines / N) to
 * floor((K + 1) * lines / N). Deterministic, covering every line once, sizes differing by at most one.
 */
export function shardRange(shard: Shard, lines: number): { start: number; end: number } {
  const at = (k: number) => Math.floor((k * lines) / shard.count);
  return { start: at(shard.index), end: at(shard.index + 1) };
}

/** vectors.npy + shard 2/4 -> vectors.shard-2-of-4.npy (beside the output the whole run would write). */
export function shardPartPath(output: string, shard: Shard): string {
  const m = /^(.*?)(\.[^./\\]+)$/.exec(output);
  const [stem, ext] = m ? [m[1] as string, m[2] as string] : [output, ''];
  return `${stem}.shard-${shard.index}-of-${shard.count}${ext}`;
}

/** Pattern matching every part shardPartPath gives for `output` (any K, any N). */
export function shardPartPattern(output: string): { stem: string; ext: string; re: RegExp } {
  const slash = Math.max(output.lastIndexOf('/'), output.lastIndexOf('\\'));
  const base = output.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const ext = dot > 0 ? base.slice(dot) : '';
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { stem, ext, re: new RegExp(`^${esc(stem)}\\.shard-(\\d+)-of-(\\d+)${esc(ext)}$`) };
}

/**
 * What a part holds, saved beside it as <part>.json: merge-shards checks the parts against each other
 * (same input, same options, every slice once, rows as promised) before joining them.
 */
export interface ShardManifest {
  format: 'bertkit-embed-shard';
  version: 1;
  shard: number;
  shards: number;
  /** Lines of the whole input (after --header) and this part's slice of them. */
  lines: number;
  start: number;
  end: number;
  rows: number;
  dim: number;
  /** The input's name and size in bytes: parts of different inputs must not be joined. */
  input: { name: string; bytes: number };
  /** Everything that changes the vectors (model, pooling, layers, ...). */
  options: Record<string, unknown>;
}

export function manifestPath(part: string): string {
  return `${part}.json`;
}

export function writeShardManifest(part: string, manifest: ShardManifest): void {
  const path = manifestPath(part);
  const temp = `${path}.partial-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(temp, path);
}

export function readShardManifest(part: string): ShardManifest {
  const path = manifestPath(part);
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    throw new CliError('E_SHARD', `${part}: no shard manifest ${path} beside it (parts are written by "bertkit embed --shard K/N --output ...")`);
  }
  let m: ShardManifest;
  try {
    m = JSON.parse(raw) as ShardManifest;
  } catch {
    throw new CliError('E_SHARD', `${path}: not valid JSON`);
  }
  if (m?.format !== 'bertkit-embed-shard' || m.version !== 1) throw new CliError('E_SHARD', `${path}: not a bertkit embed shard manifest (format ${JSON.stringify(m?.format)}, version ${JSON.stringify(m?.version)})`);
  for (const k of ['shard', 'shards', 'lines', 'start', 'end', 'rows', 'dim'] as const) {
    if (!Number.isInteger(m[k]) || m[k] < 0) throw new CliError('E_SHARD', `${path}: "${k}" must be a non-negative integer, got ${JSON.stringify(m[k])}`);
  }
  return m;
}
