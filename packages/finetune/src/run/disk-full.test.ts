import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { standInDir } from '../testing/reference.js';
import { listCheckpoints, loadCheckpoint } from './checkpoint.js';
import { tempOut, toyExamples } from './testing-data.js';
import { trainModel } from './train-model.js';
import type { TrainModelOptions } from './types.js';

// Injected failure: the optimizer file of the second checkpoint hits ENOSPC halfway through.
const failOn = { checkpoint: '' };
vi.mock('./atomic-write.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./atomic-write.js')>();
  return {
    ...real,
    writeSafetensorsAtomic: (path: string, ...rest: Parameters<typeof real.writeSafetensorsAtomic> extends [unknown, ...infer R] ? R : never) => {
      if (failOn.checkpoint !== '' && path.includes(`${failOn.checkpoint}.tmp-`) && basename(path) === 'optimizer.safetensors') {
        writeFileSync(`${path}.tmp-${process.pid}`, Buffer.alloc(1000)); // the partial file a full disk leaves
        throw real.ioError(path, Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      }
      return real.writeSafetensorsAtomic(path, ...rest);
    },
  };
});

const options = (out: string): TrainModelOptions => ({
  model: standInDir('distilbert'),
  task: 'classify',
  labelNames: ['a', 'b'],
  train: toyExamples(48),
  out,
  epochs: 1,
  batchSize: 8,
  checkpointEvery: 2,
  threads: 1,
});

function expectPreviousCheckpointIntact(out: string, step: number): void {
  expect(readdirSync(out).filter((n) => n.includes('.tmp-'))).toEqual([]);
  expect(listCheckpoints(out).map((c) => c.step)).toEqual([step]);
  const saved = loadCheckpoint(join(out, `checkpoint-${step}`));
  expect(saved.state.position.step).toBe(step);
  expect(saved.moments.size).toBeGreaterThan(0);
}

describe('a disk that fills while saving a checkpoint', () => {
  afterAll(() => void (failOn.checkpoint = ''));

  it('(injected ENOSPC) removes the partial checkpoint, keeps the previous one, stops with E_DISK_FULL naming the path', async () => {
    const out = tempOut('enospc');
    failOn.checkpoint = 'checkpoint-4';
    const err = await trainModel(options(out)).then(() => null, (e: unknown) => e as Error & { code: string });
    failOn.checkpoint = '';
    expect(err).toMatchObject({ code: 'E_DISK_FULL', message: `disk full while saving checkpoint ${join(out, 'checkpoint-4')}` });
    expectPreviousCheckpointIntact(out, 2);
    // The survivor resumes.
    const summary = await trainModel({ ...options(out), resume: true });
    expect(summary.steps).toBe(6);
  }, 60_000);

  it('(a real 20 MB tmpfs, when mount is allowed) the same', async () => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'bertkit-tmpfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    } catch {
      console.warn('skipping the tmpfs disk-full test: mount -t tmpfs is not permitted here');
      return;
    }
    try {
      const out = join(mountPoint, 'out');
      mkdirSync(out);
      // A checkpoint of the stand-in is ~12 MB (weights + two moments): the second cannot fit beside the first.
      const err = await trainModel(options(out)).then(() => null, (e: unknown) => e as Error & { code: string });
      expect(err?.code).toBe('E_DISK_FULL');
      expect(err?.message).toBe(`disk full while saving checkpoint ${join(out, 'checkpoint-4')}`);
      expectPreviousCheckpointIntact(out, 2);
    } finally {
      execFileSync('umount', [mountPoint], { stdio: 'ignore' });
    }
  }, 60_000);
});
