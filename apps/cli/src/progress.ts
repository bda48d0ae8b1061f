import type { Parsed } from './args.js';
import { oneOf, str } from './args.js';

/**
 * bar: a one-line bar redrawn in place; json: one JSON line per update ({progress, done, total,
 * seconds, rssBytes}) for machines and tests; none: silent.
 */
export type ProgressMode = 'bar' | 'json' | 'none';

/** The --progress option, defaulting to a bar only when stderr is a terminal (or BERTKIT_PROGRESS=1). */
export function progressMode(p: Parsed): ProgressMode | undefined {
  return str(p, 'progress') === undefined ? undefined : oneOf<ProgressMode>(p, 'progress', ['bar', 'json', 'none'], 'bar');
}

/**
 * A one-line progress bar on stderr (items/s and ETA), drawn only when stderr is a terminal (or
 * BERTKIT_PROGRESS=1), so logs and pipes stay clean.
 */
export class Progress {
  private readonly started = performance.now();
  private last = 0;
  private readonly mode: ProgressMode;

  constructor(
    private readonly label: string,
    private readonly unit: string,
    mode?: boolean | ProgressMode,
  ) {
    const auto = process.stderr.isTTY === true || process.env.BERTKIT_PROGRESS === '1';
    this.mode = mode === undefined ? (auto ? 'bar' : 'none') : mode === true ? 'bar' : mode === false ? 'none' : mode;
  }

  update(done: number, total: number): void {
    if (this.mode === 'none') return;
    const now = performance.now();
    if (this.mode === 'json') {
      const line = { progress: this.label, done, total: Number.isFinite(total) ? total : null, unit: this.unit, seconds: (now - this.started) / 1000, rssBytes: process.memoryUsage.rss() };
      process.stderr.write(`${JSON.stringify(line)}\n`);
      return;
    }
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const known = Number.isFinite(total) && total > 0;
    const width = 24;
    const filled = known ? Math.round((width * done) / total) : 0;
    const bar = known ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    const eta = known && rate > 0 ? `, ETA ${formatSeconds((total - done) / rate)}` : '';
    const count = known ? `${done}/${total}` : `${done}`;
    process.stderr.write(`\r${this.label} ${bar}${count} ${this.unit}, ${formatRate(rate)} ${this.unit}/s${eta}   `);
  }

  done(): void {
    if (this.mode === 'bar') process.stderr.write('\n');
  }
}

function formatRate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r.toFixed(1);
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
