/**
 * bertkit's side of the train suite, in its own process so its peak RSS is its own: reads the batch file
 * (train-batches.ts), trains a randomly initialised sequence classifier on it (dropout on, clipping 1.0,
 * AdamW) and prints one JSON line with the timings of the batches after the warm-up. As trainModel does,
 * parameters, gradients and moments live in a TrainingMemory, so the optimizer phases run as WebAssembly
 * SIMD kernels (the JS loops if the model did not fit in 4 GiB).
 */
import { readFileSync } from 'node:fs';
import { AdamW, TrainingMemory, TrainingSession, buildTrainingGraph, clipCoefficient, globalNorm, padBatch, specFromConfig } from '@bertkit/finetune';
import { SeededRandom } from '@bertkit/onnx-builder';
import type { TrainBatchFile } from './train-batches.js';

export interface WorkerResult {
  /** Seconds of each timed step (forward + backward + clip + AdamW). */
  stepSeconds: number[];
  /**
   * Per phase, summed over the timed steps: graph run (incl. embedding backward), clipping (the global norm;
   * the gradients' scaling by the clip coefficient is folded into the update), optimizer (AdamW).
   */
  phases: Record<string, number>;
  losses: number[];
  peakRssMb: number;
  parameters: number;
  /** Process CPU seconds (user + system, all threads) over the timed steps: robust to a busy machine. */
  cpuSeconds: number;
}

const file = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as TrainBatchFile;
const spec = specFromConfig(file.config);
const graph = buildTrainingGraph(spec, 'sequence-classification', { numLabels: 2 });
// Random weights as transformers initialises them: normal(0, 0.02) matrices, LayerNorm weights 1, biases 0.
// Filled in place in the memory: the zero arrays copied in are never written (no resident pages) nor kept.
const zeros = () => new Map(graph.parameters.map((p) => [p.name, new Float32Array(p.shape.reduce((a, b) => a * b, 1))]));
const placed = TrainingMemory.forTraining({ parameters: zeros() });
const params = placed.parameters;
const rng = new SeededRandom(1);
let count = 0;
for (const p of graph.parameters) {
  const values = params.get(p.name)!;
  if (p.shape.length > 1) rng.fillNormal(values, 0.02);
  else if (/norm\.weight$/i.test(p.name)) values.fill(1);
  count += values.length;
}
const session = await TrainingSession.create(graph, params, { threads: file.threads, dropout: true, gradients: placed.gradients });
const optimizer = new AdamW(params, { memory: placed.memory });
const result: WorkerResult = { stepSeconds: [], phases: { graph: 0, clip: 0, adamw: 0 }, losses: [], peakRssMb: 0, parameters: count, cpuSeconds: 0 };
let cpuStart: NodeJS.CpuUsage | null = null;
for (let i = 0; i < file.batches.length; i++) {
  const { ids, labels } = file.batches[i]!;
  const batch = padBatch(ids.map((row, r) => ({ ids: row, label: labels[r]! })));
  if (i === file.warmup) cpuStart = process.cpuUsage();
  const t0 = performance.now();
  const { loss } = await session.computeGradients(batch);
  const t1 = performance.now();
  const gradScale = clipCoefficient(globalNorm(session.gradients.values()), 1.0);
  const t2 = performance.now();
  optimizer.step(session.gradients, file.learningRate, { gradScale });
  const t3 = performance.now();
  if (i < file.warmup) continue;
  result.stepSeconds.push((t3 - t0) / 1000);
  result.phases.graph! += (t1 - t0) / 1000;
  result.phases.clip! += (t2 - t1) / 1000;
  result.phases.adamw! += (t3 - t2) / 1000;
  result.losses.push(loss);
}
if (cpuStart) {
  const cpu = process.cpuUsage(cpuStart);
  result.cpuSeconds = (cpu.user + cpu.system) / 1e6;
}
await session.release();
result.peakRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify(result)}\n`);
