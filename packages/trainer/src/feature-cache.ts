import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrainerError } from './errors.js';

/** What the cache needs from an encoder: @bertkit/encoder's Encoder fits it without a runtime dependency. */
export interface EmbeddingSource<O extends object> {
  files: { onnx: string; dir: string };
  maxLength: number;
  /**
   * What embed() uses for options not given (@bertkit/encoder: pooling, Normalize, prompt from a
   * sentence-transformers layout). Part of the key: those files are not in the graph's bytes.
   */
  defaults?: object;
  embed(inputs: readonly CacheInput[], options?: O): Promise<{ data: Float32Array; rows: number; dim: number; longInputs?: number }>;
}

export type CacheInput = string | readonly [string, string];

export interface CachedEmbeddings {
  data: Float32Array;
  rows: number;
  dim: number;
  longInputs: number;
  /** 'hit': read from disk; 'miss': embedded and stored; 'rebuilt': the stored file was damaged and replaced. */
  status: 'hit' | 'miss' | 'rebuilt';
  /** Why a stored file was not used (status 'rebuilt'): which check it failed. */
  damage?: CacheDamage;
  /** The cache file. */
  file: string;
}

/** Files the tokenizer reads: a change to any of them changes the features. */
const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json', 'config.json'];
export type CacheDamage = 'foreign' | 'header-checksum' | 'key' | 'length' | 'body-checksum' | 'non-finite';

export interface FeatureCacheOptions {
  /**
   * Told once per damaged file, before it is rebuilt. Default: a process warning (code
   * `BERTKIT_FEATURE_CACHE_DAMAGED`), which Node prints once to stderr.
   */
  onDamage?: (file: string, damage: CacheDamage) => void;
}

/*
 * File layout (version 2): magic 'BKFEAT02', rows, dim, longInputs (u32 LE), 4 reserved bytes, the sha-256
 * of the cache key (so a file renamed or copied under another key is refused), the sha-256 of the body,
 * then the sha-256 of those 88 bytes. A single flipped bit anywhere fails one of the three digests;
 * version-1 files (no digests) read as foreign and are rebuilt.
 */
const MAGIC = Buffer.from('BKFEAT02');
const DIGEST_BYTES = 32;
const FIELDS_BYTES = 24;
const HEADER_BYTES = FIELDS_BYTES + 3 * DIGEST_BYTES;

/**
 * Embeddings on disk keyed by the model's bytes (ONNX graph and tokenizer files), the embedding options
 * and the inputs, so fitting heads again, or in another process, does not re-embed. Files are written
 * to a temporary name and renamed, so an interrupted run never leaves a half file under a valid key.
 */
export class FeatureCache {
  /** File digests by path, reused while size and mtime are unchanged (hashing a 260 MB graph takes ~0.5 s). */
  private readonly digests = new Map<string, { size: number; mtimeMs: number; digest: string }>();

  private readonly onDamage: (file: string, damage: CacheDamage) => void;

  constructor(
    readonly dir: string,
    options: FeatureCacheOptions = {},
  ) {
    if (typeof dir !== 'string' || dir.length === 0) throw new TrainerError('E_INVALID_OPTION', `FeatureCache dir must be a non-empty path, got ${JSON.stringify(dir)}`);
    this.onDamage =
      options.onDamage ??
      ((file, damage) => process.emitWarning(`${file}: damaged feature-cache file (${damage}); embedding again`, { code: 'BERTKIT_FEATURE_CACHE_DAMAGED' }));
  }

  /** The cache key of (model, options, inputs): hex sha-256. */
  key<O extends object>(encoder: EmbeddingSource<O>, inputs: readonly CacheInput[], options?: O): string {
    const h = createHash('sha256');
    h.update(`model ${this.fileDigest(encoder.files.onnx)}\n`);
    for (const name of TOKENIZER_FILES) {
      const path = join(encoder.files.dir, name);
      if (existsSync(path)) h.update(`${name} ${this.fileDigest(path)}\n`);
    }
    h.update(`maxLength ${encoder.maxLength}\ndefaults ${stableJson(encoder.defaults ?? null)}\noptions ${optionsKey(options)}\ninputs ${inputs.length}\n`);
    // Length-prefixed so that ["ab", "c"] and ["a", "bc"] (or a pair and two singles) never collide.
    for (const input of inputs) {
      const parts = typeof input === 'string' ? [input] : input;
      h.update(`${parts.length}`);
      for (const p of parts) h.update(`:${Buffer.byteLength(p)}:`).update(p);
    }
    return h.digest('hex');
  }

