/**
 * fnmatch as huggingface_hub's filter_repo_objects applies it: `*` and `?` match across `/`, `[...]` a set,
 * and a pattern ending in `/` means everything under that folder.
 */
export function matchesPattern(path: string, pattern: string): boolean {
  const p = pattern.endsWith('/') ? `${pattern}*` : pattern;
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = p.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = p.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(path);
}

export function filterPaths(paths: string[], allow?: string[], ignore?: string[]): string[] {
  return paths.filter((f) => (!allow || allow.some((p) => matchesPattern(f, p))) && !(ignore ?? []).some((p) => matchesPattern(f, p)));
}
