import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Encoder } from '@bertkit/encoder';
import { formatTable } from './measure.js';
import { tsvTexts } from './shared.js';

export interface EncoderBenchResult {
  model: string;
  sentences: number;
  planned: { seconds: number; perSecond: number; paddingFraction: number };
  arrival32: { seconds: number; perSecond: number; paddingFraction: number };
  stream: { rows: number; rssMb: number[]; checkpoints: number[] };
}

/**
 * [CLS] features for the SST-2 train sentences: our length-bucketed plan against arrival-order
 * batches of 32 (what transformers.js's pipeline does) on the same session, then the streaming API over
 * the 60,614 GLUE phrases with RSS sampled along the way.
 */
export async function encoderBench(shared: string, modelDir: string): Promise<EncoderBenchResult> {
  const encoder = await Encoder.load(modelDir);
  const texts = tsvTexts(join(shared, 'data/sst2/train.tsv'));
  await encoder.embed(texts.slice(0, 256));
  let t0 = performance.now();
  const planned = await encoder.embed(texts, { pooling: 'cls' });
  const plannedSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  let padded = 0;
  let real = 0;
  for (let i = 0; i < texts.length; i += 32) {
    // One call per arrival-order batch of 32; a budget that fits the whole batch keeps it together.
    const out = await encoder.embed(texts.slice(i, i + 32), { pooling: 'cls', batchTokens: 32 * encoder.maxLength });
    const lengths = texts.slice(i, i + 32).map((t) => encoder.tokenizer.encode(t).ids.length);
    padded += lengths.length * Math.max(...lengths);
    real += lengths.reduce((a, b) => a + b, 0);
    void out;
  }
  const arrivalSeconds = (performance.now() - t0) / 1000;
  const glue = readFileSync(join(shared, 'data/sst2-glue/train.tsv'), 'utf8').split('\n').slice(1).filter((l) => l.length > 0);
  const rss: number[] = [];
  const checkpoints: number[] = [];
  let rows = 0;
  function* phrases() {
    for (const line of glue) yield line.split('\t')[0] as string;
  }
  for await (const chunk of encoder.embedStream(phrases(), { pooling: 'cls', chunk: 2048 })) {
    rows += chunk.rows;
    rss.push(process.memoryUsage().rss / 1e6);
    checkpoints.push(rows);
  }
  await encoder.release();
  return {
    model: modelDir,
    sentences: texts.length,
    planned: { seconds: plannedSeconds, perSecond: texts.length / plannedSeconds, paddingFraction: planned.paddingFraction },
    arrival32: { seconds: arrivalSeconds, perSecond: texts.length / arrivalSeconds, paddingFraction: (padded - real) / padded },
    stream: { rows, rssMb: rss, checkpoints },
  };
}

export function printEncoderBench(r: EncoderBenchResult): void {
  console.log(`\n## Encoder: [CLS] features of ${r.sentences} SST-2 train sentences (${r.model})\n`);
  console.log(
    formatTable(
      ['batching', 'seconds', 'sentences/s', 'padded positions'],
      [
        ['bertkit plan (length-sorted, token budget)', r.planned.seconds.toFixed(2), r.planned.perSecond.toFixed(0), `${(r.planned.paddingFraction * 100).toFixed(1)}%`],
        ['arrival order, batches of 32', r.arrival32.seconds.toFixed(2), r.arrival32.perSecond.toFixed(0), `${(r.arrival32.paddingFraction * 100).toFixed(1)}%`],
      ],
    ),
  );
  console.log(`\nplan vs arrival-order: ${(r.planned.perSecond / r.arrival32.perSecond).toFixed(2)}x`);
  const pick = (f: number) => Math.min(r.stream.rssMb.length - 1, Math.floor(f * (r.stream.rssMb.length - 1)));
  const at = [0.1, 0.5, 1].map((f) => `${r.stream.checkpoints[pick(f)]} rows: ${r.stream.rssMb[pick(f)]?.toFixed(0)} MB`);
  console.log(`embedStream over ${r.stream.rows} sst2-glue rows, RSS: ${at.join(', ')} (peak ${Math.max(...r.stream.rssMb).toFixed(0)} MB)`);
}
