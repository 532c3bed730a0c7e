// The compiler's own include folders. Passing one of them again as -I or
// -isystem reorders the search path and breaks libstdc++'s
// `#include_next <stdlib.h>` (GCC 12 on Debian with libtorch-dev, whose
// headers live in /usr/include): such folders are dropped from the flags.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The folders `c++` searches by default for `#include <...>`, resolved. */
export function compilerIncludeDirs(cxx = process.env.CXX || 'c++') {
  // -v writes the search list to stderr.
  const r = spawnSync(cxx, ['-xc++', '-E', '-v', '-'], { input: '', encoding: 'utf8' });
  const dirs = parseSearchList(`${r.stderr ?? ''}\n${r.stdout ?? ''}`);
  return dirs.length ? dirs : ['/usr/include', '/usr/local/include'];
}

/** Parses the `#include <...> search starts here:` block of `cc -E -v`. */
export function parseSearchList(text) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('#include <...> search starts here:'));
  if (start < 0) return [];
  const dirs = [];
  for (const l of lines.slice(start + 1)) {
    if (l.startsWith('End of search list')) break;
    const d = l.trim().replace(/ \(framework directory\)$/, '');
    if (d) dirs.push(resolve(d));
  }
  return dirs;
}

/** The given folders minus the compiler's defaults (order kept, duplicates dropped). */
export function extraIncludeDirs(dirs, defaults = compilerIncludeDirs()) {
  const skip = new Set(defaults.map((d) => resolve(d)));
  return [...new Set(dirs.map((d) => resolve(d)))].filter((d) => !skip.has(d));
}
