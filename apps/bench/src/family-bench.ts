import { join } from 'node:path';
import { Encoder } from '@bertkit/encoder';
import { createRandomModel } from '@bertkit/onnx-builder';
import { flopsPerToken } from './bench-models.js';
import { withPeakRss } from './machine.js';

/** bertkit's fp32 [CLS] throughput on another architecture, beside DistilBERT's in the embed suite. */
export interface FamilyRun {
  preset: string;
  arch: string;
  parameters: number;
  seconds: number;
  sentencesPerSecond: number;
  /** Throughput relative to DistilBERT-base in the same run (a 12-layer model does twice the work). */
  vsDistilbert: number;
  machineFraction: number;
  peakRssMb: number;
}

/** The seeded random RoBERTa (roberta-base shape; roberta-tiny with --quick) with roberta-base's real BPE files. */
export async function familyBench(cacheDir: string, shared: string, quick: boolean, texts: readonly string[], gemmGflops: number, distilbertRate: number): Promise<FamilyRun[]> {
  const runs: FamilyRun[] = [];
  for (const preset of [quick ? 'roberta-tiny' : 'roberta-base'] as const) {
    const model = createRandomModel({ preset, seed: 42, output: join(cacheDir, `random-${preset}-seed42`), tokenizer: join(shared, 'hub-files/FacebookAI--roberta-base') });
    const encoder = await Encoder.load(model.dir);
    let flops = 0;
    for (const t of texts) {
      const n = encoder.tokenCount(t);
      flops += n * flopsPerToken(model.shape, n);
    }
    await encoder.embed(texts.slice(0, 64));
    const t0 = performance.now();
    const { peakRssMb } = await withPeakRss(() => encoder.embed(texts, { pooling: 'cls' }));
    const seconds = (performance.now() - t0) / 1000;
    await encoder.release();
    const rate = texts.length / seconds;
    runs.push({ preset, arch: model.shape.arch, parameters: model.parameters, seconds, sentencesPerSecond: rate, vsDistilbert: rate / distilbertRate, machineFraction: flops / seconds / 1e9 / gemmGflops, peakRssMb });
  }
  return runs;
}
