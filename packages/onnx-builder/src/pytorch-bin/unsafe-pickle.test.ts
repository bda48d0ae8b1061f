// Pickles that run a command when Python loads them, inside otherwise valid torch.save archives: the
// reader must refuse each with E_UNSAFE_PICKLE naming the global, and the command must never run.
// Where python3 exists, Python's own pickle.loads runs each payload against a second marker first,
// proving the fixtures are live exploits rather than bytes that would fail anyway.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PytorchBinError, PytorchBinFile } from './index.js';
import { PickleWriter, stateDictPickle, torchCheckpoint } from './testing/torch-fixture.js';

const tmp = mkdtempSync(join(tmpdir(), 'bertkit-ptbin-unsafe-'));
const marker = (who: string) => join(tmp, `pwned-${who}-${randomBytes(6).toString('hex')}`);
const ourMarkers: string[] = [];
const storages = { '0': new Uint8Array(16) };
const weight = { name: 'bert.embeddings.LayerNorm.gamma', storage: '0', storageType: 'FloatStorage', storageNumel: 4, shape: [4] };

const text = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const exploits: Array<[string, string, (path: string) => Uint8Array]> = [
  ['GLOBAL posix.system + REDUCE (protocol 0)', 'posix.system', (m) => text(`cposix\nsystem\n(S'touch ${m}'\ntR.`)],
  [
    'STACK_GLOBAL builtins.eval (protocol 4)',
    'builtins.eval',
    (m) => {
      const w = new PickleWriter('protocol4').global('builtins', 'eval');
      w.put();
      return w.str(`__import__('os').system('touch ${m}')`).raw(0x85, 0x52).finish();
    },
  ],
  [
    'REDUCE on subprocess.Popen',
    'subprocess.Popen',
    (m) => new PickleWriter().global('subprocess', 'Popen').raw(0x28, 0x5d, 0x28).str('touch').str(m).raw(0x65, 0x74, 0x52).finish(),
  ],
  ['INST os.system (protocol 0)', 'os.system', (m) => text(`(S'touch ${m}'\nios\nsystem\n.`)],
];

function refused(pickle: Uint8Array): PytorchBinError {
  const path = join(tmp, `exploit-${randomBytes(4).toString('hex')}.bin`);
  writeFileSync(path, torchCheckpoint({ pickle, storages }));
  try {
    PytorchBinFile.open(path).close();
  } catch (error) {
    expect(error).toBeInstanceOf(PytorchBinError);
    expect((error as PytorchBinError).message).toContain(path);
    return error as PytorchBinError;
  }
  throw new Error('the exploit was accepted');
}

const python = spawnSync('python3', ['-c', 'import pickle'], { stdio: 'ignore' }).status === 0;
if (!python && process.env.CI) throw new Error('python3 is required in CI to prove the exploit fixtures are live');

describe('malicious data.pkl is refused, nothing runs', () => {
  it.each(exploits)('%s', (_, global, build) => {
    const ours = marker('reader');
    ourMarkers.push(ours);
    const error = refused(build(ours));
    expect([error.code, error.global]).toEqual(['E_UNSAFE_PICKLE', global]);
    expect(error.message).toContain(global);
    expect(existsSync(ours)).toBe(false);
  });

  it.skipIf(!python).each(exploits)('the fixture is live: Python pickle.loads runs it (%s)', async (_, _global, build) => {
    const theirs = marker('python');
    const file = join(tmp, `payload-${randomBytes(4).toString('hex')}.pkl`);
    writeFileSync(file, build(theirs));
    spawnSync('python3', ['-c', 'import pickle, sys; pickle.loads(open(sys.argv[1], "rb").read())', file], { stdio: 'ignore' });
    // Popen returns before its child has run.
    for (let i = 0; i < 50 && !existsSync(theirs); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(theirs)).toBe(true);
  });

  it('a payload hidden after a real tensor of a real-looking state dict', () => {
    const ours = marker('hidden');
    ourMarkers.push(ours);
    const pickle = stateDictPickle([weight, { ...weight, name: 'bert.embeddings.LayerNorm.beta' }], 'protocol2', (w) => w.str('bert.pooler.dense.bias').global('os', 'system').str(`touch ${ours}`).raw(0x85, 0x52));
    const error = refused(pickle);
    expect([error.code, error.global]).toEqual(['E_UNSAFE_PICKLE', 'os.system']);
  });

  it.each([
    ['torch', 'load'],
    ['torch._utils', '_rebuild_wrapper_subclass'],
    ['torch._utils', '_rebuild_qtensor'],
    ['torch._tensor', '_rebuild_from_type_v2_'],
    ['torch.nn.parameter', 'Parameters'],
    ['torch.serialization', '_get_layout'],
    ['torch', 'constructor'],
    ['torch', '__proto__'],
    ['collections', 'defaultdict'],
    ['__builtin__', 'getattr'],
    ['numpy.core.multiarray', '_reconstruct'],
    ['builtins', 'exec'],
  ])('%s.%s is not on the allowlist', (module, name) => {
    const error = refused(new PickleWriter().global(module, name).raw(0x29, 0x52).finish());
    expect([error.code, error.global]).toEqual(['E_UNSAFE_PICKLE', `${module}.${name}`]);
  });

  it('an allowed but non-callable global (a storage class) may not be called', () => {
    const error = refused(new PickleWriter().global('torch', 'FloatStorage').raw(0x29, 0x52).finish());
    expect([error.code, error.global]).toEqual(['E_UNSAFE_PICKLE', 'torch.FloatStorage']);
  });

  it('copyreg extension codes (EXT1) are refused', () => {
    expect(refused(Uint8Array.from([0x80, 2, 0x82, 1, 0x29, 0x52, 0x2e])).code).toBe('E_UNSAFE_PICKLE');
  });

  it('REDUCE on a value that is not a global is a malformed pickle', () => {
    expect(refused(new PickleWriter().str('os.system').raw(0x29, 0x52).finish()).code).toBe('E_BAD_PICKLE');
  });
});

afterAll(() => {
  for (const m of ourMarkers) expect(existsSync(m)).toBe(false);
});
