import { LogisticRegression, SpanHead, TokenClassifier, spanTarget } from '@bertkit/heads';
import { conllText, crossValScore, entityScores, gridSearch, logSpace, readQa, squadScores } from '@bertkit/trainer';
import { type Parsed, column, flag, int, intList, num, oneOf, parseCommand, str } from './args.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleManifest, type Head, modelRecord, saveBundle } from './bundle.js';
import { CliError } from './cli-error.js';
import { loadEncoder } from './model-ref.js';
import { table } from './table.js';
import { type FeatureSpec, TASKS, type Task, exampleInputs, qaWindows, featureCache, readClassifyData, readNerData, sentenceFeatures, tokenFeatures } from './tasks.js';

export const TRAIN_USAGE = `bertkit train --model <dir | model.onnx | hub-id> --data <file> --out <bundle dir> [options]
  Embeds the data (through the feature cache), fits a head on the frozen features, reports
  cross-validation or grid-search results and saves a bundle that eval, predict and serve use alone.
  --task <t>            classify (TSV/CSV/JSONL) | ner (CoNLL) | qa (SQuAD-style JSONL); default classify
  --head <h>            logreg | softmax (classify), token (ner), span (qa); default from the task
  --text-col, --label-col, --pair-col <name | index>   columns of a TSV/CSV (or JSONL field names)
  --pooling <m>         cls | mean | max | layer-concat (classify; default cls)
  --layers <list>       hidden states, e.g. -1,-2,-3,-4 (ner default: last four; qa: -1)
  --normalize           unit-length sentence vectors
  --C <c>               inverse L2 strength, scikit-learn's meaning (default 1)
  --grid <a..b[:n]>     grid search over C: n log-spaced values from a to b (default n: 2 per decade + 1),
                        or a list 0.01,0.1,1
  --cv <k>              stratified folds for --grid, or to report a cross-validated score (default 5 with --grid)
  --standardize         centre and scale features before fitting
  --class-weight <w>    balanced
  --max-iter <n>        L-BFGS iterations (default 100; ner 300)
  --stride <n>          qa: tokens shared by windows over long contexts (default 128)
  --seed <n>            fold shuffling (default 0)
  --quantized           use onnx/model_quantized.onnx
  --no-cache            embed again even if the feature cache has these vectors`;

export function parseGrid(raw: string): number[] {
  const range = /^([^.:,]+(?:\.\d+)?(?:e-?\d+)?)\.\.([^:]+)(?::(\d+))?$/.exec(raw);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (!(a > 0) || !(b > a)) throw new CliError('E_USAGE', `--grid range must be 0 < a < b, got ${JSON.stringify(raw)}`);
    const n = range[3] ? Number(range[3]) : Math.round(2 * Math.log10(b / a)) + 1;
    if (n < 2) throw new CliError('E_USAGE', `--grid needs at least 2 values, got ${JSON.stringify(raw)}`);
    return logSpace(a, b, n);
  }
  const list = raw.split(',').map(Number);
  if (list.length === 0 || list.some((c) => !(c > 0) || !Number.isFinite(c))) throw new CliError('E_USAGE', `--grid takes a..b[:n] or a list of positive numbers, got ${JSON.stringify(raw)}`);
  return list;
}

