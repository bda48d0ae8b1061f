// Interoperability with the real Hugging Face client (huggingface_hub 1.29, vendored in ../shared/vendor):
// it downloads from the mock Hub (so the mock speaks the real protocol) into a cache bertkit then uses
// offline without a request, and it reads what `bertkit pull` wrote as its own cache.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockHub, startMockHub } from '../../../packages/hub/src/testing/mock-hub.js';
import { BIN, SHARED } from './testing/paths.js';

const TINY = join(SHARED, 'models', 'tiny-random-distilbert');
const TINY_BERT = join(SHARED, 'models', 'tiny-random-bert');
const SST2 = join(SHARED, 'models', 'distilbert-sst2');
const VENDOR = join(SHARED, 'vendor');
const work = mkdtempSync(join(tmpdir(), 'bertkit-interop-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A python3 that imports the vendored huggingface_hub (Debian's, with python3-httpx & co.), or null. */
function findPython(): string | null {
  for (const py of [process.env.BERTKIT_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => Boolean(p))) {
    const r = spawnSync(py, ['-c', 'import hf_compat, huggingface_hub'], { env: { ...process.env, PYTHONPATH: VENDOR }, encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}
const python = findPython();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
/** Asynchronous on purpose: the mock Hub answers from this process's event loop. */
function exec(cmd: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd: work, env: { ...process.env, ...env }, maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
const pythonEnv = (cache: string, hub: MockHub) => ({
  PYTHONPATH: VENDOR,
  HF_ENDPOINT: hub.url,
  HF_HOME: join(work, 'py-home'),
  HF_HUB_CACHE: cache,
  HF_TOKEN: '',
  HF_HUB_OFFLINE: '',
  HF_HUB_DISABLE_PROGRESS_BARS: '1',
  HF_HUB_DISABLE_TELEMETRY: '1',
  HF_HUB_DISABLE_UPDATE_CHECK: '1',
});
async function py(script: string, env: Record<string, string>): Promise<unknown> {
  const r = await exec(python as string, ['-c', `import hf_compat, json, huggingface_hub as hh\n${script}`], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
}
const bertkitEnv = (cache: string, hub: MockHub) => ({ HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, HF_HOME: join(work, 'bk-home'), BERTKIT_CACHE: join(work, 'bk-cache'), HF_TOKEN: '', HF_HUB_OFFLINE: '', BERTKIT_PROGRESS: '0', BERTKIT_SHARED: SHARED });
const texts = readFileSync(join(SHARED, 'data/sst2/dev.tsv'), 'utf8').split('\n').filter(Boolean).slice(0, 12).map((l) => l.split('\t')[0]).join('\n');
writeFileSync(join(work, 'texts.txt'), `${texts}\n`);

it('python3 with huggingface_hub\'s dependencies is available (required in CI)', () => {
  if (!python) {
    if (process.env.CI) throw new Error('python3 cannot import the vendored huggingface_hub: apt-get install python3-httpx python3-filelock python3-fsspec python3-yaml python3-tqdm python3-typing-extensions python3-packaging python3-click');
    console.warn('skipping the huggingface_hub interop tests: no python3 that imports ../shared/vendor/huggingface_hub (apt-get install python3-httpx python3-filelock ...)');
  }
});

describe.skipIf(!python)('interop with huggingface_hub', () => {
  let hub: MockHub;
  beforeAll(async () => {
    hub = await startMockHub([
      { id: 'bertkit-test/tiny-bert', dir: TINY_BERT },
      { id: 'bertkit-test/tiny-distilbert', dir: TINY, revisions: { 'refs/pr/21': TINY_BERT } },
      { id: 'bertkit-test/sst2', dir: SST2 },
    ]);
  });
  afterAll(() => hub?.close());

  it('huggingface_hub downloads from the mock Hub; bertkit then embeds from that cache offline, without a request', async () => {
    const cache = join(work, 'hf-cache-a');
    const got = (await py(
      `d = hh.snapshot_download('bertkit-test/tiny-bert', allow_patterns=['*.json', '*.txt', 'onnx/*'], ignore_patterns=['reference.json', 'train-reference/*'])\nprint(json.dumps(d))`,
      pythonEnv(cache, hub),
    )) as string;
    expect(got).toBe(join(cache, 'models--bertkit-test--tiny-bert', 'snapshots', hub.commit('bertkit-test/tiny-bert')));
    // The client took the real paths: revision API, HEAD then GET on resolve, the LFS redirect to the CDN.
    expect(hub.requests.some((r) => r.server === 'cdn' && r.method === 'GET' && r.status === 200)).toBe(true);
    expect(hub.requests.some((r) => r.method === 'HEAD' && r.path.endsWith('/resolve/' + hub.commit('bertkit-test/tiny-bert') + '/config.json'))).toBe(true);
    hub.clear();
    const env = { ...bertkitEnv(cache, hub), HF_HUB_OFFLINE: '1' };
    const r = await exec(process.execPath, [BIN, 'embed', '--model', 'bertkit-test/tiny-bert', '--output', 'py.f32', 'texts.txt'], env);
    expect(r.code, r.stderr).toBe(0);
    const local = await exec(process.execPath, [BIN, 'embed', '--model', TINY_BERT, '--output', 'local.f32', 'texts.txt'], env);
    expect(local.code, local.stderr).toBe(0);
    expect(readFileSync(join(work, 'py.f32')).equals(readFileSync(join(work, 'local.f32')))).toBe(true);
    expect(hub.requests).toEqual([]);
  });

  it('a task repository downloaded by Python (ONNX with logits only): bertkit converts its weights offline, outside the HF cache', async () => {
    const cache = join(work, 'hf-cache-sst2');
    await py(`d = hh.snapshot_download('bertkit-test/sst2', ignore_patterns=['reference.json'])\nprint(json.dumps(d))`, pythonEnv(cache, hub));
    hub.clear();
    const env = { ...bertkitEnv(cache, hub), HF_HUB_OFFLINE: '1' };
    const r = await exec(process.execPath, [BIN, 'embed', '--model', 'bertkit-test/sst2', '--output', 'sst2.f32', 'texts.txt'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/onnx\/model\.onnx has no last_hidden_state output: converting its weights once into .*derived/);
    expect(hub.requests).toEqual([]);
    // Python's view of its cache is untouched: still valid, nothing added to the snapshot.
    const files = (await py(`info = hh.scan_cache_dir()\nprint(json.dumps(sorted(f.file_name for r in info.repos for rev in r.revisions for f in rev.files)))`, pythonEnv(cache, hub))) as string[];
    expect(files).toEqual(expect.arrayContaining(['config.json', 'model.onnx', 'model.safetensors', 'vocab.txt']));
    expect(files.filter((f) => f === 'model.onnx')).toHaveLength(1);
  });

  it('after bertkit pull, huggingface_hub lists the repository and returns the same bytes with local_files_only', async () => {
    const cache = join(work, 'hf-cache-b');
    const env = bertkitEnv(cache, hub);
    for (const args of [[], ['--revision', 'refs/pr/21']]) {
      const r = await exec(process.execPath, [BIN, 'pull', 'bertkit-test/tiny-distilbert', ...args], env);
      expect(r.code, r.stderr).toBe(0);
    }
    const scan = (await py(
      `info = hh.scan_cache_dir()
out = {'warnings': [str(w) for w in info.warnings], 'repos': [{'id': r.repo_id, 'type': r.repo_type, 'refs': sorted(r.refs), 'revisions': {rev.commit_hash: sorted(f.file_name for f in rev.files) for rev in r.revisions}} for r in info.repos]}
print(json.dumps(out))`,
      pythonEnv(cache, hub),
    )) as { warnings: string[]; repos: Array<{ id: string; type: string; refs: string[]; revisions: Record<string, string[]> }> };
    expect(scan.warnings).toEqual([]);
    expect(scan.repos).toHaveLength(1);
    expect(scan.repos[0]).toMatchObject({ id: 'bertkit-test/tiny-distilbert', type: 'model', refs: ['main', 'refs/pr/21'] });
    expect(scan.repos[0]!.revisions[hub.commit('bertkit-test/tiny-distilbert')]).toEqual(expect.arrayContaining(['config.json', 'model.onnx', 'tokenizer.json', 'vocab.txt']));
    hub.clear();
    const paths = (await py(
      `print(json.dumps({rev + ':' + f: hh.hf_hub_download('bertkit-test/tiny-distilbert', f, revision=rev, local_files_only=True) for rev in ['main', 'refs/pr/21'] for f in ['config.json', 'onnx/model.onnx', 'tokenizer.json']}))`,
      pythonEnv(cache, hub),
    )) as Record<string, string>;
    for (const [key, path] of Object.entries(paths)) {
      const [rev, file] = key.split(':') as [string, string];
      expect(readFileSync(path).equals(readFileSync(join(rev === 'main' ? TINY : TINY_BERT, file))), key).toBe(true);
    }
    expect(hub.requests).toEqual([]);
  });
});
