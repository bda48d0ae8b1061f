import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { type EmbedBenchResult, embedBench, printEmbedBench } from './embed-bench.js';
import { type FitBenchResult, fitBench, printFitBench } from './fit-bench.js';
import { demoRun, printDemoRun } from './demo-run.js';
import { machineInfo } from './machine.js';
import { printServeBench, serveBench } from './serve-bench.js';
import { type Ratio, readSuite, writeSuite, writeSummary } from './report.js';
import { requireShared } from '@bertkit/shared-data';
import { type TokenizerBenchResult, printTokenizerBench, tokenizerBench } from './tokenizer-bench.js';
import { type LearnBenchResult, learnBench, printLearnBench } from './learn-bench.js';
import { printTrainBench, trainBench } from './train-bench.js';

const SUITES = ['tokenize', 'embed', 'fit', 'e2e', 'serve', 'train', 'learn'] as const;
/** Halves of `learn` (each about 40 minutes), run alone; the other half's last result is kept in learn.json. */
const LEARN_PARTS = ['learn-sst2', 'learn-mlm'] as const;
type Suite = (typeof SUITES)[number] | (typeof LEARN_PARTS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const quick = values.quick ?? false;
const rounds = Number(values.rounds ?? (quick ? 1 : 5));
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
const only = (values.only?.split(',') ?? [...SUITES]) as Suite[];
for (const s of only) if (![...SUITES, ...LEARN_PARTS].includes(s)) throw new Error(`--only takes a comma-separated list of ${[...SUITES, ...LEARN_PARTS].join(', ')}; got ${JSON.stringify(s)}`);
const wants = (s: Suite) => only.includes(s) || (s === 'embed' && only.includes('fit'));

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(appDir, '.cache');
const resultsDir = join(appDir, 'results', ...(quick ? ['quick'] : []));
mkdirSync(cacheDir, { recursive: true });
const shared = requireShared();
const machine = machineInfo();
const started = performance.now();
console.log(`bertkit bench${quick ? ' --quick' : ''}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, onnxruntime-node ${machine.onnxruntime}`);

const ratios: Ratio[] = [];
const sections: string[] = [];
const log = console.log;
/** Prints a suite's table and keeps a copy for results/latest.md. */
function capture(print: () => void): void {
  const lines: string[] = [];
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  try {
    print();
  } finally {
    console.log = log;
  }
  const text = lines.join('\n');
  if (!values.json) console.log(text);
  sections.push(text.replace(/^\n*(## .*)$/m, '$1\n\n```').concat('\n```\n'));
}

let tokenize: TokenizerBenchResult | null = null;
if (wants('tokenize')) {
  tokenize = await tokenizerBench(shared, rounds, quick);
  writeSuite(resultsDir, 'tokenize', machine, tokenize);
  capture(() => printTokenizerBench(tokenize as TokenizerBenchResult));
  ratios.push({ label: 'tokenize: vs @huggingface/tokenizers', value: tokenize.ratioVsHfJs }, { label: 'tokenize: vs Rust tokenizers encodeBatch', value: tokenize.ratioVsRustBatch });
}
let embed: Awaited<ReturnType<typeof embedBench>> | null = null;
if (wants('embed')) {
  embed = await embedBench(shared, cacheDir, quick);
  const r: EmbedBenchResult = embed.result;
  writeSuite(resultsDir, 'embed', machine, r);
  capture(() => printEmbedBench(r));
  ratios.push(
    { label: 'embed fp32: vs transformers.js', value: r.ratios.fp32VsTransformersJs },
    { label: 'embed int8: vs transformers.js int8', value: r.ratios.int8VsTransformersJs },
    { label: 'embed: bertkit int8 vs bertkit fp32', value: r.ratios.int8VsFp32 },
  );
}
let fit: FitBenchResult | null = null;
if (wants('fit') && embed) {
  fit = fitBench(embed.trainFeatures, embed.trainLabels, embed.result.model.preset === 'base' ? 768 : embed.trainFeatures.length / embed.trainLabels.length, quick);
  writeSuite(resultsDir, 'fit', machine, fit);
  capture(() => printFitBench(fit as FitBenchResult));
  if (fit.sklearn) ratios.push({ label: 'fit C=1: vs scikit-learn lbfgs', value: fit.sklearn.seconds / fit.fit.seconds });
  if (fit.sklearn?.gridSeconds) ratios.push({ label: 'grid 13 C x 5 folds: vs scikit-learn', value: fit.sklearn.gridSeconds / fit.grid.seconds });
}
if (only.includes('e2e')) {
  // The README's main command, `bertkit demo`, as a user runs it (a subprocess, no feature cache) on the
  // int8 bench model (--quick: the shared tiny stand-in); its own per-stage timings are reported.
  const e2e = demoRun(shared, cacheDir, quick);
  writeSuite(resultsDir, 'e2e', machine, e2e);
  capture(() => printDemoRun(e2e));
}
if (only.includes('serve')) {
  const serve = await serveBench(shared, cacheDir, quick);
  writeSuite(resultsDir, 'serve', machine, serve);
  capture(() => printServeBench(serve));
  ratios.push({ label: 'serve fp32: dynamic batching vs none', value: serve.ratio });
  if (serve.ratioInt8) ratios.push({ label: 'serve int8: dynamic batching vs none', value: serve.ratioInt8 });
}
if (only.includes('train')) {
  const train = await trainBench(shared, appDir, cacheDir, quick);
  writeSuite(resultsDir, 'train', machine, train);
  capture(() => printTrainBench(train));
  if (train.ratioVsTorch !== null) ratios.push({ label: 'train tokens/s: vs PyTorch 1.13', value: train.ratioVsTorch }, { label: 'train peak RSS: PyTorch / bertkit', value: train.rssRatioVsTorch! });
}
const learnParts = (['sst2', 'mlm'] as const).filter((p) => only.includes('learn') || only.includes(`learn-${p}`));
if (learnParts.length > 0) {
  // Long (about 80 minutes in full): fine-tuning and masked-LM pretraining from random initialisation.
  const previous = readSuite<LearnBenchResult>(resultsDir, 'learn');
  const fresh = await learnBench(shared, quick, learnParts);
  const learn = { ...previous, ...fresh, dates: { ...previous?.dates, ...fresh.dates } };
  writeSuite(resultsDir, 'learn', machine, learn);
  capture(() => printLearnBench(learn));
}
writeSummary(resultsDir, machine, sections, ratios, quick);
console.log(`\nwrote ${resultsDir}/{${[...new Set(only.map((s) => (s.startsWith('learn') ? 'learn' : s)))].join(',')}}.json, latest.md and ratios.svg in ${((performance.now() - started) / 60000).toFixed(1)} min`);
