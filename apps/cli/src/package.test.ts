// What publishing needs from every package, checked on the files themselves (fast; the packed-and-
// installed run is pack-install.test.ts under `pnpm test:pack`, publint and attw run in `pnpm lint:packages`).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
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

  it('the built CLI imports no private workspace package (they are bundled into dist/main.js)', () => {
    const main = readFileSync(join(ROOT, 'apps/cli/dist/main.js'), 'utf8');
    const imported = new Set([...main.matchAll(/from\s+"(@bertkit\/[^"]+)"/g)].map((m) => m[1] as string));
    expect(imported.size).toBeGreaterThan(0);
    for (const name of imported) expect(privateNames.has(name), `dist/main.js imports private ${name}`).toBe(false);
    expect(main.startsWith('#!/usr/bin/env node')).toBe(true);
  });

  it('ESM-only libraries load with require() on this Node (>= 20.19), as the READMEs say', () => {
    for (const { dir, pkg } of published.filter((p) => p.pkg.exports)) {
      const out = execFileSync(process.execPath, ['-e', `const m = require(${JSON.stringify(join(ROOT, dir))}); console.log(Object.keys(m).length)`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(Number(out.trim()), pkg.name).toBeGreaterThan(0);
    }
  });
});
