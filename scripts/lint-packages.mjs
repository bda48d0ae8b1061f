// pnpm lint:packages: every published package (packages/* and apps/* without "private") packed the way
// `pnpm publish` packs it (workspace:* rewritten, publishConfig applied), then checked by publint
// (--strict: warnings fail too) and, for libraries, by arethetypeswrong with the esm-only profile
// (the packages are ESM-only on purpose; Node >= 20.19 can require() them).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const published = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group))
    .map((d) => join(root, group, d))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private),
);
const out = mkdtempSync(join(tmpdir(), 'bertkit-lint-packages-'));
let failed = 0;
try {
  for (const { dir, pkg } of published) {
    const tarball = execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .at(-1);
    const checks = [[bin('publint'), ['run', tarball, '--strict']]];
    // A bin-only package (the CLI) has no entry points for attw to resolve.
    if (pkg.exports || pkg.main) checks.push([bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped']]);
    for (const [cmd, args] of checks) {
      try {
        execFileSync(cmd, args, { stdio: 'inherit' });
      } catch {
        failed++;
        console.error(`lint:packages: ${pkg.name}: ${cmd.split('/').at(-1)} failed`);
      }
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (failed) {
  console.error(`lint:packages: ${failed} check(s) failed`);
  process.exit(1);
}
console.log(`lint:packages: ${published.map((p) => p.pkg.name).join(', ')} pass publint --strict and attw --profile esm-only`);
