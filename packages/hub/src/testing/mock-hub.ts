// A local Hugging Face Hub for tests, speaking the protocol huggingface_hub (v1.29) speaks: the revision and
// tree APIs, resolve URLs with HEAD/GET, LFS files redirected (302, absolute) to a second server standing in
// for the CDN, relative redirects for renamed repositories, X-Error-Code errors, and injected faults.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

export interface MockRepo {
  id: string;
  /** Directory whose files the repository holds at `main`. */
  dir: string;
  /** Other revisions (branches, tags, `refs/pr/21`) and the directory each holds. */
  revisions?: Record<string, string>;
  /** Files stored with LFS; default: .onnx, .safetensors, .bin and other weights (as the Hub's .gitattributes). */
  lfs?: (file: string) => boolean;
  /** Private: requests need `Authorization: Bearer <token>` (else 401 RepoNotFound, as the Hub). */
  token?: string;
  /** Gated: a token is needed and its owner has accepted the terms (else 401/403 GatedRepo). */
  gated?: boolean;
  /** Old ids answering with a relative redirect to this one (a renamed repository). */
  renamedFrom?: string[];
}

export interface MockRequest {
  server: 'hub' | 'cdn';
  method: string;
  /** As sent, percent-encoding kept. */
  path: string;
  range: string | undefined;
  auth: string | undefined;
  status: number;
}

export interface Fault {
  status: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Which server answers with it (default whichever first sees a request for the file). */
  server?: 'hub' | 'cdn';
}

export interface MockHub {
  url: string;
  /** The second host LFS files are redirected to. */
  cdnUrl: string;
  requests: MockRequest[];
  /** The commit sha a revision of a repository resolves to. */
  commit(repo: string, revision?: string): string;
  /** Answer the next requests for `file` (HEAD or GET, on the hub or the CDN) with these statuses, in order. */
  failNext(file: string, faults: Fault[]): void;
  /** Answer the next revision-API requests with these statuses. */
  failApi(faults: Fault[]): void;
  /** Cut the connection after this many bytes of the next download of `file` (once). */
  dropNext(file: string, afterBytes: number): void;
  /** Send this many bytes of the next download of `file`, then nothing (connection left open), once. */
  stallNext(file: string, afterBytes: number): void;
  /** Serve wrong bytes for `file` (a corrupted mirror), until called with `false`. */
  corrupt(file: string, on?: boolean): void;
  /** Forget the request log. */
  clear(): void;
  close(): Promise<void>;
}

const DEFAULT_LFS = (f: string) => /\.(onnx|onnx_data|safetensors|bin|msgpack|h5)$/.test(f);

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

interface Entry {
  path: string;
  bytes: Buffer;
  size: number;
  /** git blob sha1: the ETag of a regular file, the `oid` of the tree API. */
  gitOid: string;
  lfs: { sha256: string; pointer: Buffer } | null;
}

