import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunState, SaveInput } from './checkpoint.js';
import { listCheckpoints, loadCheckpoint, removeStaleTemporaries, saveCheckpoint } from './checkpoint.js';
import { tempOut } from './testing-data.js';

function input(step: number, value: number): SaveInput {
  const position = { step, epoch: 0, batch: step, micro: step };
  const state: RunState = { version: 1, fingerprint: { seed: 1 }, position, segment: position, epochLoss: { sum: 0, count: 0 }, best: null, stale: 0, lastMetrics: {}, logHistory: [] };
  return {
    state,
    parameters: [{ name: 'w', shape: [2, 2], data: new Float32Array(4).fill(value) }],
    moments: [{ name: 'w', m: new Float32Array(4).fill(value / 10), v: new Float32Array(4).fill(value / 100) }],
    config: { model_type: 'bert' },
  };
}

describe('checkpoints', () => {
  it('saves and loads parameters, moments and state; keeps the newest; the same step saved twice is replaced whole', () => {
    const out = tempOut('ckpt');
    mkdirSync(out, { recursive: true });
    for (const step of [1, 2, 3]) saveCheckpoint(out, input(step, step), 2);
    expect(listCheckpoints(out).map((c) => c.step)).toEqual([2, 3]);
    saveCheckpoint(out, input(3, 30), 2);
    const loaded = loadCheckpoint(join(out, 'checkpoint-3'));
    expect([...loaded.parameters.get('w')!]).toEqual([30, 30, 30, 30]);
    expect(loaded.moments.get('w')!.m[0]).toBeCloseTo(3, 6);
    expect(loaded.moments.get('w')!.v[0]).toBeCloseTo(0.3, 6);
    expect(loaded.state.position).toEqual({ step: 3, epoch: 0, batch: 3, micro: 3 });
    expect(readdirSync(out).sort()).toEqual(['checkpoint-2', 'checkpoint-3']);
  });

  it('leftovers of a killed save are removed and never listed', () => {
    const out = tempOut('stale');
    mkdirSync(join(out, 'checkpoint-9.tmp-123'), { recursive: true });
    writeFileSync(join(out, 'checkpoint-9.tmp-123', 'trainer_state.json'), '{}');
    mkdirSync(join(out, 'checkpoint-4'), { recursive: true }); // no state file: incomplete
    expect(listCheckpoints(out)).toEqual([]);
    removeStaleTemporaries(out);
    expect(existsSync(join(out, 'checkpoint-9.tmp-123'))).toBe(false);
    expect(() => loadCheckpoint(join(out, 'checkpoint-4'))).toThrow(/not a checkpoint/);
  });
});
