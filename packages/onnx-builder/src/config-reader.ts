import { readFileSync } from 'node:fs';
import { ModelToolsError } from './errors.js';

/** config.json read with errors that name the file and the field. */
export class ConfigReader {
  constructor(
    readonly json: Record<string, unknown>,
    readonly path: string,
  ) {}

  static read(path: string): ConfigReader {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (cause) {
      const why = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
      throw new ModelToolsError('E_BAD_CONFIG', `${path}: cannot read config.json (${why})`, { file: path, cause });
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ModelToolsError('E_BAD_CONFIG', `${path}: must hold a JSON object`, { file: path });
    return new ConfigReader(json as Record<string, unknown>, path);
  }

  fail(message: string): ModelToolsError {
    return new ModelToolsError('E_BAD_CONFIG', `${this.path}: ${message}`, { file: this.path });
  }

  /** The first of `keys` present, as a non-negative integer; `fallback` when none is present. */
  int(keys: readonly string[], fallback?: number): number {
    for (const key of keys) {
      const v = this.json[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw this.fail(`"${key}" must be a non-negative integer, got ${JSON.stringify(v)}`);
      return v;
    }
    if (fallback !== undefined) return fallback;
    throw this.fail(`missing ${keys.map((k) => `"${k}"`).join(' or ')}`);
  }

  number(key: string, fallback: number): number {
    const v = this.json[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.fail(`"${key}" must be a number, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A string field restricted to `allowed`; anything else is E_UNSUPPORTED naming the field and value. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T, what = key): T {
    const v = this.json[key] ?? fallback;
    if (!allowed.includes(v as T)) {
      throw new ModelToolsError('E_UNSUPPORTED', `${this.path}: ${what} ${JSON.stringify(v)} is not supported (only ${allowed.map((a) => JSON.stringify(a)).join(', ')})`, { file: this.path });
    }
    return v as T;
  }

  /** `architectures[0]`, e.g. "BertForSequenceClassification", or null. */
  architecture(): string | null {
    const a = this.json.architectures;
    return Array.isArray(a) && typeof a[0] === 'string' ? a[0] : null;
  }
}