  /** `encoder.embed(inputs, options)`, from disk when the same model, options and inputs were embedded before. */
  async embed<O extends object>(encoder: EmbeddingSource<O>, inputs: readonly CacheInput[], options?: O): Promise<CachedEmbeddings> {
    const key = this.key(encoder, inputs, options);
    const file = join(this.dir, `${key}.bin`);
    let status: CachedEmbeddings['status'] = 'miss';
    let damage: CacheDamage | undefined;
    if (existsSync(file)) {
      const stored = readCacheFile(file, key, inputs.length);
      if (!('damage' in stored)) return { ...stored, status: 'hit', file };
      damage = stored.damage;
      status = 'rebuilt';
      this.onDamage(file, damage);
    }
    const e = await encoder.embed(inputs, options);
    const longInputs = e.longInputs ?? 0;
    this.write(file, key, e.data, e.rows, e.dim, longInputs, { model: encoder.files.onnx, options: JSON.parse(optionsKey(options)), rows: e.rows, dim: e.dim, created: new Date().toISOString() });
    return { data: e.data, rows: e.rows, dim: e.dim, longInputs, status, file, ...(damage ? { damage } : {}) };
  }

  private write(file: string, key: string, data: Float32Array, rows: number, dim: number, longInputs: number, meta: object): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const body = Buffer.from(data.buffer, data.byteOffset, rows * dim * 4);
      const header = Buffer.alloc(HEADER_BYTES);
      MAGIC.copy(header, 0);
      header.writeUInt32LE(rows, 8);
      header.writeUInt32LE(dim, 12);
      header.writeUInt32LE(longInputs, 16);
      Buffer.from(key, 'hex').copy(header, FIELDS_BYTES);
      sha256(body).copy(header, FIELDS_BYTES + DIGEST_BYTES);
      sha256(header.subarray(0, FIELDS_BYTES + 2 * DIGEST_BYTES)).copy(header, FIELDS_BYTES + 2 * DIGEST_BYTES);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([header, body]));
      renameSync(tmp, file);
      writeFileSync(file.replace(/\.bin$/, '.json'), `${JSON.stringify(meta, null, 2)}\n`);
    } catch (err) {
      throw new TrainerError('E_WRITE', `cannot write the feature cache: ${(err as Error).message}`, { file });
    }
  }

  /** The sha-256 of a file (hex), remembered while its size and mtime stay the same. */
  fileDigest(path: string): string {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new TrainerError('E_READ', 'model file not found', { file: path });
    }
    const known = this.digests.get(path);
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) return known.digest;
    const h = createHash('sha256');
    // Chunked so a large graph is never held twice in memory.
    const fd = openSync(path, 'r');
    try {
      const chunk = Buffer.allocUnsafe(1 << 22);
      for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) h.update(chunk.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    const digest = h.digest('hex');
    this.digests.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, digest });
    return digest;
  }
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** A stored entry, or what is wrong with it; every byte of the file is covered by a check. */
function readCacheFile(file: string, key: string, expectedRows: number): { data: Float32Array; rows: number; dim: number; longInputs: number } | { damage: CacheDamage } {
  const buf = readFileSync(file);
  if (buf.length < HEADER_BYTES || !buf.subarray(0, 8).equals(MAGIC)) return { damage: 'foreign' };
  const checked = FIELDS_BYTES + 2 * DIGEST_BYTES;
  if (!sha256(buf.subarray(0, checked)).equals(buf.subarray(checked, HEADER_BYTES))) return { damage: 'header-checksum' };
  if (!buf.subarray(FIELDS_BYTES, FIELDS_BYTES + DIGEST_BYTES).equals(Buffer.from(key, 'hex'))) return { damage: 'key' };
  const rows = buf.readUInt32LE(8);
  const dim = buf.readUInt32LE(12);
  const longInputs = buf.readUInt32LE(16);
  if (rows !== expectedRows || buf.length !== HEADER_BYTES + rows * dim * 4) return { damage: 'length' };
  const body = buf.subarray(HEADER_BYTES);
  if (!sha256(body).equals(buf.subarray(FIELDS_BYTES + DIGEST_BYTES, checked))) return { damage: 'body-checksum' };
  // A copy: the Buffer may sit at an offset that is not a multiple of 4 inside a shared pool.
  const data = new Float32Array(rows * dim);
  new Uint8Array(data.buffer).set(body);
  for (let k = 0; k < data.length; k++) if (!Number.isFinite(data[k] as number)) return { damage: 'non-finite' };
  return { data, rows, dim, longInputs };
}

/** Options that change the vectors; batching and progress callbacks do not. */
function optionsKey(options: object | undefined): string {
  const { batchTokens: _b, onProgress: _p, ...rest } = (options ?? {}) as Record<string, unknown>;
  return stableJson(rest);
}

/** JSON with sorted keys and functions (progress callbacks) left out, so equal options give equal keys. */
function stableJson(value: unknown): string {
  if (typeof value === 'function' || value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => typeof v !== 'function' && v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}
