import { readFileSync } from 'node:fs';

/**
 * The CLI's version, read from its package.json (one directory above both src/ and dist/), so the
 * published package and a checkout report the same number without a build step stamping it.
 */
export function cliVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@bertkit/cli' && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through: a bundled copy without its package.json
  }
  return 'unknown';
}

/** What "bertkit version --json" prints: enough to reproduce a run or file a bug. */
export function versionInfo(): Record<string, string> {
  return { bertkit: cliVersion(), node: process.version, platform: `${process.platform}-${process.arch}` };
}
