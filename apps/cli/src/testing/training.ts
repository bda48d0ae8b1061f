import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, SHARED } from './paths.js';

/** Test support for finetune / pretrain: data slices, safetensors headers, a run that is stopped mid-way. */

export const TINY = join(SHARED, 'models', 'tiny-random-distilbert');
export const TINY_BERT = join(SHARED, 'models', 'tiny-random-bert');

/** The first `n` lines of an SST-2 split (text TAB label). */
export const sst2 = (split: 'train' | 'dev', n: number, skip = 0): string[] =>
  readFileSync(join(SHARED, 'data/sst2', `${split}.tsv`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(skip, skip + n);

/** Tensor names of a .safetensors file (its JSON header), without __metadata__. */
export function safetensorsKeys(file: string): string[] {
  const fd = openSync(file, 'r');
  try {
    const size = Buffer.alloc(8);
    readSync(fd, size, 0, 8, 0);
    const header = Buffer.alloc(Number(size.readBigUInt64LE(0)));
    readSync(fd, header, 0, header.length, 8);
    return Object.keys(JSON.parse(header.toString('utf8'))).filter((k) => k !== '__metadata__').sort();
  } finally {
    closeSync(fd);
  }
}

/** Key names with layer indices replaced, so models of different depths compare by their naming scheme. */
export const keyScheme = (keys: readonly string[]): string[] => [...new Set(keys.map((k) => k.replace(/\.layer\.\d+\./, '.layer.N.')))].sort();

export interface Stopped {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
  /** The step of the progress line after which the signal was sent. */
  atStep: number;
}

/**
 * Runs the CLI with `--progress json` and sends `signal` once a step line with step >= `afterStep` has
 * been read (and `ready()` holds), then waits for the exit.
 */
export function runUntil(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; afterStep: number; signal: NodeJS.Signals; ready?: () => boolean }): Promise<Stopped> {
  return new Promise((done) => {
    const child: ChildProcess = spawn(process.execPath, [BIN, ...args, '--progress', 'json'], { cwd: options.cwd, env: options.env });
    let stderr = '';
    let stdout = '';
    let atStep = -1;
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => {
      stderr += d;
      if (atStep !== -1) return;
      for (const line of stderr.split('\n')) {
        if (!line.startsWith('{"progress":"train"')) continue;
        const step = (JSON.parse(line) as { step: number }).step;
        if (step >= options.afterStep && (options.ready?.() ?? true)) {
          atStep = step;
          child.kill(options.signal);
          return;
        }
      }
    });
    child.on('exit', (code, signal) => done({ code, signal, stderr, stdout, atStep }));
  });
}
