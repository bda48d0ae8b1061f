import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LogisticRegression } from '@bertkit/heads';
import { accuracy, gridSearch, logSpace, readTable } from '@bertkit/trainer';
import { flag, parseCommand, str } from './args.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, modelRecord, saveBundle } from './bundle.js';
import { CliError } from './cli-error.js';
import { loadEncoder, standInModel } from './model-ref.js';
import { formatSeconds } from './progress.js';
import { findShared } from '@bertkit/shared-data';
import { table } from './table.js';
import { type FeatureSpec, exampleInputs, featureCache, sentenceFeatures } from './tasks.js';

export const DEMO_USAGE = `bertkit demo [--model <dir | model.onnx | hub-id>] [--grid] [--out <bundle dir>]
  The seed workflow on SST-2: embed train/dev/test ([CLS] features), fit logistic regression
  (--grid: 5-fold grid search over 13 values of C), report dev and test accuracy and the time of each
  stage, save a bundle and show a few predictions. Without --model it uses the random-weight stand-in
  from ../shared.
  --data <dir>     SST-2 directory with train.tsv, dev.tsv, test.tsv (default ../shared/data/sst2)
  --out <dir>      bundle directory (default ./sst2-bundle)
  --quantized      use onnx/model_quantized.onnx
  --no-cache       embed again even if the feature cache has these vectors`;

const EXAMPLES = ['a visually stunning rumination on love', 'the movie is dull , predictable and far too long', 'an utterly charming and hilarious film'];

