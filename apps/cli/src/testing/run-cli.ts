import { execFile } from 'node:child_process';
import { expect } from 'vitest';
import { BIN } from './paths.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  input?: string;
  /** Extra arguments for node itself, before the CLI's path (e.g. `--import` of a preload). */
  nodeArgs?: string[];
}

/** The built CLI as a subprocess: exit code (never throws), stdout, stderr. */
export function runCli(args: string[], options: RunOptions): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], { cwd: options.cwd, env: options.env, maxBuffer: 1 << 28 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}

export const jsonLines = (s: string): any[] =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

/** A user error: exit code 1 and exactly one line on stderr. */
export function expectUserError(r: Run, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}
