import { readFileSync, readdirSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Workspace packages that are not published (private: @bertkit/shared-data, which finds ../shared for
// the demo, and any other) are bundled into dist/main.js, so the published CLI depends on nothing
// unpublished; they are devDependencies of the CLI for that reason (package.test.ts checks both).
const root = new URL('../../packages/', import.meta.url);
const privatePackages = readdirSync(root).flatMap((dir) => {
  try {
    const pkg = JSON.parse(readFileSync(new URL(`${dir}/package.json`, root), 'utf8')) as { name: string; private?: boolean };
    return pkg.private ? [pkg.name] : [];
  } catch {
    return [];
  }
});

export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  noExternal: privatePackages,
});
