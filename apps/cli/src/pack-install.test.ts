// The published packages as a user gets them: `pnpm pack` every public package, `npm install` the
// tarballs into an empty folder outside the workspace (third-party dependencies from the npm
// registry or cache), then run the installed `bertkit` the way the README says. Slow (a minute or
// more: npm resolves the whole tree), so it runs under `pnpm test:pack` (BERTKIT_TEST_PACK=1) only.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED } from './testing/paths.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const ENABLED = process.env.BERTKIT_TEST_PACK === '1';
if (!ENABLED) console.log('pack-install.test.ts: skipped (slow: run "pnpm test:pack" to pack, install and run the published CLI)');

const MODEL = join(SHARED, 'models', 'tiny-random-bert');

describe.skipIf(!ENABLED)('npm install of the packed tarballs, outside the workspace', () => {
  const work = mkdtempSync(join(tmpdir(), 'bertkit-pack-'));
  const app = join(work, 'app');
  const env: NodeJS.ProcessEnv = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_ignore_scripts: 'true', BERTKIT_CACHE: join(work, 'cache'), BERTKIT_PROGRESS: '0' };
  // Nothing from the workspace may leak in: no BERTKIT_SHARED, no NODE_PATH.
  delete env.BERTKIT_SHARED;
  delete env.NODE_PATH;
  let server: ChildProcess | null = null;
  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });
  const bertkit = (args: string[], input?: string) =>
    execFileSync('npx', ['--no-install', 'bertkit', ...args], { cwd: app, env, encoding: 'utf8', input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 26 });

  it('packs every public package and installs the tarballs with npm', () => {
    const started = performance.now();
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);
    for (const group of ['packages', 'apps']) {
      for (const d of readdirSync(join(ROOT, group))) {
        const dir = join(ROOT, group, d);
        if (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private) continue;
        execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir, stdio: 'pipe' });
      }
    }
    const files = readdirSync(tarballs).map((f) => join(tarballs, f));
    expect(files.some((f) => f.includes('bertkit-cli-'))).toBe(true);
    for (const f of files) {
      // Each tarball carries its LICENSE and no workspace: protocol left in its dependencies.
      const listing = execFileSync('tar', ['-tzf', f], { encoding: 'utf8' });
      expect(listing, f).toContain('package/LICENSE');
      const pkg = execFileSync('tar', ['-xzOf', f, 'package/package.json'], { encoding: 'utf8' });
      expect(pkg, f).not.toContain('workspace:');
    }
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bertkit-pack-test', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...files], { cwd: app, env, stdio: 'pipe' });
    console.log(`pack + npm install: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(existsSync(join(app, 'node_modules', '.bin', 'bertkit'))).toBe(true);
    // Only published packages were installed: nothing private (shared-data, bench) came along.
    const scoped = readdirSync(join(app, 'node_modules', '@bertkit'));
    expect(scoped).not.toContain('shared-data');
    const version = JSON.parse(readFileSync(join(ROOT, 'apps/cli/package.json'), 'utf8')).version;
    expect(bertkit(['--version']).trim()).toBe(version);
    expect(bertkit(['version']).trim()).toBe(version);
  }, 600_000);

  it('tokenize and embed on the tiny stand-in, from a file and from a pipe', () => {
    const texts = 'a visually stunning rumination on love\nthe movie is dull\n';
    writeFileSync(join(app, 'texts.txt'), texts);
    const tokens = bertkit(['tokenize', '--tokenizer', MODEL, 'texts.txt']).trim().split('\n');
    expect(tokens).toHaveLength(2);
    expect(JSON.parse(tokens[1] as string).tokens).toEqual(['[CLS]', 'the', 'movie', 'is', 'dull', '[SEP]']);
    bertkit(['embed', '--model', MODEL, '--output', 'v.npy', 'texts.txt']);
    const npy = readFileSync(join(app, 'v.npy'));
    expect(npy.subarray(0, 128).toString('latin1')).toContain("'shape': (2, 32)");
    expect(npy.length).toBe(128 + 2 * 32 * 4);
    const lines = bertkit(['embed', '--model', MODEL], texts).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).embedding.length)).toEqual([32, 32]);
  }, 120_000);

  it('serve: trains a bundle, starts, answers /healthz and /embed, stops on SIGTERM', async () => {
    const train = readFileSync(join(SHARED, 'data/sst2/train.tsv'), 'utf8').split('\n').slice(0, 200).join('\n');
    writeFileSync(join(app, 'train.tsv'), `${train}\n`);
    bertkit(['train', '--model', MODEL, '--data', 'train.tsv', '--out', 'bundle']);
    const bin = join(app, 'node_modules', '.bin', 'bertkit');
    const child = spawn(bin, ['serve', '--bundle', 'bundle', '--port', '0', '--log-level', 'info'], { cwd: app, env });
    server = child;
    let log = '';
    const url = await new Promise<string>((done, fail) => {
      child.stderr.on('data', (d: Buffer) => {
        log += d.toString();
        const m = /"listening":"(http:\/\/[^"]+)"/.exec(log);
        if (m) done(m[1] as string);
      });
      child.on('exit', (code) => fail(new Error(`serve exited ${code}: ${log}`)));
    });
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${url}/readyz`)).ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    const r = await fetch(`${url}/embed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: ['hello world', 'bye'] }) });
    expect(r.status).toBe(200);
    const vectors = (await r.json()) as number[][];
    expect(vectors.map((v) => v.length)).toEqual([32, 32]);
    const code = await new Promise<number | null>((done) => {
      child.on('exit', done);
      child.kill('SIGTERM');
    });
    server = null;
    expect(code).toBe(0);
  }, 120_000);
});
