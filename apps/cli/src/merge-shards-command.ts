import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseCommand, str } from './args.js';
import { CliError } from './cli-error.js';
import { type VectorFormat, vectorFormat } from './embedding-writer.js';
import { AtomicFile, NPY_HEADER_BYTES, npyHeader } from './outputs.js';
import { type ShardManifest, readShardManifest, shardPartPattern } from './shard.js';

export const MERGE_SHARDS_USAGE = `bertkit merge-shards --output <file.npy | .f32 | .jsonl> [<part>...]
  Joins the parts "bertkit embed --shard K/N --output <file>" wrote into <file>, in input order,
  byte for byte what one unsharded run writes. Without parts it takes every <stem>.shard-K-of-N<ext>
  beside <file>. Refuses (and writes nothing) when a part is missing, given twice, from another input,
  run with other options, or not the size its manifest says.
  --json    print a summary as JSON on stdout`;

export function mergeShardsCommand(argv: string[]): void {
  const p = parseCommand(argv, { output: { type: 'string', short: 'o' } }, MERGE_SHARDS_USAGE);
  if (!p) return;
  const output = str(p, 'output');
  if (!output) throw new CliError('E_USAGE', '--output is required: the merged file (see bertkit merge-shards --help)');
  const format = vectorFormat(output);
  if (!format) throw new CliError('E_USAGE', `--output must end in .npy, .f32 or .jsonl, got ${JSON.stringify(output)}`);
  const parts = p.positionals.length > 0 ? p.positionals : findParts(output);
  const ordered = checkParts(parts, format);
  const started = performance.now();
  const file = new AtomicFile(output);
  try {
    const rows = ordered.reduce((n, x) => n + x.manifest.rows, 0);
    const dim = ordered.find((x) => x.manifest.rows > 0)?.manifest.dim ?? 0;
    if (format === 'npy') file.write(npyHeader(rows, dim));
    for (const { part, manifest } of ordered) {
      const lines = copyBody(part, file, format === 'npy' ? NPY_HEADER_BYTES : 0);
      if (format === 'jsonl' && lines !== manifest.rows) throw new CliError('E_SHARD', `${part}: ${lines} lines, its manifest promises ${manifest.rows} rows`);
    }
    file.commit();
    const summary = { output, parts: ordered.length, rows, dim, seconds: (performance.now() - started) / 1000 };
    if (p.values.json) console.log(JSON.stringify(summary));
    else console.error(`merged ${ordered.length} parts (${rows} x ${dim}) into ${output}`);
  } catch (error) {
    file.abort();
    throw error;
  }
}

function findParts(output: string): string[] {
  const dir = dirname(output);
  const { stem, ext, re } = shardPartPattern(output);
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => re.test(f)) : [];
  if (found.length === 0) throw new CliError('E_SHARD', `no parts ${stem}.shard-K-of-N${ext} in ${dir}; run "bertkit embed --shard K/N --output ${output} ..." first or name the parts`);
  return found.sort().map((f) => join(dir, f));
}

/** Every check before a byte is written: the parts in input order, or a one-line error saying what is wrong. */
export function checkParts(parts: string[], format: VectorFormat): Array<{ part: string; manifest: ShardManifest }> {
  const read = parts.map((part) => {
    if (!existsSync(part)) throw new CliError('E_SHARD', `${part}: no such part`);
    if (vectorFormat(part) !== format) throw new CliError('E_SHARD', `${part}: not a .${format} part (the output is .${format})`);
    return { part, manifest: readShardManifest(part) };
  });
  const first = read[0] as { part: string; manifest: ShardManifest };
  const n = first.manifest.shards;
  const bySlot = new Map<number, string>();
  for (const { part, manifest: m } of read) {
    if (m.shards !== n) throw new CliError('E_SHARD', `${part}: shard ${m.shard}/${m.shards} does not match ${first.part} (shard ${first.manifest.shard}/${n}): all parts must come from the same --shard K/N run`);
    const twin = bySlot.get(m.shard);
    if (twin !== undefined) throw new CliError('E_SHARD', `${part}: shard ${m.shard}/${n} given twice (also ${twin})`);
    bySlot.set(m.shard, part);
    if (m.lines !== first.manifest.lines || m.input.name !== first.manifest.input.name || m.input.bytes !== first.manifest.input.bytes) {
      throw new CliError('E_SHARD', `${part}: embedded another input (${m.input.name}, ${m.input.bytes} bytes, ${m.lines} lines) than ${first.part} (${first.manifest.input.name}, ${first.manifest.input.bytes} bytes, ${first.manifest.lines} lines)`);
    }
    const a = JSON.stringify(m.options);
    const b = JSON.stringify(first.manifest.options);
    if (a !== b) throw new CliError('E_SHARD', `${part}: embedded with other options than ${first.part}: ${a} vs ${b}`);
    if (m.rows !== m.end - m.start) throw new CliError('E_SHARD', `${part}: ${m.rows} rows for lines ${m.start}..${m.end - 1}: the part is incomplete`);
    if (m.rows > 0 && first.manifest.rows > 0 && m.dim !== first.manifest.dim) throw new CliError('E_SHARD', `${part}: ${m.dim}-d vectors, ${first.part} has ${first.manifest.dim}-d`);
    checkSize(part, m, format);
  }
  const missing = Array.from({ length: n }, (_, k) => k).filter((k) => !bySlot.has(k));
  if (missing.length > 0) throw new CliError('E_SHARD', `missing shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} (have ${[...bySlot.keys()].sort((x, y) => x - y).join(', ')})`);
  const ordered = [...read].sort((x, y) => x.manifest.shard - y.manifest.shard);
  let at = 0;
  for (const { part, manifest: m } of ordered) {
    if (m.start !== at) throw new CliError('E_SHARD', `${part}: starts at line ${m.start}, expected ${at}`);
    at = m.end;
  }
  if (at !== first.manifest.lines) throw new CliError('E_SHARD', `the parts cover lines 0..${at - 1} of ${first.manifest.lines}`);
  return ordered;
}

function checkSize(part: string, m: ShardManifest, format: VectorFormat): void {
  const bytes = statSync(part).size;
  if (format === 'jsonl') {
    if (m.rows === 0 ? bytes !== 0 : bytes === 0) throw new CliError('E_SHARD', `${part}: ${bytes} bytes for ${m.rows} rows`);
    return;
  }
  const expected = (format === 'npy' ? NPY_HEADER_BYTES : 0) + m.rows * m.dim * 4;
  if (bytes !== expected) throw new CliError('E_SHARD', `${part}: ${bytes} bytes, its manifest promises ${m.rows} x ${m.dim} float32 (${expected} bytes)`);
  if (format === 'npy') {
    const head = Buffer.alloc(NPY_HEADER_BYTES);
    const fd = openSync(part, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    if (!head.equals(Buffer.from(npyHeader(m.rows, m.dim)))) throw new CliError('E_SHARD', `${part}: its .npy header does not say ${m.rows} x ${m.dim} float32`);
  }
}

/** Appends a part's bytes after `skip` to the output; returns how many newlines they held. */
function copyBody(part: string, file: AtomicFile, skip: number): number {
  const fd = openSync(part, 'r');
  const buffer = Buffer.alloc(1 << 20);
  let newlines = 0;
  try {
    let position = skip;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) break;
      const bytes = buffer.subarray(0, n);
      for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) newlines++;
      file.write(bytes);
      position += n;
    }
    return newlines;
  } finally {
    closeSync(fd);
  }
}
