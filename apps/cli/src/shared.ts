import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `../shared` beside the repository (or BERTKIT_SHARED), for the demo. */
export function findShared(): string | null {
  if (process.env.BERTKIT_SHARED) return resolve(process.env.BERTKIT_SHARED);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'shared');
    if (existsSync(join(candidate, 'tokenizers'))) return candidate;
    dir = dirname(dir);
  }
  return null;
}
