// Standard input as a stream: slow, bursty and huge producers, as subprocesses of the built CLI. The
// oracle for each piped run is the same command on the file (and, for embed, Encoder.embed in process).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Encoder } from '@bertkit/encoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLineStream } from './inputs.js';
import { NPY_HEADER_BYTES, npyHeader } from './outputs.js';
import { BIN, SHARED } from './testing/paths.js';

const MODEL = join(SHARED, 'models', 'tiny-random-bert');
const work = mkdtempSync(join(tmpdir(), 'bertkit-stdin-'));
const env = { ...process.env, BERTKIT_SHARED: SHARED, BERTKIT_PROGRESS: '0', BERTKIT_CACHE: join(work, 'cache') };
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
/** A shell pipeline, so the producer is a real separate process writing into a real pipe. */
function sh(script: string): Promise<Run> {
  return new Promise((done) => {
    execFile('bash', ['-c', script], { cwd: work, env, maxBuffer: 1 << 28 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const cli = `${q(process.execPath)} ${q(BIN)}`;

let texts: string[];
let file: string;
beforeAll(() => {
  texts = readFileSync(join(SHARED, 'data/sst2/dev.tsv'), 'utf8').split('\n').filter(Boolean).slice(0, 300).map((l) => l.split('\t')[0] as string);
  file = join(work, 'texts.txt');
  writeFileSync(file, `${texts.join('\n')}\n`);
});

describe('bertkit tokenize from a pipe', () => {
  it('a producer that starts late ((sleep 1; cat file) | ...) gives the same lines as the file', async () => {
    const piped = await sh(`(sleep 1; cat ${q(file)}) | ${cli} tokenize --tokenizer ${q(MODEL)}`);
    const direct = await sh(`${cli} tokenize --tokenizer ${q(MODEL)} ${q(file)}`);
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(piped.stdout.split('\n').filter(Boolean)).toHaveLength(texts.length);
    expect(piped.stdout).toBe(direct.stdout);
  });

  it('a trickling producer (a line every few ms, partial lines split across writes) never hits EAGAIN', async () => {
    // printf writes each half-line separately: lines arrive split across reads.
    const script = `(for i in $(seq 1 60); do printf 'word%s ' "$i"; sleep 0.005; printf 'tail\\r\\n'; done) | ${cli} tokenize --tokenizer ${q(MODEL)}`;
    const r = await sh(script);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { tokens: string[] });
    expect(rows).toHaveLength(60);
    expect(rows[41]?.tokens).toEqual(['[CLS]', 'word', '##42', 'tail', '[SEP]']);
  });
});

describe('a reader that leaves early', () => {
  it('bertkit tokenize big.txt | head -n 1: exit 0, nothing on stderr (no EPIPE trace)', async () => {
    const big = join(work, 'big.txt');
    writeFileSync(big, `${Array.from({ length: 50000 }, (_, i) => `sentence ${i} of many`).join('\n')}\n`);
    const r = await sh(`${cli} tokenize --tokenizer ${q(MODEL)} ${q(big)} | head -n 1; echo "rc=\${PIPESTATUS[0]}" >&2`);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toBe('rc=0');
  });
});

describe('bertkit embed from a pipe', () => {
  it('(sleep 1; cat file) | embed --output x.npy equals the file run and Encoder.embed, header patched to the row count', async () => {
    const piped = await sh(`(sleep 1; cat ${q(file)}) | ${cli} embed --model ${q(MODEL)} --output piped.npy`);
    expect(piped.code, piped.stderr).toBe(0);
    const direct = await sh(`${cli} embed --model ${q(MODEL)} --output direct.npy ${q(file)}`);
    expect(direct.code, direct.stderr).toBe(0);
    const a = readFileSync(join(work, 'piped.npy'));
    expect(a.equals(readFileSync(join(work, 'direct.npy')))).toBe(true);
    const encoder = await Encoder.load(MODEL);
    try {
      const e = await encoder.embed(texts);
      expect(a.subarray(0, NPY_HEADER_BYTES).equals(Buffer.from(npyHeader(texts.length, e.dim)))).toBe(true);
      expect(a.subarray(0, NPY_HEADER_BYTES).toString('latin1')).toContain(`'shape': (${texts.length}, ${e.dim})`);
      const got = new Float32Array(a.buffer.slice(a.byteOffset + NPY_HEADER_BYTES, a.byteOffset + a.length));
      expect(Array.from(got)).toEqual(Array.from(e.data));
    } finally {
      await encoder.release();
    }
    // JSON lines on stdout from a late pipe, in order.
    const lines = await sh(`(sleep 1; head -n 20 ${q(file)}) | ${cli} embed --model ${q(MODEL)}`);
    expect(lines.code, lines.stderr).toBe(0);
    expect(lines.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { index: number }).index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('writes as it goes: progress for the first chunk arrives while the producer still holds the rest', async () => {
    const child = spawn(process.execPath, [BIN, 'embed', '--model', MODEL, '--output', join(work, 'live.f32'), '--chunk', '100', '--progress', 'json'], { cwd: work, env });
    let stderr = '';
    const firstChunk = new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/"done":100\b/.test(stderr)) resolve();
      });
    });
    child.stdin.write(`${texts.slice(0, 150).join('\n')}\n`);
    // A whole-input reader would wait for end of input here and the test would time out.
    await firstChunk;
    child.stdin.end(`${texts.slice(150).join('\n')}\n`);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(readFileSync(join(work, 'live.f32')).length).toBe(texts.length * 32 * 4);
  });

  it('200,000 lines from a pipe: every row written, RSS flat (from --progress json)', async () => {
    const producer = `${q(process.execPath)} -e 'let s="";for(let i=0;i<200000;i++){s+="line "+i+"\\n";if(s.length>65536){process.stdout.write(s);s=""}}process.stdout.write(s)'`;
    const r = await sh(`${producer} | ${cli} embed --model ${q(MODEL)} --output big.f32 --progress json`);
    expect(r.code, r.stderr).toBe(0);
    const points = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { done: number; rssBytes: number });
    expect(points.at(-1)?.done).toBe(200000);
    expect(readFileSync(join(work, 'big.f32')).length).toBe(200000 * 32 * 4);
    const mb = (x: number) => x / 2 ** 20;
    const early = Math.max(...points.filter((x) => x.done <= 50000).map((x) => x.rssBytes));
    const late = Math.max(...points.filter((x) => x.done > 100000).map((x) => x.rssBytes));
    // Garbage collection makes RSS wander by tens of MB; a reader holding the input or the vectors
    // would grow with the row count instead.
    expect(mb(late), `RSS ${mb(early).toFixed(0)} MB at <= 50k rows, ${mb(late).toFixed(0)} MB after 100k`).toBeLessThan(mb(early) + 96);
  }, 180_000);
});

describe('readLineStream', () => {
  it('splits on \\n, drops \\r before it, a BOM and a final newline, keeps blank lines inside', async () => {
    const path = join(work, 'lines.txt');
    writeFileSync(path, '\uFEFFa\r\n\nb\rc\nlast');
    const out: string[] = [];
    for await (const l of readLineStream(path)) out.push(l);
    expect(out).toEqual(['a', '', 'b\rc', 'last']);
    writeFileSync(path, 'x\n');
    const one: string[] = [];
    for await (const l of readLineStream(path)) one.push(l);
    expect(one).toEqual(['x']);
  });

  it('a missing file is one error naming it', async () => {
    await expect(async () => {
      for await (const _ of readLineStream(join(work, 'nope.txt'))) void _;
    }).rejects.toThrow(/cannot read .*nope\.txt: no such file/);
  });
});
