// Puts the `sixstep` command on PATH after setup, as `npm link` would (a link
// in npm's global bin folder to this checkout's dist/src/cli/main.js), without
// npm reinstalling anything. Only where that folder is writable (root, or a
// user prefix in ~/.npmrc) and not taken by a file we did not make; otherwise
// `npx sixstep …` in this folder runs the same command (npx finds the
// project's own bin, nothing is downloaded).
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, lstatSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** npm's global bin folder (`npm prefix -g`/bin on Linux and macOS), or null when npm does not say. */
export function globalBin() {
  const r = spawnSync('npm', ['prefix', '-g'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const prefix = r.status === 0 ? r.stdout.trim() : '';
  return prefix ? join(prefix, 'bin') : null;
}

/** The folders of PATH that hold an executable `name`, first match first. */
export function onPath(name, path = process.env.PATH ?? '') {
  return path.split(delimiter).filter(Boolean).map((d) => join(d, name)).filter((f) => {
    try {
      accessSync(f, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Links `sixstep` into npm's global bin folder. Returns { linked, path, reason }:
 * linked is true when `sixstep` now runs this checkout's CLI from PATH.
 */
export function linkCommand(root, bin = globalBin()) {
  const target = resolve(root, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(target)) return { linked: false, path: null, reason: `${target} is not built` };
  chmodSync(target, 0o755);
  if (!bin) return { linked: false, path: null, reason: 'npm did not name its global prefix' };
  const link = join(bin, 'sixstep');
  try {
    accessSync(bin, constants.W_OK);
  } catch {
    return { linked: false, path: link, reason: `${bin} is not writable (not root, and no user prefix in ~/.npmrc)` };
  }
  let st = null;
  try {
    st = lstatSync(link);
  } catch {
    /* absent */
  }
  if (st && !st.isSymbolicLink()) return { linked: false, path: link, reason: `${link} exists and is not a link (left alone)` };
  // A link (an earlier setup, npm link or npm install -g of sixstep) now points at this checkout, as npm link would do.
  const previous = st ? resolve(bin, readlinkSync(link)) : null;
  if (previous !== target) {
    if (st) rmSync(link);
    symlinkSync(target, link);
  }
  const first = onPath('sixstep')[0];
  if (!onPath('sixstep').includes(link)) return { linked: false, path: link, reason: `linked ${link}, but ${bin} is not on PATH` };
  if (first !== link) return { linked: false, path: link, reason: `linked ${link}, but ${first} comes first on PATH` };
  return { linked: true, path: link, reason: null, replaced: previous && previous !== target ? previous : null };
}
