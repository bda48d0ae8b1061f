import { defineConfig } from 'tsup';

/** The build every library package shares: ESM + .d.ts from src/index.ts for Node 20. */
export const libraryConfig = defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  // tsc -b owns the composite project; tsup's own declaration pass must not be composite.
  dts: { compilerOptions: { composite: false, emitDeclarationOnly: false } },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
