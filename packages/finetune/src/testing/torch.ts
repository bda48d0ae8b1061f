import { spawnSync } from 'node:child_process';
import { it } from 'vitest';

/** A python3 that imports torch: $BERTKIT_PYTHON, Debian's /usr/bin/python3 (python3-torch), then python3. */
export function findTorchPython(): string | null {
  for (const python of [process.env.BERTKIT_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => Boolean(p))) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return python;
  }
  return null;
}

/**
 * For a describe block comparing against PyTorch: the python to run, or null after declaring what stands
 * in for the comparisons — locally a skip with a message, in CI a failing test (a green CI run must mean
 * the comparisons ran).
 */
export function torchPythonOrSkip(what: string): string | null {
  const python = findTorchPython();
  if (python) return python;
  if (process.env.CI) {
    it('PyTorch oracle is available (required in CI)', () => {
      throw new Error('no python3 imports torch (tried $BERTKIT_PYTHON, /usr/bin/python3, python3); apt install python3-torch');
    });
  } else {
    console.warn(`skipping ${what}: no python3 imports torch (set BERTKIT_PYTHON or apt install python3-torch)`);
    it.skip(`${what} (no python3 with torch)`, () => {});
  }
  return null;
}

/** Runs a script with a JSON document on stdin, returns its JSON stdout (one thread, as the tests' sessions). */
export function runTorchScript<T>(python: string, script: string, input: unknown, args: string[] = []): T {
  const r = spawnSync(python, [script, ...args], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout) as T;
}
