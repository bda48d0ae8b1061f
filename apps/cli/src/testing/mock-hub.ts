import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

export interface MockRepo {
  id: string;
  /** Directory whose files the repository holds. */
  dir: string;
  /** Files served through LFS (redirect to a CDN path, sha256 listed). */
  lfs?: (file: string) => boolean;
  /** Requests need `Authorization: Bearer <token>`. */
  token?: string;
}

export interface MockHub {
  url: string;
  /** Every request seen: method, path and Range header. */
  requests: Array<{ path: string; range: string | undefined; auth: string | undefined }>;
  /** Cut the connection after this many bytes of the next download of `file` (once). */
  dropNext(file: string, afterBytes: number): void;
  /** Send this many bytes of the next download of `file`, then nothing (connection left open), once. */
  stallNext(file: string, afterBytes: number): void;
  /** Serve wrong bytes for `file` (a corrupted mirror). */
  corrupt(file: string): void;
  close(): Promise<void>;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/**
 * A local stand-in for the Hugging Face Hub's endpoints that `bertkit pull` uses: the model info API
 * (`/api/models/{id}/revision/{rev}?blobs=true`) and resolve URLs, with LFS redirects, Range requests,
 * ETag / X-Repo-Commit headers, gated repositories and injected faults.
 */
export async function startMockHub(repos: MockRepo[]): Promise<MockHub> {
  const commit = createHash('sha1').update('bertkit mock hub').digest('hex');
  const requests: MockHub['requests'] = [];
  const drops = new Map<string, number>();
  const stalls = new Map<string, number>();
  const corrupted = new Set<string>();
  const blobs = new Map<string, { path: string; sha256: string }>();
  const byId = new Map(repos.map((r) => [r.id, r]));

  const info = (repo: MockRepo) => ({
    id: repo.id,
    sha: commit,
    siblings: listFiles(repo.dir).map((rfilename) => {
      const path = join(repo.dir, rfilename);
      const size = statSync(path).size;
      if (!repo.lfs?.(rfilename)) return { rfilename, size };
      const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
      blobs.set(sha256, { path, sha256 });
      return { rfilename, size, lfs: { sha256, size, pointerSize: 134 } };
    }),
  });

  const send = (req: IncomingMessage, res: ServerResponse, file: string, bytes: Buffer, headers: Record<string, string>) => {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = corrupted.has(file) ? Buffer.alloc(bytes.length, 7) : bytes;
    const drop = drops.get(file);
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': String(body.length - start),
      ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
      'accept-ranges': 'bytes',
    });
    const stall = stalls.get(file);
    if (stall !== undefined) {
      stalls.delete(file);
      res.write(body.subarray(start, start + stall));
      return; // and never end: the client must notice the silence
    }
    if (drop !== undefined) {
      drops.delete(file);
      res.write(body.subarray(start, start + drop), () => res.socket?.destroy());
      return;
    }
    res.end(body.subarray(start));
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    requests.push({ path, range: req.headers.range, auth: req.headers.authorization });
    const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(path);
    const resolve = /^\/(.+?\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    const repo = byId.get(api?.[1] ?? resolve?.[1] ?? '');
    if (repo?.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      res.writeHead(401, { 'content-type': 'application/json', 'x-error-code': 'GatedRepo' });
      return res.end(JSON.stringify({ error: 'Access to this repository is restricted.' }));
    }
    if (api && repo) {
      if (api[2] !== 'main' && api[2] !== commit) {
        res.writeHead(404, { 'x-error-code': 'RevisionNotFound' });
        return res.end(JSON.stringify({ error: 'Invalid rev id' }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(info(repo)));
    }
    if (resolve && repo) {
      const file = resolve[3] as string;
      const full = join(repo.dir, file);
      let bytes: Buffer;
      try {
        bytes = readFileSync(full);
      } catch {
        res.writeHead(404, { 'x-error-code': 'EntryNotFound' });
        return res.end('Entry not found');
      }
      if (repo.lfs?.(file)) {
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        blobs.set(sha256, { path: full, sha256 });
        res.writeHead(302, { location: `/cdn/${sha256}`, 'x-repo-commit': commit, 'x-linked-etag': `"${sha256}"`, 'x-linked-size': String(bytes.length) });
        return res.end();
      }
      return send(req, res, file, bytes, { etag: `"${createHash('sha1').update(bytes).digest('hex')}"`, 'x-repo-commit': commit });
    }
    if (cdn) {
      const blob = blobs.get(cdn[1] as string);
      if (blob) {
        const file = relative(repos.find((r) => blob.path.startsWith(r.dir))?.dir ?? '', blob.path);
        return send(req, res, file, readFileSync(blob.path), { etag: `"${blob.sha256}"` });
      }
    }
    res.writeHead(404, { 'x-error-code': 'RepoNotFound' });
    res.end(JSON.stringify({ error: 'Repository not found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    dropNext: (file, afterBytes) => drops.set(file, afterBytes),
    stallNext: (file, afterBytes) => stalls.set(file, afterBytes),
    corrupt: (file) => corrupted.add(file),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
