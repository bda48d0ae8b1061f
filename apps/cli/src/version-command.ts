import { parseCommand } from './args.js';
import { cliVersion, versionInfo } from './version.js';

export const VERSION_USAGE = `bertkit version [--json]
  The version of bertkit (the same as bertkit --version); --json adds Node's version and the platform.`;

export function versionCommand(argv: string[]): void {
  const p = parseCommand(argv, {}, VERSION_USAGE);
  if (!p) return;
  console.log(p.values.json ? JSON.stringify(versionInfo()) : cliVersion());
}
