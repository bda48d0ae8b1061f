// A second, independent writer: Python's own pickle and zipfile produce torch.save's layout (with
// stand-ins for torch's globals, so no torch is needed), numpy computes what every strided view holds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PytorchBinFile } from './index.js';

const script = join(import.meta.dirname, 'fixtures', 'write-torch-zip.py');
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!hasNumpy) {
  if (process.env.CI) throw new Error('python3 with numpy is required in CI for the pytorch_model.bin cross-check (apt-get install python3-numpy)');
  console.warn('skipping the Python cross-check of pytorch_model.bin: python3 with numpy is not available');
}

describe.skipIf(!hasNumpy)('zip archives written by Python pickle + zipfile in torch.save layout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-ptbin-py-'));
  if (hasNumpy) {
    const run = spawnSync('python3', [script, dir], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr}`);
  }
  const expected = (): Record<string, { shape: number[]; values: Array<number | string> }> => JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));

  it.each([
    ['p2-stored.bin', 'archive'],
    ['p4-deflated.bin', 'my_model'],
  ])('%s: every tensor equals numpy exactly', (name, archive) => {
    const file = PytorchBinFile.open(join(dir, name));
    try {
      expect(file.archive).toBe(archive);
      const want = expected();
      expect(file.names().sort()).toEqual(Object.keys(want).sort());
      for (const [tensor, { shape, values }] of Object.entries(want)) {
        expect(file.shape(tensor), tensor).toEqual(shape);
        const entry = file.tensors.get(tensor);
        if (entry?.dtype === 'I64' || entry?.dtype === 'I32') {
          expect(Array.from(file.readRaw(tensor), String), tensor).toEqual(values);
        } else {
          expect(Array.from(file.read(tensor)), tensor).toEqual(values);
        }
      }
      expect(file.tensors.get('tied')?.storage).toBe(file.tensors.get('dense.weight')?.storage);
    } finally {
      file.close();
    }
  });
});