export async function trainCommand(argv: string[]): Promise<void> {
  const p = parseCommand(
    argv,
    {
      model: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      task: { type: 'string' },
      head: { type: 'string' },
      'text-col': { type: 'string' },
      'label-col': { type: 'string' },
      'pair-col': { type: 'string' },
      pooling: { type: 'string' },
      layers: { type: 'string' },
      'layer-pooling': { type: 'string' },
      normalize: { type: 'boolean' },
      C: { type: 'string' },
      grid: { type: 'string' },
      cv: { type: 'string' },
      standardize: { type: 'boolean' },
      'class-weight': { type: 'string' },
      'max-iter': { type: 'string' },
      stride: { type: 'string' },
      seed: { type: 'string' },
      quantized: { type: 'boolean' },
      'no-cache': { type: 'boolean' },
    },
    TRAIN_USAGE,
  );
  if (!p) return;
  for (const name of ['model', 'data', 'out']) if (!str(p, name)) throw new CliError('E_USAGE', `--${name} is required (see bertkit train --help)`);
  const task = oneOf<Task>(p, 'task', TASKS, 'classify');
  const heads: Record<Task, string[]> = { classify: ['logreg', 'softmax'], ner: ['token'], qa: ['span'] };
  const headName = oneOf(p, 'head', heads[task], heads[task][0] as string);
  if (task !== 'classify' && (str(p, 'grid') || str(p, 'cv'))) throw new CliError('E_USAGE', `--grid and --cv are for --task classify; ${task} trains one head at --C`);
  const result = await train(p, task, headName);
  if (flag(p, 'json')) console.log(JSON.stringify(result));
}

