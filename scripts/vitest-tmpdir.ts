import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest globalSetup: every test file, worker and CLI subprocess of a run writes its temporary files under
 * one directory (TMPDIR, which os.tmpdir() reads), removed when the run ends. Many tests make directories
 * of converted models (hundreds of MB each) and leave them for the OS to clean; on a machine that keeps
 * /tmp that added up to tens of GB across runs and filled the disk.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-vitest-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
