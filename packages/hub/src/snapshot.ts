import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { COMMIT_HASH, cachedSnapshot, checkRepoId, hubCachePaths, inside, writeRef } from './cache-layout.js';
import { type DownloadFileOptions, type FileStatus, downloadFile } from './download.js';
import { HubError } from './errors.js';
import { type RequestContext, hubRequest } from './http.js';
import { filterPaths } from './patterns.js';
import { hubSettings } from './settings.js';

export interface HubOptions extends DownloadFileOptions {
  /** Default HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Default HF_TOKEN, else the token file (HF_TOKEN_PATH, $HF_HOME/token). `false`: anonymous. */
  token?: string | false;
  /** Default HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Default HF_HUB_OFFLINE: use the cache only, never the network. */
  offline?: boolean;
  userAgent?: string;
}

export interface RepoFileInfo {
  path: string;
  size: number | undefined;
  /** Set for files stored with LFS (weights, graphs): what their bytes must hash to. */
  sha256: string | undefined;
}

export interface RevisionInfo {
  repo: string;
  revision: string;
  commit: string;
  files: RepoFileInfo[];
}

interface Sibling {
  rfilename: string;
  size?: number;
  lfs?: { sha256?: string; size?: number };
}

function setup(repo: string, o: HubOptions) {
  checkRepoId(repo);
  const s = hubSettings();
  const endpoint = (o.endpoint ?? s.endpoint).replace(/\/+$/, '');
  const token = o.token === false ? undefined : (o.token ?? s.token);
  const headers: Record<string, string> = { 'user-agent': o.userAgent ?? 'bertkit; hf_hub/1.29 compatible' };
  if (token) headers.authorization = `Bearer ${token}`;
  return { endpoint, headers, cacheDir: o.cacheDir ?? s.cacheDir, offline: o.offline ?? s.offline };
}

/** Hub paths keep their slashes; each segment is escaped as huggingface_hub's quote(path). */
const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** The commit a revision (branch, tag, commit, `refs/pr/21`) points at, and its files: GET /api/models/{repo}/revision/{rev}. */
export async function resolveRevision(repo: string, revision = 'main', o: HubOptions = {}): Promise<RevisionInfo> {
  const { endpoint, headers } = setup(repo, o);
  const ctx: RequestContext = { repo, revision, endpoint };
  const r = await hubRequest({ method: 'GET', url: `${endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`, headers }, ctx, o);
  let meta: { sha?: unknown; siblings?: Sibling[] };
  try {
    meta = (await r.json()) as typeof meta;
  } catch (cause) {
    throw new HubError('E_BAD_RESPONSE', `${r.url}: the revision API did not answer JSON`, { repo, cause });
  }
  if (typeof meta.sha !== 'string' || !COMMIT_HASH.test(meta.sha)) throw new HubError('E_BAD_RESPONSE', `${r.url}: no commit sha in the answer`, { repo });
  const files = (meta.siblings ?? []).map((s) => ({ path: s.rfilename, size: s.lfs?.size ?? s.size, sha256: s.lfs?.sha256 }));
  return { repo, revision, commit: meta.sha, files };
}

export interface SnapshotDownloadOptions extends HubOptions {
  revision?: string;
  /** fnmatch patterns as huggingface_hub's allow_patterns; default every file. */
  allowPatterns?: string[];
  ignorePatterns?: string[];
  /** The answer of an earlier resolveRevision, to skip asking again. */
  resolved?: RevisionInfo;
}

export interface SnapshotFile {
  file: string;
  bytes: number;
  status: FileStatus;
  sha256: string | null;
}

export interface Snapshot {
  repo: string;
  revision: string;
  commit: string;
  /** snapshots/<commit> in the Hugging Face cache. */
  dir: string;
  files: SnapshotFile[];
  /** True when served from the cache without a request (offline). */
  offline: boolean;
}

function listSnapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));
}

/**
 * huggingface_hub's snapshot_download into the shared cache: resolves the revision, records refs/<revision>,
 * downloads the files matching the patterns (HEAD then GET, resume, retries, sha256) and links them into
 * snapshots/<commit>/. Offline, the cached snapshot is returned as is, or E_NOT_CACHED.
 */
export async function snapshotDownload(repo: string, o: SnapshotDownloadOptions = {}): Promise<Snapshot> {
  const { endpoint, headers, cacheDir, offline } = setup(repo, o);
  const revision = o.revision ?? 'main';
  const paths = hubCachePaths(repo, cacheDir);
  if (offline) {
    const dir = cachedSnapshot(repo, revision, { cacheDir });
    if (!dir) throw new HubError('E_NOT_CACHED', `${repo}@${revision} is not in the Hugging Face cache (${cacheDir}) and HF_HUB_OFFLINE is set`, { repo });
    const files = filterPaths(listSnapshot(dir), o.allowPatterns, o.ignorePatterns);
    return { repo, revision, commit: relative(paths.snapshots, dir), dir, offline: true, files: files.map((file) => ({ file, bytes: statSync(join(dir, file)).size, status: 'cached', sha256: null })) };
  }
  const info = o.resolved ?? (await resolveRevision(repo, revision, { ...o, endpoint }));
  writeRef(paths, revision, info.commit);
  const wanted = new Set(filterPaths(info.files.map((f) => f.path), o.allowPatterns, o.ignorePatterns));
  const files: SnapshotFile[] = [];
  for (const f of info.files) {
    if (!wanted.has(f.path)) continue;
    // A commit is immutable: a file already linked there needs no request (as huggingface_hub).
    const pointer = inside(join(paths.snapshots, info.commit), f.path);
    if (existsSync(pointer)) {
      files.push({ file: f.path, bytes: statSync(pointer).size, status: 'cached', sha256: f.sha256 ?? null });
      continue;
    }
    const url = `${endpoint}/${repo}/resolve/${info.commit}/${encodePath(f.path)}`;
    const ctx: RequestContext = { repo, revision, file: f.path, endpoint };
    const d = await downloadFile({ paths, url, file: f.path, headers, ctx, sha256: f.sha256, commit: info.commit }, o);
    files.push({ file: f.path, bytes: d.bytes, status: d.status, sha256: d.sha256 });
  }
  return { repo, revision, commit: info.commit, dir: join(paths.snapshots, info.commit), files, offline: false };
}
