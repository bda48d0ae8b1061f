import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const isShared = (dir: string) => existsSync(join(dir, 'tokenizers')) && existsSync(join(dir, 'models'));

/**
 * The `shared` directory beside the repository (stand-in models, tokenizers, datasets): BERTKIT_SHARED
 * when set, else the first `shared` found walking up from this package, then from the working directory.
 * Null when there is none (a user's machine).
 */
export function findShared(): string | null {
  if (process.env.BERTKIT_SHARED) return resolve(process.env.BERTKIT_SHARED);
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    let dir = start;
    for (let i = 0; i < 10; i++) {
      if (isShared(join(dir, 'shared'))) return join(dir, 'shared');
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return null;
}

/** findShared for tests and the bench, which cannot run without it. */
export function requireShared(): string {
  const dir = findShared();
  if (dir === null) throw new Error('cannot find ../shared beside the repository; set BERTKIT_SHARED to its path');
  return dir;
}

/** A path inside ../shared. */
export function sharedPath(...parts: string[]): string {
  return join(requireShared(), ...parts);
}
