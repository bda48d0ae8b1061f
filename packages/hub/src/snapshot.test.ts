// The Hub client against a mock Hub that speaks huggingface_hub's protocol (testing/mock-hub.ts): cache
// layout, revisions, redirects, token handling, errors, retries, resume and checksums.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findShared } from '@bertkit/shared-data';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubError, cachedSnapshot, hubCachePaths, hubSettings, resolveRevision, snapshotDownload } from './index.js';
import { type MockHub, startMockHub } from './testing/mock-hub.js';

const SHARED = findShared() ?? join(process.cwd(), '..', 'shared');
const BERT = join(SHARED, 'models', 'tiny-random-bert');
const DISTIL = join(SHARED, 'models', 'tiny-random-distilbert');
const work = mkdtempSync(join(tmpdir(), 'bertkit-hub-'));
const FILES = ['config.json', 'tokenizer.json', 'vocab.txt', 'onnx/model.onnx'];
const fast = { baseDelayMs: 5, maxDelayMs: 20, stallTimeoutMs: 300 };
let hub: MockHub;
let n = 0;
/** A fresh cache per test, so tests do not see each other's downloads. */
let cacheDir: string;
const opts = (extra: object = {}) => ({ endpoint: hub.url, cacheDir, token: false as const, allowPatterns: FILES, ...fast, ...extra });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  hub = await startMockHub([
    { id: 'org/bert', dir: BERT, revisions: { 'refs/pr/21': DISTIL, v1: DISTIL } },
    { id: 'org/private', dir: BERT, token: 'hf_private' },
    { id: 'org/gated', dir: BERT, token: 'hf_gated', gated: true },
    { id: 'new-org/bert', dir: BERT, renamedFrom: ['old-org/bert'] },
  ]);
});
afterAll(async () => {
  await hub.close();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  cacheDir = join(work, `cache-${++n}`);
  hub.clear();
});

async function error(p: Promise<unknown>): Promise<HubError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HubError) return e;
    throw e;
  }
  throw new Error('expected a HubError');
}