export async function demoCommand(argv: string[]): Promise<void> {
  const p = parseCommand(argv, { model: { type: 'string' }, grid: { type: 'boolean' }, out: { type: 'string' }, data: { type: 'string' }, quantized: { type: 'boolean' }, 'no-cache': { type: 'boolean' } }, DEMO_USAGE);
  if (!p) return;
  const json = flag(p, 'json');
  const say = (s: string) => (json ? process.stderr.write(`${s}\n`) : console.log(s));
  const shared = findShared();
  const dataDir = str(p, 'data') ?? (shared ? join(shared, 'data', 'sst2') : null);
  if (!dataDir || !existsSync(join(dataDir, 'train.tsv'))) throw new CliError('E_INPUT', `no SST-2 data at ${dataDir ?? '../shared/data/sst2'}: the demo data is the "shared" directory beside a bertkit checkout (set BERTKIT_SHARED=<path to shared>, or put it at ../shared), or pass --data <dir with train.tsv, dev.tsv, test.tsv> (SST-2 as TAB-separated text and label)`);
  const standIn = str(p, 'model') === undefined;
  const modelArg = str(p, 'model') ?? standInModel();
  if (!modelArg) throw new CliError('E_MODEL', 'no model: run "bertkit pull distilbert/distilbert-base-uncased" then "bertkit demo --model distilbert/distilbert-base-uncased", or pass a model directory');
  const out = str(p, 'out') ?? 'sst2-bundle';
  const [train, dev, test] = ['train', 'dev', 'test'].map((s) => readTable(join(dataDir, `${s}.tsv`), { header: false }));
  if (!train || !dev || !test) throw new CliError('E_INPUT', `${dataDir}: missing split`);

  const stages: Array<[string, number, string]> = [];
  const time = async <T>(name: string, note: (r: T) => string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const r = await fn();
    stages.push([name, (performance.now() - t0) / 1000, note(r)]);
    return r;
  };
  const { encoder, path } = await time('load model', () => '', () => loadEncoder(modelArg, { quantized: flag(p, 'quantized') }));
  say(`bertkit demo: SST-2 (${train.length} train, ${dev.length} dev, ${test.length} test) with ${standIn ? 'the random-weight stand-in ' : ''}${path}`);
  if (standIn) {
    say('note: this stand-in has random weights, so expect chance-level-plus accuracy (about 50-65%). With real DistilBERT (about 85% dev accuracy in the classic notebook):');
    say('  bertkit pull distilbert/distilbert-base-uncased && bertkit demo --model distilbert/distilbert-base-uncased\n');
  }
  const spec: FeatureSpec = { pooling: 'cls' };
  const all = [...train, ...dev, ...test];
  let predictions: Array<{ text: string; label: string; score: number }> = [];
  let devAcc = 0;
  let testAcc = 0;
  let model: LogisticRegression;
  try {
    await time('tokenize', (n: number) => `${n} tokens, ${(n / all.length).toFixed(1)} per sentence`, () => {
      let tokens = 0;
      for (const e of all) tokens += encoder.tokenCount(e.text);
      return tokens;
    });
    const cache = !flag(p, 'no-cache');
    const embed = (rows: typeof train, label: string) => sentenceFeatures(encoder, exampleInputs(rows), spec, { cache, label });
    const [xTrain, xDev, xTest] = await time(
      'embed',
      (r) => `${all.length} sentences, ${r[0].dim}-d [CLS]${r.every((x) => x.cached) ? ' (feature cache)' : ''}`,
      async () => [await embed(train, 'embed train'), await embed(dev, 'embed dev'), await embed(test, 'embed test')] as const,
    );
    const yTrain = train.map((e) => e.label);
    model = await time('fit', (m) => (flag(p, 'grid') ? `grid: best C=${m.options.C.toPrecision(2)}` : `C=1, ${m.convergence?.iterations} L-BFGS iterations`), () => {
      if (!flag(p, 'grid')) return new LogisticRegression({ C: 1 }).fit(xTrain, yTrain);
      const grid = gridSearch((q: { C: number }) => new LogisticRegression({ C: q.C }), { C: logSpace(1e-4, 1e2, 13) }, xTrain, yTrain, { folds: 5, seed: 0 });
      return grid.model as LogisticRegression;
    });
    await time('eval', () => 'dev + test', () => {
      devAcc = accuracy(dev.map((e) => e.label), model.predict(xDev));
      testAcc = accuracy(test.map((e) => e.label), model.predict(xTest));
    });
    const xs = await sentenceFeatures(encoder, EXAMPLES, spec, { cache: false, label: 'examples' });
    const proba = model.predictProba(xs);
    const labels = model.classes.map(String);
    predictions = EXAMPLES.map((text, r) => {
      const k = (proba.data[r * 2 + 1] as number) >= 0.5 ? 1 : 0;
      return { text, label: labels[k] === '1' ? 'positive (1)' : labels[k] === '0' ? 'negative (0)' : (labels[k] as string), score: proba.data[r * 2 + k] as number };
    });
    saveBundle(
      out,
      {
        format: BUNDLE_FORMAT,
        version: BUNDLE_VERSION,
        task: 'classify',
        head: 'logistic-regression',
        model: modelRecord(modelArg, path, flag(p, 'quantized'), encoder.maxLength),
        features: spec,
        labels,
        pairs: false,
        metrics: { devAccuracy: devAcc, testAccuracy: testAcc, C: model.options.C },
        data: { file: join(dataDir, 'train.tsv'), sha256: featureCache().fileDigest(join(dataDir, 'train.tsv')), rows: train.length },
        created: new Date().toISOString(),
      },
      model,
    );
  } finally {
    await encoder.release();
  }
  if (json) return void console.log(JSON.stringify({ model: path, standIn, devAccuracy: devAcc, testAccuracy: testAcc, stages: stages.map(([name, seconds, note]) => ({ name, seconds, note })), predictions, bundle: out }));
  say(table(['stage', 'time', ''], stages.map(([name, s, note]) => [name, formatSeconds(s), note])));
  say(`\ndev accuracy  ${(devAcc * 100).toFixed(2)}%\ntest accuracy ${(testAcc * 100).toFixed(2)}%\n`);
  for (const x of predictions) say(`${x.label.padEnd(13)} ${x.score.toFixed(3)}  ${x.text}`);
  say(`\nsaved the classifier to ${out}: bertkit predict --bundle ${out} <file>, or bertkit serve --bundle ${out}`);
}
