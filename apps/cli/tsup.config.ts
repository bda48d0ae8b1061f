import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  // @bertkit/shared-data (finding ../shared for the demo and the stand-in model) is private and a few
  // lines: bundled into main.js so the published CLI depends on nothing unpublished.
  noExternal: ['@bertkit/shared-data'],
});
