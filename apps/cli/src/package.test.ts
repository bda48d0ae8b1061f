// What publishing needs from every package, checked on the files themselves (fast; the packed-and-
// installed run is pack-install.test.ts under `pnpm test:pack`, publint and attw run in `pnpm lint:packages`).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
interface Pkg {
  name: string;
  private?: boolean;
  license?: string;
  repository?: { url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  keywords?: string[];
  engines?: { node?: string };
  files?: string[];
  exports?: unknown;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}
const all = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(ROOT, group))
    .filter((d) => existsSync(join(ROOT, group, d, 'package.json')))
    .map((d) => ({ dir: `${group}/${d}`, pkg: JSON.parse(readFileSync(join(ROOT, group, d, 'package.json'), 'utf8')) as Pkg })),
);
const published = all.filter((p) => !p.pkg.private);
const privateNames = new Set(all.filter((p) => p.pkg.private).map((p) => p.pkg.name));

describe('published packages', () => {
  it('the CLI and the libraries are published; the changesets config does not ignore the CLI', () => {
    expect(published.map((p) => p.pkg.name)).toEqual(expect.arrayContaining(['@bertkit/cli', '@bertkit/wordpiece', '@bertkit/encoder', '@bertkit/heads', '@bertkit/trainer', '@bertkit/onnx-builder']));
    const config = JSON.parse(readFileSync(join(ROOT, '.changeset/config.json'), 'utf8')) as { ignore: string[] };
    expect(config.ignore).not.toContain('@bertkit/cli');
  });

  it.each(published.map((p) => [p.pkg.name, p] as const))('%s: full metadata, Apache-2.0 LICENSE file shipped', (_name, { dir, pkg }) => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\/.+\.git$/);
    expect(pkg.repository?.directory).toBe(dir);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs?.url).toMatch(/^https:\/\//);
    expect(pkg.keywords?.length).toBeGreaterThan(0);
    expect(pkg.engines?.node).toBe('>=20.19');
    expect(pkg.files).toContain('LICENSE');
    expect(readFileSync(join(ROOT, dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    expect(readFileSync(join(ROOT, dir, 'LICENSE'), 'utf8')).toMatch(/Apache License, Version 2\.0/);
  });

  it.each(published.map((p) => [p.pkg.name, p] as const))('%s: no run-time dependency on an unpublished package', (_name, { pkg }) => {
    for (const dep of Object.keys(pkg.dependencies ?? {})) expect(privateNames.has(dep), `${pkg.name} depends on private ${dep}`).toBe(false);
  });

  it('the built CLI imports only its dependencies and no private workspace package (those are bundled)', () => {
    const main = readFileSync(join(ROOT, 'apps/cli/dist/main.js'), 'utf8');
    const cli = all.find((p) => p.pkg.name === '@bertkit/cli')?.pkg as Pkg;
    const specifiers = [...main.matchAll(/(?:from\s+|import\()"([^"./][^"]*)"/g)].map((m) => m[1] as string);
    const packages = new Set(specifiers.filter((x) => !builtinModules.includes(x.replace(/^node:/, ''))).map((x) => (x.startsWith('@') ? x.split('/').slice(0, 2) : x.split('/').slice(0, 1)).join('/')));
    expect([...packages]).toEqual(expect.arrayContaining(['@bertkit/encoder', '@bertkit/wordpiece']));
    for (const name of packages) {
      expect(privateNames.has(name), `dist/main.js imports private ${name}`).toBe(false);
      expect(Object.keys(cli.dependencies ?? {}), `dist/main.js imports ${name}, not a dependency of @bertkit/cli`).toContain(name);
    }
    expect(main.startsWith('#!/usr/bin/env node')).toBe(true);
  });

  it.each(published.map((p) => [p.pkg.name, p] as const))('%s: its built code imports only declared dependencies', (_name, { dir, pkg }) => {
    const dist = join(ROOT, dir, 'dist');
    const declared = Object.keys({ ...pkg.dependencies, ...(pkg as { peerDependencies?: Record<string, string> }).peerDependencies });
    const files = existsSync(dist) ? readdirSync(dist, { recursive: true }).map(String).filter((f) => f.endsWith('.js')) : [];
    expect(files.length, `${dir}/dist has no .js files: build first (pnpm test does)`).toBeGreaterThan(0);
    for (const f of files) {
      const code = readFileSync(join(dist, f), 'utf8');
      for (const m of code.matchAll(/(?:from\s+|import\()["']([^"'./][^"']*)["']/g)) {
        const spec = (m[1] as string).replace(/^node:/, '');
        if (builtinModules.includes(spec) || builtinModules.includes(spec.split('/')[0] as string)) continue;
        const name = (spec.startsWith('@') ? spec.split('/').slice(0, 2) : spec.split('/').slice(0, 1)).join('/');
        expect(declared, `${dir}/dist/${f} imports ${name}`).toContain(name);
      }
    }
  });

  it('ESM-only libraries load with require() by name on this Node (>= 20.19), as the READMEs say', () => {
    // By name, so the exports map is what resolves (a path would go through "main" and prove nothing):
    // run inside the package's own directory, where its name resolves to itself (self-reference).
    for (const { dir, pkg } of published.filter((p) => p.pkg.exports)) {
      const out = execFileSync(process.execPath, ['-e', `const m = require(${JSON.stringify(pkg.name)}); console.log(Object.keys(m).length)`], { cwd: join(ROOT, dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(Number(out.trim()), pkg.name).toBeGreaterThan(0);
    }
  });
});
