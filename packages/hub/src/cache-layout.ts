import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { HubError } from './errors.js';
import { hubSettings } from './settings.js';

/** A full commit sha, which needs no refs/ lookup (huggingface_hub's REGEX_COMMIT_HASH). */
export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** `org/name` or `name`, as the Hub spells repository ids. */
export const REPO_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;

export interface HubCachePaths {
  /** `<cache>/models--org--name` */
  repo: string;
  blobs: string;
  snapshots: string;
  refs: string;
  /** `.no_exist/<commit>/<file>`: empty files recording that a file is absent at a commit. */
  noExist: string;
  /** `<cache>/.locks/models--org--name`, where downloads of one blob are serialized. */
  locks: string;
}

export function checkRepoId(repo: string): void {
  if (typeof repo !== 'string' || !REPO_ID.test(repo) || repo.includes('..')) {
    throw new HubError('E_INVALID_ARGUMENT', `${JSON.stringify(repo)} is not a Hub repository id (org/name)`);
  }
}

/** The layout huggingface_hub's cache uses for a model repository (file_download.repo_folder_name). */
export function hubCachePaths(repo: string, cacheDir: string = hubSettings().cacheDir): HubCachePaths {
  checkRepoId(repo);
  const folder = ['models', ...repo.split('/')].join('--');
  const root = join(cacheDir, folder);
  return { repo: root, blobs: join(root, 'blobs'), snapshots: join(root, 'snapshots'), refs: join(root, 'refs'), noExist: join(root, '.no_exist'), locks: join(cacheDir, '.locks', folder) };
}

/** A path under `base` for a repository-relative name, refusing names that would leave it. */
export function inside(base: string, name: string): string {
  const full = resolve(base, ...name.split('/'));
  if (!full.startsWith(resolve(base) + sep)) throw new HubError('E_INVALID_ARGUMENT', `${JSON.stringify(name)} is not a relative path inside ${base}`);
  return full;
}

/** The commit a revision names in the cache: itself if a commit sha, else refs/<revision> (nested for refs/pr/N). */
export function readRef(paths: HubCachePaths, revision: string): string | null {
  if (COMMIT_HASH.test(revision)) return revision;
  try {
    const commit = readFileSync(inside(paths.refs, revision), 'utf8').trim();
    return COMMIT_HASH.test(commit) ? commit : null;
  } catch {
    return null;
  }
}

/**
 * Records `revision -> commit` as huggingface_hub does: refs/<revision> holding the bare sha (no newline),
 * `refs/pr/21` a nested file, written atomically and only when it changed (the cache may be read-only).
 */
export function writeRef(paths: HubCachePaths, revision: string, commit: string): void {
  if (revision === commit) return;
  const ref = inside(paths.refs, revision);
  if (existsSync(ref) && readFileSync(ref, 'utf8') === commit) return;
  mkdirSync(dirname(ref), { recursive: true });
  const tmp = `${ref}.${process.pid}.${Math.random().toString(16).slice(2, 10)}.tmp`;
  writeFileSync(tmp, commit);
  renameSync(tmp, ref);
}

/**
 * The snapshot folder of `repo` at `revision` in the Hugging Face cache (whoever downloaded it: Python or
 * bertkit), or null. No network: what `HF_HUB_OFFLINE=1` resolves through.
 */
export function cachedSnapshot(repo: string, revision = 'main', options: { cacheDir?: string } = {}): string | null {
  const paths = hubCachePaths(repo, options.cacheDir);
  const commit = readRef(paths, revision);
  if (!commit) return null;
  const dir = join(paths.snapshots, commit);
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : null;
}

/** Whether a previous lookup recorded `file` as absent at `commit` (.no_exist, as huggingface_hub). */
export function isKnownMissing(paths: HubCachePaths, commit: string, file: string): boolean {
  return existsSync(inside(join(paths.noExist, commit), file));
}

export function markMissing(paths: HubCachePaths, commit: string, file: string): void {
  try {
    const marker = inside(join(paths.noExist, commit), file);
    mkdirSync(dirname(marker), { recursive: true });
    writeFileSync(marker, '');
  } catch {
    // Best effort, as huggingface_hub: a read-only cache must not fail the lookup.
  }
}

let symlinksWork: boolean | undefined;

/**
 * Points snapshots/<commit>/<file> at its blob with a relative symlink (the cache stays valid when moved);
 * where symlinks fail (Windows without developer mode, some mounts) the blob is moved there if new, else
 * copied, as huggingface_hub's _create_symlink.
 */
export function linkBlob(blob: string, pointer: string, newBlob: boolean): void {
  mkdirSync(dirname(pointer), { recursive: true });
  rmSync(pointer, { force: true });
  if (symlinksWork !== false && process.env.HF_HUB_DISABLE_SYMLINKS !== '1') {
    try {
      symlinkSync(relative(dirname(pointer), blob), pointer);
      symlinksWork = true;
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
      symlinksWork = false;
    }
  }
  if (newBlob) renameSync(blob, pointer);
  else copyFileSync(blob, pointer);
}
