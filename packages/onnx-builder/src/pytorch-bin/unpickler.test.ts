// The restricted unpickler against Python's own pickle (every protocol 0-5, plain data) and against
// malformed streams; the torch-specific allowlist is tested in unsafe-pickle.test.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PytorchBinError } from './errors.js';
import { resolveTorchGlobal } from './torch-globals.js';
import { PyDict } from './pickle-values.js';
import { unpickle } from './unpickler.js';

const load = (bytes: ArrayLike<number>) => unpickle(Uint8Array.from(bytes), { file: 'test.pkl', resolveGlobal: resolveTorchGlobal });

/** The same canonical form fixtures/write-pickles.py gives Python values. */
function canon(v: unknown): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { int: v.toString() };
  if (typeof v === 'number') return Number.isInteger(v) ? { int: v.toString() } : v;
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return Object.isFrozen(v) ? { tuple: v.map(canon) } : v.map(canon);
  if (v instanceof PyDict) return { dict: [...v].map(([k, x]) => [canon(k), canon(x)]) };
  if (v instanceof Set) return { set: [...v].map((x) => JSON.stringify(canon(x))).sort() };
  throw new Error(`unexpected ${String(v)}`);
}

const python = spawnSync('python3', ['-c', 'import pickle'], { stdio: 'ignore' }).status === 0;
if (!python && process.env.CI) throw new Error('python3 is required in CI for the pickle cross-check');

describe.skipIf(!python)("Python's pickle, protocols 0-5", () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-pickles-'));
  if (python) {
    const run = spawnSync('python3', [join(import.meta.dirname, 'fixtures', 'write-pickles.py'), dir], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(run.stderr);
  }
  it.each([0, 1, 2, 3, 4, 5])('protocol %i reads back to the same value', (protocol) => {
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'))[String(protocol)];
    expect(canon(load(readFileSync(join(dir, `p${protocol}.pkl`))))).toEqual(expected);
  });
});

describe('stack, memo and integer opcodes', () => {
  it.each([
    ['DUP, POP, POP_MARK', [0x80, 2, 0x4b, 1, 0x32, 0x30, 0x28, 0x4b, 5, 0x31, 0x2e], 1],
    ['LONG4 negative', [0x80, 2, 0x8b, 2, 0, 0, 0, 0x00, 0x80, 0x2e], -32768],
    ['LONG1 zero length', [0x80, 2, 0x8a, 0, 0x2e], 0],
    ['BININT negative', [0x80, 2, 0x4a, 0xff, 0xff, 0xff, 0xff, 0x2e], -1],
    ['BINFLOAT', [0x80, 2, 0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x2e], 1.5],
  ])('%s', (_, bytes, value) => {
    expect(load(bytes)).toBe(value);
  });
});

it('a hostile 2 MB LONG4 is decoded in linear time', () => {
  const n = 2 * 1024 * 1024;
  const bytes = new Uint8Array(2 + 5 + n + 1);
  bytes.set([0x80, 2, 0x8b, 0, 0, 0x20, 0]); // LONG4, length 2^21 little-endian
  bytes[7 + n - 1] = 0x40;
  bytes[7 + n] = 0x2e;
  const started = performance.now();
  const value = load(bytes);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(value).toBe(1n << BigInt(8 * n - 2));
});

it('a 200,000-item APPENDS', () => {
  const n = 200_000;
  const bytes = [0x80, 2, 0x5d, 0x28, ...Array.from({ length: n }, (_, i) => [0x4b, i & 0xff]).flat(), 0x65, 0x2e];
  const list = load(bytes) as number[];
  expect([list.length, list[n - 1]]).toEqual([n, (n - 1) & 0xff]);
});

describe('malformed pickles: E_BAD_PICKLE with the byte offset', () => {
  it.each([
    ['a missing memo entry', [0x80, 2, 0x68, 3, 0x2e]],
    ['an out-of-band buffer (NEXT_BUFFER)', [0x80, 5, 0x97, 0x2e]],
    ['two values at STOP', [0x80, 2, 0x4b, 1, 0x4b, 2, 0x2e]],
    ['a string longer than the pickle', [0x80, 2, 0x58, 0xff, 0, 0, 0, 0x61, 0x2e]],
    ['no STOP', [0x80, 2, 0x4b, 1]],
    ['invalid UTF-8', [0x80, 2, 0x8c, 1, 0xff, 0x2e]],
    ['a persistent id outside a checkpoint', [0x80, 2, 0x4b, 1, 0x51, 0x2e]],
    ['APPEND to a tuple', [0x80, 2, 0x29, 0x4b, 1, 0x61, 0x2e]],
    ['SETITEMS on a list', [0x80, 2, 0x5d, 0x28, 0x4b, 1, 0x4b, 2, 0x75, 0x2e]],
    ['TUPLE without MARK', [0x80, 2, 0x74, 0x2e]],
    ['protocol 6', [0x80, 6, 0x4e, 0x2e]],
  ])('%s', (_, bytes) => {
    try {
      load(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(PytorchBinError);
      expect((error as PytorchBinError).code).toBe('E_BAD_PICKLE');
      expect((error as Error).message).toMatch(/^test\.pkl: data\.pkl byte \d+: /);
      return;
    }
    throw new Error('accepted');
  });
});
