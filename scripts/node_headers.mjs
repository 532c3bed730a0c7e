// Runs before any dependency's install script (npm runs every preinstall
// first). better-sqlite3 installs by downloading a prebuilt binary from
// GitHub, else compiling with node-gyp, which downloads Node's headers from
// nodejs.org unless its cache has them or `nodedir` is configured. Where this
// Node ships its own headers (<prefix>/include/node, as Debian's and
// NodeSource's packages do) and they are this exact version, this copies them
// into node-gyp's cache, where a download would have put them, so the
// compile needs no network. It never fails the install: at worst node-gyp
// downloads as before.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

function log(msg) {
  process.stderr.write(`[sixstep preinstall] ${msg}\n`);
}

/** <prefix>/include/node when it holds this Node's headers, else null. */
export function localHeaders(execPath = process.execPath, version = process.versions.node) {
  const dir = join(dirname(execPath), '..', 'include', 'node');
  let text;
  try {
    text = readFileSync(join(dir, 'node_version.h'), 'utf8');
  } catch {
    return null;
  }
  const part = (k) => (text.match(new RegExp(`#define NODE_${k}_VERSION (\\d+)`)) ?? [])[1];
  const found = `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  return found === version && existsSync(join(dir, 'common.gypi')) ? dir : null;
}

/** node-gyp's cache folder (its devdir), as node-gyp computes it on Linux and macOS. */
export function nodeGypDevDir(env = process.env) {
  if (env.npm_config_devdir) return env.npm_config_devdir.replace(/^~/, homedir());
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'node-gyp');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'node-gyp');
}

// node-gyp's own marker: the cache layout it reads (installVersion ≥ its package.json's "installVersion", 11 since node-gyp 9).
const INSTALL_VERSION = 11;

export function seedNodeHeaders(env = process.env) {
  if (env.npm_config_nodedir) return 'nodedir is configured: node-gyp uses it';
  const headers = localHeaders();
  if (!headers) return `this Node (${process.execPath}) ships no headers of its version: node-gyp downloads them when a dependency compiles`;
  const target = join(nodeGypDevDir(env), process.versions.node);
  if (existsSync(join(target, 'installVersion'))) return `node-gyp's cache has Node ${process.versions.node}'s headers (${target})`;
  const staging = `${target}.sixstep-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'include'), { recursive: true });
  cpSync(headers, join(staging, 'include', 'node'), { recursive: true });
  writeFileSync(join(staging, 'installVersion'), `${INSTALL_VERSION}\n`);
  // A rename, so a node-gyp running meanwhile sees no half-copied folder.
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return `copied Node ${process.versions.node}'s headers from ${headers} into node-gyp's cache (${target}), so native dependencies compile without downloading them`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    log(seedNodeHeaders());
  } catch (e) {
    log(`could not seed node-gyp's header cache (${e instanceof Error ? e.message : String(e)}); node-gyp downloads the headers if a dependency compiles`);
  }
}
