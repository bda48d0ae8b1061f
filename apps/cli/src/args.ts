import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError } from './cli-error.js';
import { cliVersion } from './version.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * parseArgs with the conventions every command shares: --help prints the usage and returns null,
 * --version prints the version and returns null, --json is always accepted, and a malformed command
 * line becomes a one-line usage error.
 */
export function parseCommand(argv: string[], options: Options, usage: string): Parsed | null {
  // "--layers -1,-2" reads naturally but parseArgs takes "-1,-2" for an option: join negative numbers
  // to the string option before them.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : null;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' }, json: { type: 'boolean' } } });
  } catch (error) {
    throw new CliError('E_USAGE', `${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    return null;
  }
  if (parsed.values.version) {
    process.stdout.write(`${cliVersion()}\n`);
    return null;
  }
  return parsed as Parsed;
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function required(p: Parsed, name: string, usage: string): string {
  const v = str(p, name);
  if (v === undefined || v === '') throw new CliError('E_USAGE', `--${name} is required (see --help)\n${usage}`);
  return v;
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

export function int(p: Parsed, name: string, fallback: number, min = 1): number {
  const raw = str(p, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new CliError('E_USAGE', `--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

export function num(p: Parsed, name: string, fallback: number): number {
  const raw = str(p, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || raw.trim() === '') throw new CliError('E_USAGE', `--${name} must be a number, got ${JSON.stringify(raw)}`);
  return n;
}

export function oneOf<T extends string>(p: Parsed, name: string, choices: readonly T[], fallback: T): T {
  const raw = str(p, name) ?? fallback;
  if (!choices.includes(raw as T)) throw new CliError('E_USAGE', `--${name} must be one of ${choices.join(', ')}; got ${JSON.stringify(raw)}`);
  return raw as T;
}

/** "-1,-2,-3,-4" -> [-1, -2, -3, -4]. */
export function intList(p: Parsed, name: string): number[] | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const out = raw.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n))) throw new CliError('E_USAGE', `--${name} must be a comma-separated list of integers, got ${JSON.stringify(raw)}`);
  return out;
}

/** Column given as a 0-based index or a header name. */
export function column(p: Parsed, name: string): string | number | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}
