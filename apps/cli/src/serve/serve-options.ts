import { CliError } from '../cli-error.js';
import { LOG_LEVELS, type LogLevel } from './server.js';

/** Every serve setting, from its flag or else its BERTKIT_* environment variable, else its default. */
export interface ServeSettings {
  bundles: string[];
  /** Fine-tuned or sentence-transformers models served as shipped: `[name=]<dir | hub id>`. */
  models: string[];
  host: string;
  port: number;
  maxBatchTokens: number;
  maxDelayMs: number;
  batching: boolean;
  maxQueue: number;
  maxClientBatch: number;
  maxInputChars: number;
  bodyLimit: number;
  timeoutMs: number;
  apiKey: string | undefined;
  quantized: boolean;
  logLevel: LogLevel;
}

/** parseArgs options of `bertkit serve` (the flag names the settings come from). */
export const SERVE_FLAGS = {
  bundle: { type: 'string', multiple: true },
  model: { type: 'string', multiple: true },
  host: { type: 'string' },
  port: { type: 'string' },
  'max-batch-tokens': { type: 'string' },
  'max-delay-ms': { type: 'string' },
  'no-batching': { type: 'boolean' },
  'max-queue': { type: 'string' },
  'max-client-batch': { type: 'string' },
  'max-input-chars': { type: 'string' },
  'body-limit': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'api-key': { type: 'string' },
  quantized: { type: 'boolean' },
  'log-level': { type: 'string' },
} as const;

type Flag = keyof typeof SERVE_FLAGS;
type Values = Record<string, string | boolean | string[] | undefined>;
type Env = Record<string, string | undefined>;

/** --max-batch-tokens -> BERTKIT_MAX_BATCH_TOKENS. */
export const envName = (flag: Flag): string => `BERTKIT_${flag.replace(/-/g, '_').toUpperCase()}`;

/** Flags win over the environment; a bad value is an error naming where it came from. */
export function serveSettings(values: Values, env: Env = process.env): ServeSettings {
  const raw = (flag: Flag): { value: string; from: string } | undefined => {
    const v = values[flag];
    if (typeof v === 'string') return { value: v, from: `--${flag}` };
    const e = env[envName(flag)];
    return e === undefined || e === '' ? undefined : { value: e, from: envName(flag) };
  };
  const int = (flag: Flag, fallback: number, min = 1): number => {
    const r = raw(flag);
    if (!r) return fallback;
    const n = Number(r.value);
    if (!/^\s*\d+\s*$/.test(r.value) || !Number.isSafeInteger(n) || n < min) throw new CliError('E_USAGE', `${r.from} must be an integer >= ${min}, got ${JSON.stringify(r.value)}`);
    return n;
  };
  const bool = (flag: Flag): boolean => {
    if (values[flag] === true) return true;
    const e = env[envName(flag)];
    if (e === undefined || e === '') return false;
    if (/^(1|true|yes|on)$/i.test(e)) return true;
    if (/^(0|false|no|off)$/i.test(e)) return false;
    throw new CliError('E_USAGE', `${envName(flag)} must be 1/true/yes or 0/false/no, got ${JSON.stringify(e)}`);
  };
  const list = (flag: 'bundle' | 'model'): string[] => {
    const given = values[flag] as string[] | undefined;
    return given?.length ? given : (env[envName(flag)] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  };
  const bundles = list('bundle');
  const level = raw('log-level');
  if (level && !LOG_LEVELS.includes(level.value as LogLevel)) throw new CliError('E_USAGE', `${level.from} must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(level.value)}`);
  return {
    bundles,
    models: list('model'),
    host: raw('host')?.value ?? '127.0.0.1',
    port: int('port', 8080, 0),
    maxBatchTokens: int('max-batch-tokens', 2048),
    maxDelayMs: int('max-delay-ms', 5, 0),
    batching: !bool('no-batching'),
    maxQueue: int('max-queue', 4096),
    maxClientBatch: int('max-client-batch', 32),
    maxInputChars: int('max-input-chars', 20_000),
    bodyLimit: int('body-limit', 1 << 20),
    timeoutMs: int('timeout-ms', 30_000),
    apiKey: raw('api-key')?.value,
    quantized: bool('quantized'),
    logLevel: (level?.value as LogLevel | undefined) ?? 'info',
  };
}
