import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Encoder, maxAbsDiff, rowCosines } from '@bertkit/encoder';
import { LogisticRegression } from '@bertkit/heads';
import { WordPieceTokenizer } from '@bertkit/wordpiece';
import { type BenchModel, benchModel, flopsPerToken } from './bench-models.js';
import { type FamilyRun, familyBench } from './family-bench.js';
import { measureGemm } from './gemm.js';
import { withPeakRss } from './machine.js';
import { formatTable } from './measure.js';
import { tsvRows } from './shared.js';

export interface EmbedRun {
  name: string;
  precision: 'fp32' | 'int8';
  /** Median of `allSeconds`. */
  seconds: number;
  allSeconds: number[];
  sentencesPerSecond: number;
  paddedFraction: number;
  /** Real tokens x nominal FLOPs per token / seconds / measured GEMM throughput. */
  machineFraction: number;
  peakRssMb: number;
}

export interface EmbedBenchResult {
  model: { preset: string; parameters: number; fp32Bytes: number; int8Bytes: number };
  sentences: number;
  realTokens: number;
  gemmGflops: number;
  runs: EmbedRun[];
  ratios: { fp32VsTransformersJs: number; int8VsTransformersJs: number; int8VsFp32: number };
  agreement: { fp32MaxAbsDiff: number; int8MeanCosineVsTransformersJs: number };
  quantization: { devSentences: number; meanCosine: number; minCosine: number; accuracyFp32: number; accuracyInt8: number; sizeRatio: number };
  stream: { rows: number; peakRssMb: number; samples: Array<{ rows: number; rssMb: number }>; secondsTotal: number };
  /** Other architectures through bertkit, same texts (RoBERTa-base). */
  families: FamilyRun[];
}

type Pipeline = (texts: string[], options: { pooling: 'cls'; normalize: boolean }) => Promise<{ data: Float32Array; dims: number[] }>;

async function transformersJs(model: BenchModel, dtype: 'fp32' | 'q8'): Promise<Pipeline> {
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = `${dirname(model.dir)}/`;
  const name = model.dir.slice(dirname(model.dir).length + 1);
  return (await pipeline('feature-extraction', name, { dtype, device: 'cpu' })) as unknown as Pipeline;
}

/** transformers.js as its users call it: batches of 32 in arrival order, [CLS] pooling. */
async function runPeer(extract: Pipeline, texts: string[], dim: number): Promise<Float32Array> {
  const out = new Float32Array(texts.length * dim);
  for (let i = 0; i < texts.length; i += 32) {
    const batch = await extract(texts.slice(i, i + 32), { pooling: 'cls', normalize: false });
    out.set(batch.data, i * dim);
  }
  return out;
}


/**
 * [CLS] features of SST-2 train with @bertkit/encoder and with transformers.js's feature-extraction
 * pipeline on the same ONNX files (fp32 and int8), in this process, outputs compared before any time is
 * reported; then int8 quality on SST-2 dev and the streaming API's memory over the GLUE phrases.
 */
