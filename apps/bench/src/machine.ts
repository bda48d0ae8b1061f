import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { createRequire } from 'node:module';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  onnxruntime: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const require = createRequire(import.meta.url);
  let onnxruntime = 'unknown';
  try {
    // The bench depends on the same onnxruntime-node version as @bertkit/encoder (one copy in the lockfile).
    const pkg = require.resolve('onnxruntime-node/package.json');
    onnxruntime = JSON.parse(readFileSync(pkg, 'utf8')).version;
  } catch {
    // the version is informative only
  }
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    onnxruntime,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Samples this process's RSS while `fn` runs; returns fn's result and the peak in MB. */
export async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakRssMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakRssMb: peak / 1e6 };
  } finally {
    clearInterval(timer);
  }
}
