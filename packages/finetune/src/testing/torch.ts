import { spawnSync } from 'node:child_process';

/** A python3 that imports torch: $BERTKIT_PYTHON, Debian's /usr/bin/python3 (python3-torch), then python3. */
export function findTorchPython(): string | null {
  for (const python of [process.env.BERTKIT_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => Boolean(p))) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return python;
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