async function train(p: Parsed, task: Task, headName: string) {
  const [modelArg, dataFile, out] = [str(p, 'model') as string, str(p, 'data') as string, str(p, 'out') as string];
  const C = num(p, 'C', 1);
  if (!(C > 0)) throw new CliError('E_USAGE', `--C must be positive, got ${C}`);
  const classWeight = str(p, 'class-weight');
  if (classWeight !== undefined && classWeight !== 'balanced') throw new CliError('E_USAGE', `--class-weight takes "balanced", got ${JSON.stringify(classWeight)}`);
  const maxIter = int(p, 'max-iter', task === 'ner' ? 300 : 100);
  const standardize = flag(p, 'standardize');
  const quantized = flag(p, 'quantized');
  const json = flag(p, 'json');
  const say = (s: string) => (json ? process.stderr.write(`${s}\n`) : console.log(s));
  const columns = { textColumn: column(p, 'text-col'), labelColumn: column(p, 'label-col'), pairColumn: column(p, 'pair-col') };
  const layers = intList(p, 'layers') ?? (task === 'ner' ? [-1, -2, -3, -4] : task === 'qa' ? [-1] : undefined);
  const spec: FeatureSpec & { stride?: number } = {
    pooling: oneOf(p, 'pooling', ['cls', 'mean', 'max', 'layer-concat'] as const, 'cls'),
    layerPooling: oneOf(p, 'layer-pooling', ['cls', 'mean'] as const, 'cls'),
    normalize: flag(p, 'normalize'),
    ...(layers ? { layers } : {}),
  };
  // Read the data before loading the model: a bad file fails in milliseconds.
  const data = task === 'classify' ? readClassifyData(dataFile, columns) : task === 'ner' ? readNerData(dataFile) : readQa(dataFile);
  const { encoder, path } = await loadEncoder(modelArg, { quantized });
  const started = performance.now();
  let head: Head;
  let labels: string[];
  const metrics: Record<string, unknown> = {};
  try {
    if (task === 'classify') {
      const examples = data as ReturnType<typeof readClassifyData>;
      const y = examples.map((e) => e.label);
      const x = await sentenceFeatures(encoder, exampleInputs(examples), spec, { cache: !flag(p, 'no-cache'), label: 'embed' });
      say(`features: ${x.rows} x ${x.dim} (${spec.pooling}${x.cached ? ', from the feature cache' : ''})`);
      const make = (c: number) => new LogisticRegression({ C: c, maxIter, standardize, classWeight: classWeight === 'balanced' ? 'balanced' : null });
      const folds = int(p, 'cv', 5, 2);
      const seed = int(p, 'seed', 0, 0);
      if (str(p, 'grid')) {
        const values = parseGrid(str(p, 'grid') as string);
        const grid = gridSearch((q: { C: number }) => make(q.C), { C: values }, x, y, { folds, seed });
        say(table(['C', `mean ${folds}-fold accuracy`, 'std'], grid.results.map((r) => [r.params.C.toPrecision(3), (r.mean * 100).toFixed(2), (r.std * 100).toFixed(2)])));
        say(`best C=${grid.best.params.C.toPrecision(3)}: ${(grid.best.mean * 100).toFixed(2)}% cross-validated accuracy`);
        metrics.grid = { folds, results: grid.results.map((r) => ({ C: r.params.C, mean: r.mean, std: r.std, scores: r.scores })), bestC: grid.best.params.C, cvAccuracy: grid.best.mean };
        head = grid.model as LogisticRegression;
      } else {
        if (str(p, 'cv')) {
          const cv = crossValScore(() => make(C), x, y, { folds, seed });
          say(`${folds}-fold cross-validated accuracy at C=${C}: ${(cv.mean * 100).toFixed(2)}% (std ${(cv.std * 100).toFixed(2)})`);
          metrics.cv = { folds, C, mean: cv.mean, std: cv.std, scores: cv.scores };
        }
        head = make(C).fit(x, y);
      }
      const lr = head as LogisticRegression;
      metrics.trainAccuracy = lr.score(x, y);
      metrics.convergence = lr.convergence;
      labels = lr.classes.map(String);
      if (lr.convergence && !lr.convergence.converged) say(`note: L-BFGS stopped at max_iter=${maxIter} before the gradient tolerance (as scikit-learn warns); raise --max-iter or use --standardize`);
    } else if (task === 'ner') {
      const sentences = data as ReturnType<typeof readNerData>;
      const features = await tokenFeatures(encoder, sentences.map((s) => conllText(s.words).text), layers as number[]);
      const ner = new TokenClassifier({ C, maxIter, standardize }).fit(features, sentences.map((s) => s.tags));
      const predicted = features.map((f, i) => ner.predictWordTags(f, sentences[i]!.words.length));
      const scores = entityScores(sentences.map((s) => s.tags), predicted);
      metrics.train = { precision: scores.precision, recall: scores.recall, f1: scores.f1 };
      head = ner;
      labels = [...ner.tags];
    } else {
      const examples = data as ReturnType<typeof readQa>;
      const stride = int(p, 'stride', Math.min(128, Math.floor(encoder.maxLength / 4)));
      spec.stride = stride;
      const windows = await qaWindows(encoder, examples, layers as number[], stride);
      const flat = windows.flat();
      const targets = flat.map((w) => {
        const a = examples[w.input]!.answer;
        return a ? spanTarget(w, a.start, a.end) : { start: 0, end: 0 };
      });
      const span = new SpanHead({ C, maxIter: Math.max(maxIter, 100) }).fit(flat, targets);
      const predictions = examples.map((q, i) => span.predict(windows[i]!, q.context));
      metrics.train = squadScores(predictions.map((x) => x.text), examples.map((q) => q.answers));
      head = span;
      labels = [];
    }
  } finally {
    await encoder.release();
  }
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    task,
    head: task === 'classify' ? 'logistic-regression' : task === 'ner' ? 'token-classifier' : 'span-head',
    model: modelRecord(modelArg, path, quantized, encoder.maxLength),
    features: spec,
    labels,
    pairs: task === 'classify' && (data as ReturnType<typeof readClassifyData>).some((e) => e.pair !== undefined),
    metrics: { ...metrics, headName, seconds: (performance.now() - started) / 1000 },
    data: { file: dataFile, sha256: featureCache().fileDigest(dataFile), rows: data.length },
    created: new Date().toISOString(),
  };
  saveBundle(out, manifest, head);
  const trainScore = task === 'classify' ? `train accuracy ${((metrics.trainAccuracy as number) * 100).toFixed(2)}%` : task === 'ner' ? `train entity F1 ${((metrics.train as { f1: number }).f1 * 100).toFixed(2)}` : `train EM ${(metrics.train as { exactMatch: number }).exactMatch.toFixed(2)} / F1 ${(metrics.train as { f1: number }).f1.toFixed(2)}`;
  say(`${task} head (${headName}) on ${data.length} examples: ${trainScore}; saved bundle ${out}`);
  return { bundle: out, task, head: headName, rows: data.length, labels, metrics: manifest.metrics };
}
