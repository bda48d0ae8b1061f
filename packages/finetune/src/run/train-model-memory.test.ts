import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdamW } from '../optim/adamw.js';
import type { StepPaths } from '../optim/adamw.js';
import type { TrainingLayout } from '../optim/training-memory.js';
import { TrainingMemory } from '../optim/training-memory.js';
import { standInDir } from '../testing/reference.js';
import { readAll, tempOut, toyExamples } from './testing-data.js';
import { trainModel } from './train-model.js';
import type { TrainModelOptions } from './types.js';


const options = (out: string): TrainModelOptions => ({
  model: standInDir('distilbert'),
  task: 'classify',
  labelNames: ['a', 'b'],
  train: toyExamples(24),
  out,
  epochs: 2,
  batchSize: 4,
  gradientAccumulation: 2,
  freezeLayers: 1,
  maxGradNorm: 0.05, // small enough that every step clips
  learningRate: 5e-3,
  threads: 1,
});

/** Runs trainModel recording each optimizer step's paths and the kernel calls; `fits: false` simulates a model beyond 4 GiB. */
async function recordedRun(out: string, fits: boolean) {
  const place = TrainingMemory.forTraining.bind(TrainingMemory);
  let kernels: Record<'adamw' | 'axpy' | 'sumsq', { mock: { calls: unknown[] } }> | null = null;
  vi.spyOn(TrainingMemory, 'forTraining').mockImplementation((layout: TrainingLayout) => {
    if (!fits) {
      vi.spyOn(TrainingMemory, 'tryCreate').mockReturnValueOnce(null);
      return place(layout);
    }
    const views = place(layout);
    const k = views.memory!.kernels;
    kernels = { adamw: vi.spyOn(k, 'adamw'), axpy: vi.spyOn(k, 'axpy'), sumsq: vi.spyOn(k, 'sumsq') };
    return views;
  });
  const paths: StepPaths[] = [];
  const step = AdamW.prototype.step;
  vi.spyOn(AdamW.prototype, 'step').mockImplementation(function (this: AdamW, ...args: Parameters<AdamW['step']>) {
    step.apply(this, args);
    paths.push({ ...this.lastStep });
  });
  const summary = await trainModel(options(out));
  const calls = (k: 'adamw' | 'axpy' | 'sumsq') => kernels?.[k].mock.calls.length ?? 0;
  const kernelCalls = { adamw: calls('adamw'), axpy: calls('axpy'), sumsq: calls('sumsq') };
  vi.restoreAllMocks();
  return { summary, paths, kernelCalls, placed: kernels !== null };
}

afterEach(() => void vi.restoreAllMocks());

describe('trainModel in a TrainingMemory', () => {
  it('every optimizer step runs on the WebAssembly kernels (accumulation, frozen layers, clipping) and lands where the JS fallback does', async () => {
    const fast = await recordedRun(tempOut('memory'), true);
    expect(fast.placed).toBe(true);
    expect(fast.summary.steps).toBe(6);
    expect(fast.paths).toHaveLength(6);
    const tensors = fast.paths[0]!.kernel;
    expect(tensors).toBeGreaterThan(0);
    expect(fast.paths.every((p) => p.kernel === tensors && p.js === 0)).toBe(true);
    expect(fast.kernelCalls.adamw).toBe(6 * tensors);
    expect(fast.kernelCalls.sumsq).toBe(6 * tensors); // the norm over the trainable gradients
    expect(fast.kernelCalls.axpy).toBe(12 * tensors); // two micro-batches per step into the sums

    const slow = await recordedRun(tempOut('plain'), false);
    expect(slow.paths.every((p) => p.kernel === 0 && p.js === tensors)).toBe(true);
    expect(slow.summary.steps).toBe(6);
    const a = readAll(join(fast.summary.out, 'model.safetensors'));
    const b = readAll(join(slow.summary.out, 'model.safetensors'));
    let worst = 0;
    for (const [name, p] of a) {
      const q = b.get(name)!;
      for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i]! - q[i]!));
    }
    console.log(`trainModel, WebAssembly vs JS optimizer over 6 steps: max |Δw| ${worst.toExponential(2)}`);
    // float32 (kernel) vs float64 (JS) arithmetic in the update; 6 steps of lr 5e-3 would move a weight 3e-2.
    expect(worst).toBeLessThan(1e-5);
    expect(Math.abs(fast.summary.trainLoss - slow.summary.trainLoss)).toBeLessThan(1e-4);
  });
});
