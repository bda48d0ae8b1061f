import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchModel } from './bench-models.js';
import { formatTable } from './measure.js';

export interface DemoRunResult {
  model: string;
  quantized: boolean;
  seconds: number;
  stages: Array<{ name: string; seconds: number; note: string }>;
  devAccuracy: number;
  testAccuracy: number;
}

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'dist', 'main.js');

/** `bertkit demo --model <base int8 random DistilBERT> --json --no-cache` in a child process. */
export function demoRun(shared: string, cacheDir: string, quick: boolean): DemoRunResult {
  const model = quick ? join(shared, 'models', 'tiny-random-distilbert') : benchModel(cacheDir, shared, 'base').dir;
  const args = [CLI, 'demo', '--model', model, '--json', '--no-cache', '--out', join(cacheDir, 'demo-bundle'), ...(quick ? [] : ['--quantized'])];
  const t0 = performance.now();
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, BERTKIT_CACHE: join(cacheDir, 'bertkit-cache'), BERTKIT_PROGRESS: '0' }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  const r = JSON.parse(out) as Omit<DemoRunResult, 'seconds' | 'quantized'>;
  return { model: quick ? 'tiny-random-distilbert (shared stand-in)' : 'random DistilBERT-base, int8', quantized: !quick, seconds, stages: r.stages, devAccuracy: r.devAccuracy, testAccuracy: r.testAccuracy };
}

export function printDemoRun(r: DemoRunResult): void {
  console.log(`\n## End to end: \`bertkit demo\` (SST-2 train + dev + test) with ${r.model}\n`);
  console.log(formatTable(['stage', 'seconds', ''], r.stages.map((s) => [s.name, s.seconds.toFixed(2), s.note])));
  console.log(`\ntotal ${r.seconds.toFixed(1)} s including process start; dev accuracy ${(r.devAccuracy * 100).toFixed(1)}%, test ${(r.testAccuracy * 100).toFixed(1)}% (random weights: chance-level-plus features)`);
}