function entry(dir: string, path: string, isLfs: boolean): Entry {
  const bytes = readFileSync(join(dir, path));
  const gitSha = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
  if (!isLfs) return { path, bytes, size: bytes.length, gitOid: gitSha(bytes), lfs: null };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${bytes.length}\n`);
  return { path, bytes, size: bytes.length, gitOid: gitSha(pointer), lfs: { sha256, pointer } };
}

export async function startMockHub(repos: MockRepo[]): Promise<MockHub> {
  const requests: MockRequest[] = [];
  const drops = new Map<string, number>();
  const stalls = new Map<string, number>();
  const faults = new Map<string, Fault[]>();
  let apiFaults: Fault[] = [];
  const corrupted = new Set<string>();
  const byId = new Map(repos.map((r) => [r.id, r]));
  const renamed = new Map(repos.flatMap((r) => (r.renamedFrom ?? []).map((old) => [old, r.id] as const)));
  const commitOf = (repo: string, revision = 'main') => createHash('sha1').update(`${repo}@${revision}`).digest('hex');
  const blobs = new Map<string, Entry>();
  const cache = new Map<string, Entry[]>();

  /** The files of a repository at a revision name or commit sha, or null for an unknown revision. */
  const filesAt = (repo: MockRepo, rev: string): { commit: string; name: string; entries: Entry[] } | null => {
    const names = ['main', ...Object.keys(repo.revisions ?? {})];
    const name = names.find((n) => n === rev || commitOf(repo.id, n) === rev);
    if (!name) return null;
    const key = `${repo.id}@${name}`;
    if (!cache.has(key)) {
      const dir = name === 'main' ? repo.dir : (repo.revisions?.[name] as string);
      const entries = listFiles(dir).map((p) => entry(dir, p, (repo.lfs ?? DEFAULT_LFS)(p)));
      for (const e of entries) if (e.lfs) blobs.set(e.lfs.sha256, e);
      cache.set(key, entries);
    }
    return { commit: commitOf(repo.id, name), name, entries: cache.get(key) as Entry[] };
  };

  const injected = (res: ServerResponse, file: string, server: 'hub' | 'cdn') => {
    const queue = faults.get(file);
    const fault = queue?.[0];
    if (!fault || (fault.server && fault.server !== server)) return false;
    queue.shift();
    fail(res, fault.status, null, 'injected', fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
    return true;
  };

  /** Logged on arrival (a stalled answer never finishes); the status is filled in when the answer is sent. */
  const log = (server: MockRequest['server'], req: IncomingMessage, res: ServerResponse, path: string) => {
    const entry: MockRequest = { server, method: req.method ?? 'GET', path, range: req.headers.range, auth: req.headers.authorization, status: 0 };
    requests.push(entry);
    const done = () => void (entry.status = res.statusCode);
    res.on('finish', done);
    res.on('close', done);
  };

  const fail = (res: ServerResponse, status: number, code: string | null, message: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...(code ? { 'x-error-code': code } : {}), 'x-error-message': message, ...extra });
    res.end(JSON.stringify({ error: message }));
  };

  /** Body bytes with Range support and the injected faults; `key` names the file for the fault tables. */
  const sendBytes = (req: IncomingMessage, res: ServerResponse, key: string, bytes: Buffer, headers: Record<string, string>) => {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start >= bytes.length && bytes.length > 0) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` });
      return res.end();
    }
    const body = corrupted.has(key) ? Buffer.alloc(bytes.length, 7) : bytes;
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': String(body.length - start),
      ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
      'accept-ranges': 'bytes',
    });
    if (req.method === 'HEAD') return res.end();
    const stall = stalls.get(key);
    if (stall !== undefined) {
      stalls.delete(key);
      res.write(body.subarray(start, start + stall));
      return; // and never end: the client must notice the silence
    }
    const drop = drops.get(key);
    if (drop !== undefined) {
      drops.delete(key);
      res.write(body.subarray(start, start + drop), () => res.socket?.destroy());
      return;
    }
    res.end(body.subarray(start));
  };

  const cdn: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://cdn');
    const blob = blobs.get(/^\/repos\/([0-9a-f]{64})$/.exec(url.pathname)?.[1] ?? '');
    // S3 refuses a second credential beside the signature; the Hub client must not leak its token here.
    const status = req.headers.authorization ? 400 : !blob ? 404 : url.searchParams.get('X-Amz-Signature') !== 'mock' ? 403 : req.headers.range ? 206 : 200;
    log('cdn', req, res, url.pathname);
    if (status === 400) return fail(res, 400, null, 'Only one auth mechanism allowed; Authorization header sent to a signed URL');
    if (!blob || status === 403) return fail(res, status, null, 'no such object or bad signature');
    if (injected(res, blob.path, 'cdn')) return;
    sendBytes(req, res, blob.path, blob.bytes, { etag: `"${blob.lfs?.sha256}"`, 'content-type': 'application/octet-stream' });
  });
  await new Promise<void>((r) => cdn.listen(0, '127.0.0.1', () => r()));
  const cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;

  const hub: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    const raw = url.pathname;
    log('hub', req, res, raw);
    const api = /^\/api\/models\/([^/]+\/[^/]+|[^/]+)\/(revision|tree)\/([^/]+)(?:\/.*)?$/.exec(raw);
    const resolve = /^\/([^/]+\/[^/]+|[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(raw);
    const id = api?.[1] ?? resolve?.[1];
    if (!id) return fail(res, 404, null, 'Not Found');
    const target = renamed.get(id);
    if (target) {
      // A renamed repository answers with a relative redirect that huggingface_hub follows itself.
      res.writeHead(307, { location: `${raw.replace(`/${id}/`, `/${target}/`)}${url.search}` });
      return res.end();
    }
    const repo = byId.get(id);
    const auth = req.headers.authorization;
    if (auth && !repos.some((r) => r.token && auth === `Bearer ${r.token}`) && auth !== 'Bearer hf_valid') {
      return fail(res, 401, null, 'Invalid credentials in Authorization header');
    }
    if (!repo || (repo.token && !repo.gated && auth !== `Bearer ${repo.token}`)) {
      return fail(res, 401, 'RepoNotFound', 'Repository not found');
    }
    if (repo.gated && auth !== `Bearer ${repo.token}`) {
      return fail(res, auth ? 403 : 401, 'GatedRepo', `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
    }
    const rev = decodeURIComponent((api?.[3] ?? resolve?.[2]) as string);
    const at = filesAt(repo, rev);
    if (!at) return fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    if (api) {
      const fault = apiFaults.shift();
      if (fault) return fail(res, fault.status, null, 'injected', fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
      res.writeHead(200, { 'content-type': 'application/json' });
      if (api[2] === 'tree') {
        const dirs = [...new Set(at.entries.flatMap((e) => e.path.split('/').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('/'))))];
        return res.end(
          JSON.stringify([
            ...dirs.map((path) => ({ type: 'directory', oid: createHash('sha1').update(path).digest('hex'), path, size: 0 })),
            ...at.entries.map((e) => ({ type: 'file', oid: e.gitOid, size: e.size, path: e.path, ...(e.lfs ? { lfs: { oid: e.lfs.sha256, size: e.size, pointerSize: e.lfs.pointer.length } } : {}) })),
          ]),
        );
      }
      return res.end(
        JSON.stringify({
          _id: createHash('md5').update(repo.id).digest('hex').slice(0, 24),
          id: repo.id,
          modelId: repo.id,
          sha: at.commit,
          private: Boolean(repo.token && !repo.gated),
          gated: repo.gated ? 'manual' : false,
          disabled: false,
          tags: ['transformers'],
          lastModified: '2024-01-01T00:00:00.000Z',
          siblings: at.entries.map((e) => ({ rfilename: e.path, size: e.size, blobId: e.gitOid, ...(e.lfs ? { lfs: { sha256: e.lfs.sha256, size: e.size, pointerSize: e.lfs.pointer.length } } : {}) })),
        }),
      );
    }
    const file = decodeURIComponent((resolve as RegExpExecArray)[3] as string);
    const e = at.entries.find((x) => x.path === file);
    if (!e) return fail(res, 404, 'EntryNotFound', `${file} does not exist on "${at.name}"`, { 'x-repo-commit': at.commit });
    if (injected(res, file, 'hub')) return;
    const common = { 'x-repo-commit': at.commit, 'access-control-expose-headers': 'X-Repo-Commit,X-Linked-Etag,X-Linked-Size' };
    if (e.lfs) {
      res.writeHead(302, {
        ...common,
        location: `${cdnUrl}/repos/${e.lfs.sha256}?X-Amz-Signature=mock&response-content-disposition=${encodeURIComponent(`inline; filename="${file.split('/').pop()}"`)}`,
        etag: `"${e.gitOid}"`,
        'x-linked-etag': `"${e.lfs.sha256}"`,
        'x-linked-size': String(e.size),
        'content-length': '0',
      });
      return res.end();
    }
    sendBytes(req, res, file, e.bytes, { ...common, etag: `"${e.gitOid}"`, 'content-type': 'text/plain; charset=utf-8' });
  });
  await new Promise<void>((r) => hub.listen(0, '127.0.0.1', () => r()));
  const close = (s: Server) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())));
  return {
    url: `http://127.0.0.1:${(hub.address() as AddressInfo).port}`,
    cdnUrl,
    requests,
    commit: (repo, revision) => commitOf(repo, revision),
    failNext: (file, list) => faults.set(file, [...(faults.get(file) ?? []), ...list]),
    failApi: (list) => void (apiFaults = [...apiFaults, ...list]),
    dropNext: (file, afterBytes) => drops.set(file, afterBytes),
    stallNext: (file, afterBytes) => stalls.set(file, afterBytes),
    corrupt: (file, on = true) => void (on ? corrupted.add(file) : corrupted.delete(file)),
    clear: () => void requests.splice(0),
    close: async () => void (await Promise.all([close(hub), close(cdn)])),
  };
}