export async function embedBench(shared: string, cacheDir: string, quick: boolean): Promise<{ result: EmbedBenchResult; trainFeatures: Float32Array; trainLabels: number[]; devSeconds: number }> {
  const model = benchModel(cacheDir, shared, quick ? 'tiny' : 'base');
  const train = tsvRows(join(shared, 'data/sst2/train.tsv'));
  const dev = tsvRows(join(shared, 'data/sst2/dev.tsv'));
  const texts = quick ? train.texts.slice(0, 300) : train.texts;
  const gemm = await measureGemm(quick ? { pairs: 1, runs: 2 } : {});
  const runs: EmbedRun[] = [];
  const features: Record<string, Float32Array> = {};
  let realTokens = 0;
  let devSeconds = 0;
  let nominalFlops = 0;
  const dim = model.shape.hidden;

  // int8 runs are short and vary by about 10% run to run here: the median of three (fp32 runs take a
  // minute or more and vary less, so once). Peak RSS is the highest over the runs.
  const timed = async <T>(precision: 'fp32' | 'int8', fn: () => Promise<T>) => {
    const reps = quick || precision === 'fp32' ? 1 : 3;
    const allSeconds: number[] = [];
    let last!: { value: T; peakRssMb: number };
    let peak = 0;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      last = await withPeakRss(fn);
      allSeconds.push((performance.now() - t0) / 1000);
      peak = Math.max(peak, last.peakRssMb);
    }
    const sorted = [...allSeconds].sort((a, b) => a - b);
    return { value: last.value, peakRssMb: peak, seconds: sorted[Math.floor(sorted.length / 2)] as number, allSeconds };
  };
  const ours = async (precision: 'fp32' | 'int8') => {
    const encoder = await Encoder.load(model.dir, { quantized: precision === 'int8' });
    if (realTokens === 0) {
      for (const t of texts) {
        const n = encoder.tokenCount(t);
        realTokens += n;
        nominalFlops += n * flopsPerToken(model.shape, n);
      }
    }
    await encoder.embed(texts.slice(0, 64));
    const { value, peakRssMb, seconds, allSeconds } = await timed(precision, () => encoder.embed(texts, { pooling: 'cls' }));
    features[`bertkit-${precision}`] = value.data;
    runs.push({ name: `bertkit (${precision})`, precision, seconds, allSeconds, sentencesPerSecond: texts.length / seconds, paddedFraction: value.paddingFraction, machineFraction: nominalFlops / seconds / 1e9 / gemm.gflops, peakRssMb });
    const d0 = performance.now();
    const devFeatures = await encoder.embed(dev.texts, { pooling: 'cls' });
    if (precision === 'fp32') devSeconds = (performance.now() - d0) / 1000;
    features[`dev-${precision}`] = devFeatures.data;
    await encoder.release();
  };
  const peer = async (precision: 'fp32' | 'int8') => {
    const extract = await transformersJs(model, precision === 'fp32' ? 'fp32' : 'q8');
    await runPeer(extract, texts.slice(0, 64), dim);
    let padded = 0;
    const tokenizer = WordPieceTokenizer.fromFile(model.dir);
    for (let i = 0; i < texts.length; i += 32) {
      const lengths = texts.slice(i, i + 32).map((t) => tokenizer.encode(t).ids.length);
      padded += lengths.length * Math.max(...lengths);
    }
    const { value, peakRssMb, seconds, allSeconds } = await timed(precision, () => runPeer(extract, texts, dim));
    features[`peer-${precision}`] = value;
    runs.push({ name: `transformers.js feature-extraction (${precision})`, precision, seconds, allSeconds, sentencesPerSecond: texts.length / seconds, paddedFraction: (padded - realTokens) / padded, machineFraction: nominalFlops / seconds / 1e9 / gemm.gflops, peakRssMb });
    await (extract as unknown as { dispose(): Promise<void> }).dispose();
  };
  await ours('fp32');
  await peer('fp32');
  const fp32MaxAbsDiff = maxAbsDiff(features['bertkit-fp32'] as Float32Array, features['peer-fp32'] as Float32Array);
  if (!(fp32MaxAbsDiff <= 1e-4)) throw new Error(`embed: bertkit and transformers.js fp32 [CLS] features differ by ${fp32MaxAbsDiff} (> 1e-4); timings not reported`);
  await ours('int8');
  await peer('int8');
  // int8 activations are quantized with one range per batch, and the two batch differently.
  const int8Agreement = rowCosines(features['bertkit-int8'] as Float32Array, features['peer-int8'] as Float32Array, dim).mean;
  if (!(int8Agreement >= 0.99)) throw new Error(`embed: int8 features of bertkit and transformers.js disagree (mean cosine ${int8Agreement})`);

  const devCos = rowCosines(features['dev-fp32'] as Float32Array, features['dev-int8'] as Float32Array, dim);
  const accuracy = (trainX: Float32Array, devX: Float32Array) =>
    new LogisticRegression({ C: 1, maxIter: 1000 }).fit({ data: trainX, rows: texts.length, cols: dim }, train.labels.slice(0, texts.length)).score({ data: devX, rows: dev.texts.length, cols: dim }, dev.labels);

  const stream = await streamBench(model, shared, quick);
  const rate = (name: string) => (runs.find((r) => r.name === name) as EmbedRun).sentencesPerSecond;
  const families = await familyBench(cacheDir, shared, quick, texts, gemm.gflops, rate('bertkit (fp32)'));
  const result: EmbedBenchResult = {
    model: { preset: quick ? 'tiny' : 'base', parameters: model.parameters, fp32Bytes: model.fp32Bytes, int8Bytes: model.int8Bytes },
    sentences: texts.length,
    realTokens,
    gemmGflops: gemm.gflops,
    runs,
    ratios: {
      fp32VsTransformersJs: rate('bertkit (fp32)') / rate('transformers.js feature-extraction (fp32)'),
      int8VsTransformersJs: rate('bertkit (int8)') / rate('transformers.js feature-extraction (int8)'),
      int8VsFp32: rate('bertkit (int8)') / rate('bertkit (fp32)'),
    },
    agreement: { fp32MaxAbsDiff, int8MeanCosineVsTransformersJs: int8Agreement },
    quantization: {
      devSentences: dev.texts.length,
      meanCosine: devCos.mean,
      minCosine: devCos.min,
      accuracyFp32: accuracy(features['bertkit-fp32'] as Float32Array, features['dev-fp32'] as Float32Array),
      accuracyInt8: accuracy(features['bertkit-int8'] as Float32Array, features['dev-int8'] as Float32Array),
      sizeRatio: model.int8Bytes / model.fp32Bytes,
    },
    stream,
    families,
  };
  return { result, trainFeatures: features['bertkit-fp32'] as Float32Array, trainLabels: train.labels.slice(0, texts.length), devSeconds };
}