describe('snapshotDownload', () => {
  it('writes the Hugging Face cache layout: blobs by ETag, relative symlinks, refs/main, HEAD then GET', async () => {
    const snap = await snapshotDownload('org/bert', opts({ token: 'hf_valid' }));
    const p = hubCachePaths('org/bert', cacheDir);
    expect(p.repo).toBe(join(cacheDir, 'models--org--bert'));
    expect(snap.commit).toBe(hub.commit('org/bert'));
    expect(readFileSync(join(p.refs, 'main'), 'utf8')).toBe(snap.commit); // no newline, as huggingface_hub
    expect(snap.files.map((f) => `${f.file} ${f.status}`).sort()).toEqual(FILES.map((f) => `${f} downloaded`).sort());
    for (const f of FILES) {
      const pointer = join(snap.dir, f);
      expect(lstatSync(pointer).isSymbolicLink()).toBe(true);
      expect(readlinkSync(pointer).startsWith(f.includes('/') ? '../../../blobs/' : '../../blobs/')).toBe(true);
      expect(readFileSync(pointer).equals(readFileSync(join(BERT, f)))).toBe(true);
    }
    const onnx = readFileSync(join(BERT, 'onnx/model.onnx'));
    // An LFS file's blob is named by its sha256 (X-Linked-Etag), a regular file's by its git blob sha1 (ETag).
    expect(existsSync(join(p.blobs, sha256(onnx)))).toBe(true);
    const config = readFileSync(join(BERT, 'config.json'));
    expect(existsSync(join(p.blobs, createHash('sha1').update(`blob ${config.length}\0`).update(config).digest('hex')))).toBe(true);
    // The token goes to the Hub, never to the CDN host of the LFS redirect (which would refuse it with 400).
    const cdn = hub.requests.filter((r) => r.server === 'cdn');
    expect(cdn.map((r) => `${r.method} ${r.status} ${r.auth}`)).toEqual(['GET 200 undefined']);
    expect(hub.requests.filter((r) => r.server === 'hub').every((r) => r.auth === 'Bearer hf_valid')).toBe(true);
    expect(hub.requests.filter((r) => r.server === 'hub' && r.path.includes('/resolve/')).map((r) => r.method).sort()).toEqual(['GET', 'GET', 'GET', 'HEAD', 'HEAD', 'HEAD', 'HEAD']);
    // Again: everything is in the snapshot of that commit, so only the revision is asked.
    hub.clear();
    const again = await snapshotDownload('org/bert', opts());
    expect(again.files.every((f) => f.status === 'cached')).toBe(true);
    expect(hub.requests.map((r) => r.path)).toEqual(['/api/models/org/bert/revision/main']);
  });

  it('refs/pr/21 and tags: the revision is URL-encoded, refs/pr/21 is a nested ref file', async () => {
    const info = await resolveRevision('org/bert', 'refs/pr/21', { endpoint: hub.url });
    expect(info.commit).toBe(hub.commit('org/bert', 'refs/pr/21'));
    const snap = await snapshotDownload('org/bert', opts({ revision: 'refs/pr/21' }));
    expect(snap.commit).toBe(info.commit);
    expect(readFileSync(join(hubCachePaths('org/bert', cacheDir).refs, 'refs', 'pr', '21'), 'utf8')).toBe(info.commit);
    expect(readFileSync(join(snap.dir, 'onnx/model.onnx')).equals(readFileSync(join(DISTIL, 'onnx/model.onnx')))).toBe(true);
    expect(cachedSnapshot('org/bert', 'refs/pr/21', { cacheDir })).toBe(snap.dir);
    expect(cachedSnapshot('org/bert', 'main', { cacheDir })).toBeNull();
    expect(cachedSnapshot('org/bert', info.commit, { cacheDir })).toBe(snap.dir);
  });

  it('a renamed repository: relative redirects are followed, the token kept', async () => {
    const snap = await snapshotDownload('old-org/bert', opts({ token: 'hf_valid', allowPatterns: ['config.json'] }));
    expect(readFileSync(join(snap.dir, 'config.json')).equals(readFileSync(join(BERT, 'config.json')))).toBe(true);
    expect(hub.requests.filter((r) => r.status === 307).length).toBeGreaterThanOrEqual(2);
    expect(hub.requests.filter((r) => r.path.startsWith('/new-org/') || r.path.includes('/new-org/')).every((r) => r.auth === 'Bearer hf_valid')).toBe(true);
  });

  it('maps X-Error-Code to clear errors', async () => {
    const missing = await error(snapshotDownload('org/nope', opts()));
    expect(missing.code).toBe('E_REPO_NOT_FOUND');
    expect(missing.message).toBe('org/nope: repository not found or private (check the id; if private, set HF_TOKEN or run `huggingface-cli login`)');
    expect(missing.status).toBe(401);
    expect((await error(snapshotDownload('org/private', opts()))).code).toBe('E_REPO_NOT_FOUND');
    expect((await snapshotDownload('org/private', opts({ token: 'hf_private', allowPatterns: ['config.json'] }))).files).toHaveLength(1);
    const bad = await error(snapshotDownload('org/bert', opts({ token: 'hf_wrong' })));
    expect([bad.code, bad.message]).toEqual(['E_BAD_TOKEN', expect.stringContaining('refused the token')]);
    const gated = await error(snapshotDownload('org/gated', opts()));
    expect([gated.code, gated.message]).toEqual(['E_GATED', `org/gated is gated: accept the terms at ${hub.url}/org/gated (while logged in), then set HF_TOKEN or run \`huggingface-cli login\``]);
    const rev = await error(snapshotDownload('org/bert', opts({ revision: 'v9' })));
    expect([rev.code, rev.message]).toEqual(['E_REVISION_NOT_FOUND', 'org/bert: revision "v9" not found (a branch, tag, commit sha or refs/pr/N)']);
  });

  it('an unreachable endpoint fails after one quick retry, not half a minute of backoff', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const endpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const t0 = performance.now();
    const e = await error(resolveRevision('org/bert', 'main', { endpoint }));
    expect([e.code, e.message]).toEqual(['E_UNREACHABLE', `cannot reach ${endpoint} (ECONNREFUSED after 2 attempts)`]);
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('EntryNotFound is recorded in .no_exist/<commit>/<file>', async () => {
    const info = await resolveRevision('org/bert', 'main', { endpoint: hub.url });
    const resolved = { ...info, files: [{ path: 'onnx/model_quantized.onnx', size: undefined, sha256: undefined }] };
    const e = await error(snapshotDownload('org/bert', opts({ resolved, allowPatterns: undefined })));
    expect([e.code, e.message]).toEqual(['E_ENTRY_NOT_FOUND', 'org/bert@main: no file onnx/model_quantized.onnx']);
    expect(existsSync(join(hubCachePaths('org/bert', cacheDir).noExist, info.commit, 'onnx', 'model_quantized.onnx'))).toBe(true);
  });

  it('retries 429 honouring Retry-After, and 5xx with backoff, then succeeds', async () => {
    hub.failNext('config.json', [{ status: 429, retryAfter: 1 }]);
    hub.failNext('onnx/model.onnx', [{ status: 503, server: 'cdn' }, { status: 502, server: 'cdn' }]);
    hub.failApi([{ status: 500 }]);
    const t0 = performance.now();
    const snap = await snapshotDownload('org/bert', opts());
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(snap.files.every((f) => f.status === 'downloaded')).toBe(true);
    expect(hub.requests.filter((r) => r.status >= 500 || r.status === 429).map((r) => `${r.server} ${r.status}`)).toEqual(['hub 500', 'hub 429', 'cdn 503', 'cdn 502']);
    expect(readFileSync(join(snap.dir, 'onnx/model.onnx')).equals(readFileSync(join(BERT, 'onnx/model.onnx')))).toBe(true);
    // Bounded: a server that keeps failing is given up with its status.
    hub.failNext('vocab.txt', Array.from({ length: 3 }, () => ({ status: 503 })));
    const e = await error(snapshotDownload('org/bert', opts({ allowPatterns: ['vocab.txt'], retries: 2, cacheDir: join(work, 'c-503') })));
    expect([e.code, e.status]).toEqual(['E_HTTP', 503]);
  });

  it('a dropped connection resumes with Range in the same call; out of retries, the next call resumes', async () => {
    hub.dropNext('onnx/model.onnx', 100_000);
    const snap = await snapshotDownload('org/bert', opts({ allowPatterns: ['onnx/model.onnx'] }));
    expect(readFileSync(join(snap.dir, 'onnx/model.onnx')).equals(readFileSync(join(BERT, 'onnx/model.onnx')))).toBe(true);
    const ranged = hub.requests.filter((r) => r.server === 'cdn' && r.range);
    expect(ranged).toHaveLength(1);
    expect(Number(/^bytes=(\d+)-$/.exec(ranged[0]!.range!)![1])).toBeGreaterThan(0);

    cacheDir = join(work, 'cache-drop');
    hub.dropNext('onnx/model.onnx', 100_000);
    const cut = await error(snapshotDownload('org/bert', opts({ allowPatterns: ['onnx/model.onnx'], retries: 0 })));
    expect([cut.code, cut.message]).toEqual(['E_INTERRUPTED', expect.stringMatching(/^download of onnx\/model\.onnx interrupted at \d+ of 4060355 bytes .*run the same pull again to resume$/)]);
    const blobs = hubCachePaths('org/bert', cacheDir).blobs;
    expect(readdirSync(blobs).filter((f) => f.endsWith('.incomplete'))).toHaveLength(1);
    const resumed = await snapshotDownload('org/bert', opts({ allowPatterns: ['onnx/model.onnx'] }));
    expect(resumed.files[0]!.status).toBe('resumed');
    expect(readdirSync(blobs).filter((f) => f.endsWith('.incomplete'))).toEqual([]);
  });

  it('a stalled body is abandoned after the stall timeout and resumed', async () => {
    hub.stallNext('onnx/model.onnx', 50_000);
    const t0 = performance.now();
    const snap = await snapshotDownload('org/bert', opts({ allowPatterns: ['onnx/model.onnx'] }));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(readFileSync(join(snap.dir, 'onnx/model.onnx')).equals(readFileSync(join(BERT, 'onnx/model.onnx')))).toBe(true);
    expect(hub.requests.filter((r) => r.server === 'cdn').map((r) => r.range)).toEqual([undefined, 'bytes=50000-']);
    hub.stallNext('onnx/model.onnx', 50_000);
    const e = await error(snapshotDownload('org/bert', opts({ allowPatterns: ['onnx/model.onnx'], retries: 0, cacheDir: join(work, 'c-stall') })));
    expect(e.message).toMatch(/interrupted at 50000 of \d+ bytes \(no data for 0\.3 s\)/);
  });

  it('a complete but unrenamed .incomplete blob is verified and renamed without asking for bytes', async () => {
    const onnx = readFileSync(join(BERT, 'onnx/model.onnx'));
    const blobs = hubCachePaths('org/bert', cacheDir).blobs;
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${sha256(onnx)}.incomplete`), onnx);
    const snap = await snapshotDownload('org/bert', opts({ allowPatterns: ['onnx/model.onnx'] }));
    expect(snap.files[0]).toMatchObject({ status: 'resumed', sha256: sha256(onnx) });
    expect(hub.requests.filter((r) => r.server === 'cdn' || r.method === 'GET' && r.path.includes('/resolve/'))).toEqual([]);
    // A damaged complete one is deleted, not kept.
    cacheDir = join(work, 'c-damaged');
    mkdirSync(hubCachePaths('org/bert', cacheDir).blobs, { recursive: true });
    writeFileSync(join(hubCachePaths('org/bert', cacheDir).blobs, `${sha256(onnx)}.incomplete`), Buffer.alloc(onnx.length, 1));
    const e = await error(snapshotDownload('org/bert', opts({ allowPatterns: ['onnx/model.onnx'] })));
    expect(e.code).toBe('E_CHECKSUM');
    expect(readdirSync(hubCachePaths('org/bert', cacheDir).blobs)).toEqual([]);
  });

  it('a corrupted download fails its sha256 and is deleted', async () => {
    hub.corrupt('onnx/model.onnx');
    try {
      const e = await error(snapshotDownload('org/bert', opts({ allowPatterns: ['onnx/model.onnx'] })));
      expect(e.message).toMatch(/^onnx\/model\.onnx: sha256 [0-9a-f]{64} does not match the Hub's [0-9a-f]{64}; the damaged download was deleted, pull again$/);
      expect(readdirSync(hubCachePaths('org/bert', cacheDir).blobs)).toEqual([]);
    } finally {
      hub.corrupt('onnx/model.onnx', false);
    }
  });

  it('two concurrent downloads of one repository share the work through a lock, and a dead owner\'s lock is taken over', async () => {
    const [a, b] = await Promise.all([snapshotDownload('org/bert', opts()), snapshotDownload('org/bert', opts())]);
    expect(a.dir).toBe(b.dir);
    expect(hub.requests.filter((r) => r.server === 'cdn')).toHaveLength(1);
    for (const f of FILES) expect(readFileSync(join(a.dir, f)).equals(readFileSync(join(BERT, f)))).toBe(true);
    expect([...a.files, ...b.files].filter((f) => f.status === 'downloaded')).toHaveLength(FILES.length);
    cacheDir = join(work, 'c-stale');
    const onnx = readFileSync(join(BERT, 'onnx/model.onnx'));
    const locks = hubCachePaths('org/bert', cacheDir).locks;
    mkdirSync(locks, { recursive: true });
    writeFileSync(join(locks, `${sha256(onnx)}.bertkit.lock`), '999999999');
    const snap = await snapshotDownload('org/bert', opts({ allowPatterns: ['onnx/model.onnx'] }));
    expect(snap.files[0]!.status).toBe('downloaded');
    expect(readdirSync(locks)).toEqual([]);
  });

  it('offline: the cached snapshot without a request, or E_NOT_CACHED', async () => {
    await snapshotDownload('org/bert', opts({ allowPatterns: ['config.json'] }));
    hub.clear();
    const snap = await snapshotDownload('org/bert', opts({ offline: true }));
    expect(snap).toMatchObject({ offline: true, commit: hub.commit('org/bert'), files: [{ file: 'config.json', status: 'cached' }] });
    expect(hub.requests).toEqual([]);
    const e = await error(snapshotDownload('org/other', opts({ offline: true })));
    expect(e.code).toBe('E_NOT_CACHED');
  });

  it('without symlinks (HF_HUB_DISABLE_SYMLINKS), files are moved into the snapshot', async () => {
    process.env.HF_HUB_DISABLE_SYMLINKS = '1';
    try {
      const snap = await snapshotDownload('org/bert', opts({ allowPatterns: ['config.json'] }));
      expect(lstatSync(join(snap.dir, 'config.json')).isFile()).toBe(true);
    } finally {
      delete process.env.HF_HUB_DISABLE_SYMLINKS;
    }
  });
});

describe('hubSettings', () => {
  it('resolves cache, endpoint, offline and the token as huggingface_hub does', () => {
    const home = join(work, 'hf-home');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'token'), 'hf_from_file\n');
    writeFileSync(join(work, 'other-token'), 'hf_from_path');
    expect(hubSettings({ HOME: work, HF_HOME: home })).toMatchObject({ cacheDir: join(home, 'hub'), token: 'hf_from_file', tokenSource: 'token file', offline: false, endpoint: 'https://huggingface.co' });
    expect(hubSettings({ HF_HOME: home, HF_TOKEN_PATH: join(work, 'other-token') }).token).toBe('hf_from_path');
    expect(hubSettings({ HF_HOME: home, HF_TOKEN: 'hf_env' })).toMatchObject({ token: 'hf_env', tokenSource: 'HF_TOKEN' });
    expect(hubSettings({ HF_HOME: home, HF_HUB_CACHE: '/x/hub', HF_HUB_OFFLINE: 'true', HF_ENDPOINT: 'http://mirror/' })).toMatchObject({ cacheDir: '/x/hub', offline: true, endpoint: 'http://mirror' });
    expect(hubSettings({ XDG_CACHE_HOME: '/xdg', HF_TOKEN_PATH: '/none' })).toMatchObject({ home: '/xdg/huggingface', cacheDir: '/xdg/huggingface/hub', token: undefined });
  });
});
