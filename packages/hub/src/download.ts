import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type HubCachePaths, inside, linkBlob, markMissing } from './cache-layout.js';
import { HubError } from './errors.js';
import { type RequestContext, type RetryOptions, backoffMs, hubRequest } from './http.js';

export type FileStatus = 'downloaded' | 'resumed' | 'cached';

export interface FileProgress {
  file: string;
  bytes: number;
  total: number | undefined;
}

export interface DownloadFileOptions extends RetryOptions {
  /** No body bytes for this long counts as a dropped connection (default 60 s). */
  stallTimeoutMs?: number;
  onProgress?: (p: FileProgress) => void;
}

export interface FileMetadata {
  commit: string;
  etag: string;
  size: number;
  /** Where the bytes are: the resolve URL, or the CDN URL an LFS file redirects to. */
  location: string;
}

const normalizeEtag = (etag: string | null) => etag?.replace(/^W\//, '').replace(/^"|"$/g, '') || null;

/**
 * HEAD on a resolve URL, as huggingface_hub's get_hf_file_metadata: X-Repo-Commit, X-Linked-Etag (the
 * sha256 of an LFS file) or ETag, X-Linked-Size or Content-Length, and the Location of an LFS redirect.
 */
export async function fileMetadata(url: string, headers: Record<string, string>, ctx: RequestContext, o: RetryOptions): Promise<FileMetadata> {
  const r = await hubRequest({ method: 'HEAD', url, headers: { ...headers, 'accept-encoding': 'identity' }, relativeRedirectsOnly: true }, ctx, o);
  await r.body?.cancel();
  const redirect = r.status >= 300 && r.status < 400;
  const commit = r.headers.get('x-repo-commit');
  const etag = normalizeEtag(r.headers.get('x-linked-etag') ?? r.headers.get('etag'));
  const size = Number(r.headers.get('x-linked-size') ?? (redirect ? null : r.headers.get('content-length')) ?? Number.NaN);
  const bad = !commit ? 'no X-Repo-Commit header (is HF_ENDPOINT a Hugging Face Hub?)' : !etag ? 'no ETag' : !Number.isFinite(size) ? 'no size' : null;
  if (bad) throw new HubError('E_BAD_RESPONSE', `${url}: ${bad}`, { repo: ctx.repo, ...(ctx.file ? { file: ctx.file } : {}) });
  return { commit: commit as string, etag: etag as string, size, location: redirect ? new URL(r.headers.get('location') as string, r.url || url).href : r.url || url };
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface DownloadFileRequest {
  paths: HubCachePaths;
  /** The resolve URL: {endpoint}/{repo}/resolve/{commit}/{file}. */
  url: string;
  file: string;
  headers: Record<string, string>;
  ctx: RequestContext;
  /** The LFS sha256 listed by the revision API, checked after the download (else the LFS ETag is). */
  sha256?: string | undefined;
  /** The commit the URL names, for recording an absent file in .no_exist. */
  commit?: string;
}

export interface DownloadedFile {
  file: string;
  commit: string;
  etag: string;
  bytes: number;
  status: FileStatus;
  /** The sha256 the bytes were checked against, if any (LFS files). */
  sha256: string | null;
  path: string;
}

/**
 * Brings one file of a repository into the cache: blobs/<etag> plus the snapshots/<commit>/<file> pointer.
 * Bytes go to blobs/<etag>.incomplete first; a partial one is resumed with Range, one that is already
 * complete (a run stopped between the last byte and the rename) is checked and renamed without a request.
 * LFS files are checked against their sha256; a mismatch deletes the file.
 */
export async function downloadFile(req: DownloadFileRequest, o: DownloadFileOptions = {}): Promise<DownloadedFile> {
  const { paths, file, ctx } = req;
  let meta: FileMetadata;
  try {
    meta = await fileMetadata(req.url, req.headers, ctx, o);
  } catch (error) {
    if ((error as HubError).code === 'E_ENTRY_NOT_FOUND' && req.commit) markMissing(paths, req.commit, file);
    throw error;
  }
  const pointer = inside(join(paths.snapshots, meta.commit), file);
  const blob = join(paths.blobs, meta.etag);
  const lfsSha = req.sha256 ?? (/^[0-9a-f]{64}$/.test(meta.etag) ? meta.etag : null);
  const done = (status: FileStatus): DownloadedFile => ({ file, commit: meta.commit, etag: meta.etag, bytes: statSync(pointer).size, status, sha256: lfsSha, path: pointer });
  if (existsSync(pointer)) return done('cached');
  if (existsSync(blob)) {
    linkBlob(blob, pointer, false);
    return done('cached');
  }
  return withLock(join(paths.locks, `${meta.etag}.bertkit.lock`), async () => {
    // Another process may have finished this blob while we waited.
    if (existsSync(blob)) {
      if (!existsSync(pointer)) linkBlob(blob, pointer, false);
      return done('cached');
    }
    return fetchBlob(req, meta, blob, pointer, lfsSha, o).then(done);
  });
}

/** Bytes into blobs/<etag>.incomplete (resumed, retried), checked, renamed, linked. */
async function fetchBlob(req: DownloadFileRequest, meta: FileMetadata, blob: string, pointer: string, lfsSha: string | null, o: DownloadFileOptions): Promise<FileStatus> {
  const { paths, file, ctx } = req;
  mkdirSync(paths.blobs, { recursive: true });
  const partial = `${blob}.incomplete`;
  let have = existsSync(partial) ? statSync(partial).size : 0;
  if (have > meta.size) {
    rmSync(partial);
    have = 0;
  }
  const resumedFrom = have;
  // The CDN URL of an LFS file is signed: the token stays home (hubRequest drops it across hosts too).
  const sameHost = new URL(meta.location).host === new URL(req.url).host;
  const headers = { ...req.headers };
  if (!sameHost) delete headers.authorization;
  for (let attempt = 0; have < meta.size; ) {
    const before = have;
    try {
      have = await fetchInto(partial, have, meta, headers, req, o);
    } catch (error) {
      if (!(error instanceof HubError) || error.code !== 'E_INTERRUPTED') throw error;
      have = existsSync(partial) ? statSync(partial).size : 0;
      // Progress resets the budget, as huggingface_hub's http_get: only a connection that keeps failing
      // without delivering gives up.
      if (have > before) attempt = 0;
      if (attempt >= (o.retries ?? 5)) {
        throw new HubError('E_INTERRUPTED', `download of ${file} interrupted at ${have} of ${meta.size} bytes (${(error as Error).message}); run the same pull again to resume`, { repo: ctx.repo, file, cause: error });
      }
      await new Promise((r) => setTimeout(r, backoffMs(attempt++, o)));
    }
  }
  if (statSync(partial).size !== meta.size) {
    throw new HubError('E_BAD_RESPONSE', `${file}: got ${statSync(partial).size} bytes, the Hub announced ${meta.size}`, { repo: ctx.repo, file });
  }
  if (lfsSha) {
    const digest = await sha256File(partial);
    if (digest !== lfsSha) {
      rmSync(partial);
      throw new HubError('E_CHECKSUM', `${file}: sha256 ${digest} does not match the Hub's ${lfsSha}; the damaged download was deleted, pull again`, { repo: ctx.repo, file });
    }
  }
  renameSync(partial, blob);
  linkBlob(blob, pointer, true);
  return resumedFrom > 0 ? 'resumed' : 'downloaded';
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One writer per blob across processes: two pulls appending to the same .incomplete file would corrupt it.
 * The lock file holds the owner's pid; a lock whose owner died is taken over. (huggingface_hub's own
 * filelock files sit beside it under another name and are not touched.)
 */
async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(lock, 'utf8'));
      } catch {
        continue; // released between our attempt and the read
      }
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** One GET of the rest of the file, appended to `partial`; returns the new size. */
async function fetchInto(partial: string, have: number, meta: FileMetadata, headers: Record<string, string>, req: DownloadFileRequest, o: DownloadFileOptions): Promise<number> {
  const ranged = have > 0 ? { ...headers, range: `bytes=${have}-` } : headers;
  const response = await hubRequest({ method: 'GET', url: meta.location, headers: { ...ranged, 'accept-encoding': 'identity' } }, req.ctx, o);
  // A server that ignores Range answers 200 with the whole file: start over rather than append.
  if (have > 0 && response.status !== 206) have = 0;
  mkdirSync(dirname(partial), { recursive: true });
  const fd = openSync(partial, have > 0 ? 'a' : 'w');
  if (have === 0) ftruncateSync(fd, 0);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const stallMs = o.stallTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const stalled = () =>
    new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new HubError('E_INTERRUPTED', `no data for ${stallMs / 1000} s`)), stallMs);
    });
  try {
    for (;;) {
      if (o.signal?.aborted) throw new HubError('E_ABORTED', 'aborted', { repo: req.ctx.repo, file: req.file });
      let chunk: { done: boolean; value?: Uint8Array | undefined };
      try {
        chunk = await Promise.race([reader.read(), stalled()]);
      } catch (error) {
        if (error instanceof HubError) throw error;
        throw new HubError('E_INTERRUPTED', `connection lost: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
      if (chunk.done || !chunk.value) break;
      writeSync(fd, chunk.value);
      have += chunk.value.length;
      o.onProgress?.({ file: req.file, bytes: have, total: meta.size });
    }
  } finally {
    closeSync(fd);
    reader.cancel().catch(() => {});
  }
  if (have < meta.size) throw new HubError('E_INTERRUPTED', `the server closed the connection after ${have} bytes`);
  return have;
}
