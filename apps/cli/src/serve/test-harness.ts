// Test support for the serve tests: `bertkit serve` as deployed, a subprocess of the built CLI on an
// ephemeral loopback port, with its stderr (the JSON log lines) captured.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, SHARED } from '../testing/paths.js';
import { plantedConll, plantedSentences } from '../testing/planted-ner.js';

export const TINY = join(SHARED, 'models', 'tiny-random-distilbert');

export interface RunningServer {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
}

export class ServeHarness {
  readonly work = mkdtempSync(join(tmpdir(), 'bertkit-serve-'));
  readonly env: Record<string, string | undefined> = { ...process.env, BERTKIT_CACHE: join(this.work, 'cache'), BERTKIT_SHARED: SHARED, BERTKIT_PROGRESS: '0' };
  private readonly servers: RunningServer[] = [];

  /** A classify bundle `sst2` trained on the first 400 SST-2 lines (about 2 s). */
  trainSst2(): void {
    writeFileSync(join(this.work, 'train.tsv'), readFileSync(join(SHARED, 'data/sst2/train.tsv'), 'utf8').split('\n').slice(0, 400).join('\n'));
    execFileSync(process.execPath, [BIN, 'train', '--model', TINY, '--data', 'train.tsv', '--out', 'sst2'], { cwd: this.work, env: this.env });
  }

  /** An NER bundle `ner` trained on 300 sentences with entities at known words (testing/planted-ner.ts). */
  trainNer(): void {
    writeFileSync(join(this.work, 'ner.txt'), plantedConll(plantedSentences(300, 1)));
    execFileSync(process.execPath, [BIN, 'train', '--task', 'ner', '--model', TINY, '--data', 'ner.txt', '--layers=-1', '--out', 'ner'], { cwd: this.work, env: this.env });
  }

  cli(args: string[], input?: string): string {
    return execFileSync(process.execPath, [BIN, ...args], { cwd: this.work, env: this.env, encoding: 'utf8', input });
  }

  /** Starts `bertkit serve --port 0 ...args` and waits for its first stdout line (the address). */
  async serve(args: string[], env: Record<string, string> = {}): Promise<RunningServer> {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd: this.work, env: { ...this.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const url = await new Promise<string>((ok, fail) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('\n')) ok(JSON.parse(stdout.split('\n')[0] as string).listening);
      });
      void exited.then((code) => fail(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const s = { url, child, exited, stdout: () => stdout, stderr: () => stderr };
    this.servers.push(s);
    return s;
  }

  stopAll(): void {
    for (const s of this.servers) s.child.kill('SIGKILL');
    rmSync(this.work, { recursive: true, force: true });
  }
}

export const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });

/** The JSON log lines a server wrote to stderr (other lines skipped). */
export function logLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