/** embedStream over the GLUE phrases (all 60,614 rows; 4,000 with --quick), RSS sampled after each chunk. */
async function streamBench(model: BenchModel, shared: string, quick: boolean): Promise<EmbedBenchResult['stream']> {
  const lines = readFileSync(join(shared, 'data/sst2-glue/train.tsv'), 'utf8').split('\n').slice(1).filter((l) => l.length > 0);
  const rows = quick ? lines.slice(0, 4000) : lines;
  const encoder = await Encoder.load(model.dir);
  function* phrases() {
    for (const line of rows) yield line.slice(0, line.lastIndexOf('\t'));
  }
  const samples: Array<{ rows: number; rssMb: number }> = [];
  let done = 0;
  let sink = 0;
  const t0 = performance.now();
  const { peakRssMb } = await withPeakRss(async () => {
    for await (const chunk of encoder.embedStream(phrases(), { pooling: 'cls', chunk: 1024 })) {
      done += chunk.rows;
      sink += chunk.data[0] as number;
      samples.push({ rows: done, rssMb: process.memoryUsage.rss() / 1e6 });
    }
  });
  await encoder.release();
  if (!Number.isFinite(sink) || done !== rows.length) throw new Error(`embed: the stream yielded ${done} of ${rows.length} rows`);
  return { rows: done, peakRssMb, samples, secondsTotal: (performance.now() - t0) / 1000 };
}


export function printEmbedBench(r: EmbedBenchResult): void {
  console.log(`\n## Embed: [CLS] features of ${r.sentences} SST-2 train sentences, random DistilBERT-${r.model.preset} (${(r.model.parameters / 1e6).toFixed(1)}M parameters)\n`);
  console.log(`GEMM throughput measured now: ${r.gemmGflops.toFixed(0)} GFLOP/s fp32; ${r.realTokens} real tokens`);
  console.log(
    formatTable(
      ['run', 'seconds', 'sentences/s', 'padded', '% of GEMM limit', 'peak RSS MB'],
      r.runs.map((run) => [run.name, run.allSeconds.length > 1 ? `${run.seconds.toFixed(1)} (median of ${run.allSeconds.map((x) => x.toFixed(1)).join(', ')})` : run.seconds.toFixed(1), run.sentencesPerSecond.toFixed(1), `${(run.paddedFraction * 100).toFixed(1)}%`, `${(run.machineFraction * 100).toFixed(0)}%`, run.peakRssMb.toFixed(0)]),
    ),
  );
  console.log(`\nbertkit vs transformers.js: fp32 ${r.ratios.fp32VsTransformersJs.toFixed(2)}x, int8 ${r.ratios.int8VsTransformersJs.toFixed(2)}x; bertkit int8 vs fp32 ${r.ratios.int8VsFp32.toFixed(2)}x`);
  console.log(`features agree: fp32 max |diff| ${r.agreement.fp32MaxAbsDiff.toExponential(1)}, int8 mean cosine ${r.agreement.int8MeanCosineVsTransformersJs.toFixed(4)}`);
  const q = r.quantization;
  console.log(`int8 vs fp32 on SST-2 dev (${q.devSentences}): mean cosine ${q.meanCosine.toFixed(5)} (min ${q.minCosine.toFixed(4)}), logistic regression accuracy ${(q.accuracyFp32 * 100).toFixed(1)}% -> ${(q.accuracyInt8 * 100).toFixed(1)}%, file ${(q.sizeRatio * 100).toFixed(0)}% of fp32`);
  const s = r.stream;
  const at = (f: number) => s.samples[Math.min(s.samples.length - 1, Math.floor(f * (s.samples.length - 1)))];
  for (const f of r.families) {
    console.log(`${f.arch} (${f.preset}, ${(f.parameters / 1e6).toFixed(1)}M parameters) fp32: ${f.sentencesPerSecond.toFixed(1)} sentences/s (${f.vsDistilbert.toFixed(2)}x DistilBERT's), ${(f.machineFraction * 100).toFixed(0)}% of the GEMM limit, peak RSS ${f.peakRssMb.toFixed(0)} MB`);
  }
  console.log(`embedStream over ${s.rows} GLUE phrases in ${s.secondsTotal.toFixed(0)} s: RSS ${[0.1, 0.5, 1].map((f) => `${at(f)?.rows} rows ${at(f)?.rssMb.toFixed(0)} MB`).join(', ')}; peak ${s.peakRssMb.toFixed(0)} MB`);
}
