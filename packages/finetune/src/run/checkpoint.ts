import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile } from '@bertkit/onnx-builder';
import { FinetuneError } from '../errors.js';
import { ioError, syncDir, writeFileAtomic, writeSafetensorsAtomic } from './atomic-write.js';

/** Where a run stands between two optimizer steps. */
export interface Position {
  /** Optimizer steps done. */
  step: number;
  /** Epoch of the next step (0-based) and index of its first batch in that epoch's batch order. */
  epoch: number;
  batch: number;
  /** Micro-batches run so far (masked-LM masks are seeded by it). */
  micro: number;
}

export interface LogEntry {
  step: number;
  epoch: number;
  [key: string]: number;
}

/** Everything besides the tensors that a resumed run needs to continue exactly. */
export interface RunState {
  version: 1;
  /** Options that must match on resume. */
  fingerprint: Record<string, string | number | boolean>;
  position: Position;
  /**
   * Where the current dropout segment started (a reseed boundary). A checkpoint taken elsewhere (abort, NaN)
   * is resumed by reseeding there and replaying the forward/backward passes up to `position` without updates.
   */
  segment: Position;
  /** Sum and count of the step losses of the current epoch (the summary's trainLoss). */
  epochLoss: { sum: number; count: number };
  best: { step: number; value: number; metrics: Record<string, number>; predictions?: unknown } | null;
  /** Evaluations in a row without improvement (early stopping). */
  stale: number;
  lastMetrics: Record<string, number>;
  logHistory: LogEntry[];
  /** The run's onnxruntime threads (0: onnxruntime's default); absent in checkpoints of older versions. */
  threads?: number;
}

export interface CheckpointData {
  state: RunState;
  parameters: Map<string, Float32Array>;
  moments: Map<string, { m: Float32Array; v: Float32Array }>;
}

export const checkpointDir = (out: string, step: number): string => join(out, `checkpoint-${step}`);
const STATE = 'trainer_state.json';
const MODEL = 'model.safetensors';
const OPTIMIZER = 'optimizer.safetensors';

export interface SaveInput {
  state: RunState;
  parameters: Array<{ name: string; shape: number[]; data: Float32Array }>;
  moments: Array<{ name: string; m: Float32Array; v: Float32Array }>;
  /** The model's config.json (so a checkpoint loads as a model directory too). */
  config: Record<string, unknown>;
}

/**
 * Writes `<out>/checkpoint-<step>` through a temporary directory renamed when complete; on any failure the
 * temporary directory is removed (the previous checkpoints are untouched) and a one-line FinetuneError
 * (E_DISK_FULL on ENOSPC) is thrown. Then only the `keep` newest checkpoints are kept.
 */
export function saveCheckpoint(out: string, input: SaveInput, keep: number): string {
  const step = input.state.position.step;
  const final = checkpointDir(out, step);
  const temp = `${final}.tmp-${process.pid}`;
  try {
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp, { recursive: true });
    writeSafetensorsAtomic(join(temp, MODEL), input.parameters);
    writeSafetensorsAtomic(
      join(temp, OPTIMIZER),
      input.moments.flatMap(({ name, m, v }) => [
        { name: `m.${name}`, shape: [m.length], data: m },
        { name: `v.${name}`, shape: [v.length], data: v },
      ]),
    );
    writeFileAtomic(join(temp, 'config.json'), `${JSON.stringify(input.config, null, 2)}\n`);
    writeFileAtomic(join(temp, STATE), JSON.stringify(input.state));
    if (existsSync(final)) {
      // The same step saved again (an abort right after a periodic save): swap, then drop the old copy.
      const old = `${final}.old-${process.pid}`;
      renameSync(final, old);
      renameSync(temp, final);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(temp, final);
    }
    syncDir(out);
  } catch (cause) {
    rmSync(temp, { recursive: true, force: true });
    // Name the checkpoint, not the temporary file inside it that failed.
    const root = cause instanceof FinetuneError && cause.cause !== undefined ? cause.cause : cause;
    throw ioError(final, root, 'saving checkpoint');
  }
  pruneCheckpoints(out, keep);
  return final;
}

/** Complete checkpoints in `out`, oldest first. */
export function listCheckpoints(out: string): Array<{ step: number; path: string }> {
  if (!existsSync(out)) return [];
  return readdirSync(out)
    .map((name) => /^checkpoint-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), path: join(out, m[0]) }))
    .filter((c) => existsSync(join(c.path, STATE)))
    .sort((a, b) => a.step - b.step);
}

/** Removes leftovers of saves a killed process never finished. */
export function removeStaleTemporaries(out: string): void {
  if (!existsSync(out)) return;
  for (const name of readdirSync(out)) if (/^checkpoint-\d+\.(tmp|old)-\d+$/.test(name)) rmSync(join(out, name), { recursive: true, force: true });
}

function pruneCheckpoints(out: string, keep: number): void {
  const all = listCheckpoints(out);
  for (const c of all.slice(0, Math.max(0, all.length - Math.max(1, keep)))) rmSync(c.path, { recursive: true, force: true });
}

function readAll(path: string, prefix = ''): Map<string, Float32Array> {
  const file = SafetensorsFile.open(path);
  try {
    return new Map(file.names().filter((n) => n.startsWith(prefix)).map((n) => [n.slice(prefix.length), file.read(n)]));
  } finally {
    file.close();
  }
}

export function loadCheckpoint(dir: string): CheckpointData {
  const statePath = join(dir, STATE);
  if (!existsSync(statePath)) throw new FinetuneError('E_INVALID_OPTION', `${dir}: not a checkpoint (no ${STATE})`);
  let state: RunState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as RunState;
  } catch (cause) {
    throw ioError(statePath, cause, 'reading');
  }
  if (state.version !== 1 || !state.position) throw new FinetuneError('E_INVALID_OPTION', `${statePath}: not a bertkit training state`);
  const parameters = readAll(join(dir, MODEL));
  const m = readAll(join(dir, OPTIMIZER), 'm.');
  const v = readAll(join(dir, OPTIMIZER), 'v.');
  const moments = new Map([...m].map(([name, mm]) => [name, { m: mm, v: v.get(name) ?? new Float32Array(0) }]));
  return { state, parameters, moments };
}
