export interface Timing {
  /** Median seconds of the timed rounds. */
  seconds: number;
  rounds: number[];
}

/** Runs `fn` once to warm up, then `rounds` times; the median resists a noisy neighbour on 2 cores. */
export async function measure(fn: () => unknown, rounds = 5): Promise<Timing> {
  await fn();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { seconds: sorted[Math.floor(sorted.length / 2)] as number, rounds: times };
}

export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c] as number)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
