import { describe, expect, it, vi } from 'vitest';
import type { Example } from './data/length-grouped.js';
import { finetune } from './finetune.js';
import { readEncoderSpec } from './model/model-spec.js';
import { buildTrainingGraph } from './model/task-graph.js';
import { TrainingMemory } from './optim/training-memory.js';
import { readTensors, standInDir } from './testing/reference.js';
import { TrainingSession } from './training-session.js';

const graph = buildTrainingGraph(readEncoderSpec(standInDir('distilbert')), 'sequence-classification');
const examples: Example[] = Array.from({ length: 16 }, (_, i) => ({ ids: [101, i % 2 ? 2204 : 2919, 1000 + i, 1012, 102], label: i % 2 }));
const recipe = { batchSize: 4, gradientAccumulation: 2, maxGradNorm: 0.05, schedule: { peak: 1e-2 }, groupByLength: false } as const;

describe('finetune on a session whose arrays live in a TrainingMemory', () => {
  it('accumulates with axpy, clips and steps with the kernels on every tensor, and matches the plain-array run', async () => {
    const initial = readTensors('distilbert', 'initial.safetensors');
    // Room for the moments and the accumulation sums besides the parameters and gradients.
    const placed = TrainingMemory.forTraining({ parameters: initial, accumulate: true });
    const fast = await TrainingSession.create(graph, placed.parameters, { threads: 1, dropout: false, gradients: placed.gradients });
    const k = placed.memory!.kernels;
    const [adamw, axpy, sumsq] = [vi.spyOn(k, 'adamw'), vi.spyOn(k, 'axpy'), vi.spyOn(k, 'sumsq')];
    const log = await finetune(fast, examples, recipe);
    const tensors = graph.parameters.length;
    expect(log).toHaveLength(2);
    expect(adamw).toHaveBeenCalledTimes(2 * tensors);
    expect(axpy).toHaveBeenCalledTimes(4 * tensors);
    expect(sumsq).toHaveBeenCalledTimes(2 * tensors);
    expect(placed.memory!.available).toBe(0); // the moments and sums went into the memory
    vi.restoreAllMocks();

    const slow = await TrainingSession.create(graph, readTensors('distilbert', 'initial.safetensors'), { threads: 1, dropout: false });
    const reference = await finetune(slow, examples, recipe);
    expect(log.map((s) => s.gradNorm)).toEqual(reference.map((s) => expect.closeTo(s.gradNorm, 5)));
    let worst = 0;
    for (const [name, p] of fast.parameters) {
      const q = slow.parameters.get(name)!;
      for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i]! - q[i]!));
    }
    expect(worst).toBeLessThan(1e-6);
    await Promise.all([fast.release(), slow.release()]);
  });

  it('a memory without room for the optimizer state leaves finetune on plain arrays', async () => {
    const initial = readTensors('distilbert', 'initial.safetensors');
    const lengths = [...initial.values()].map((p) => p.length);
    const memory = TrainingMemory.create(2 * TrainingMemory.bytesFor(lengths)); // parameters and gradients only
    const parameters = new Map([...initial].map(([name, p]) => [name, memory.copyOf(p)]));
    const gradients = new Map([...initial].map(([name, p]) => [name, memory.alloc(p.length)]));
    const session = await TrainingSession.create(graph, parameters, { threads: 1, dropout: false, gradients });
    const adamw = vi.spyOn(memory.kernels, 'adamw');
    const log = await finetune(session, examples.slice(0, 4), { batchSize: 4 });
    expect(log).toHaveLength(1);
    expect(adamw).not.toHaveBeenCalled();
    expect(memory.available).toBe(0);
    vi.restoreAllMocks();
    await session.release();
  });
});
