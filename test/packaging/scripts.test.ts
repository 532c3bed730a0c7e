// The install-time scripts, on constructed folders: node-gyp's header cache
// seeded only from headers of this exact Node version, the toolchain message
// naming what to install, and the pack check naming stale or missing output.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const load = (name: string) => import(join(root, 'scripts', name));

describe('install-time scripts', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'sixstep-scripts-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** A Node prefix with bin/node and include/node/node_version.h of the given version. */
  function prefix(name: string, version: string): string {
    const dir = join(tmp, name);
    mkdirSync(join(dir, 'bin'), { recursive: true });
    mkdirSync(join(dir, 'include', 'node'), { recursive: true });
    const [major, minor, patch] = version.split('.');
    writeFileSync(join(dir, 'include', 'node', 'node_version.h'), `#define NODE_MAJOR_VERSION ${major}\n#define NODE_MINOR_VERSION ${minor}\n#define NODE_PATCH_VERSION ${patch}\n`);
    writeFileSync(join(dir, 'include', 'node', 'common.gypi'), '{}\n');
    return join(dir, 'bin', 'node');
  }

  it('finds the local headers only when they are of the running version', async () => {
    const { localHeaders } = await load('node_headers.mjs');
    assert.equal(localHeaders(prefix('same', '20.20.2'), '20.20.2'), join(tmp, 'same', 'include', 'node'));
    assert.equal(localHeaders(prefix('other', '20.19.0'), '20.20.2'), null);
    assert.equal(localHeaders(join(tmp, 'none', 'bin', 'node'), '20.20.2'), null);
  });

  it("computes node-gyp's cache folder as node-gyp does", async () => {
    const { nodeGypDevDir } = await load('node_headers.mjs');
    assert.equal(nodeGypDevDir({ XDG_CACHE_HOME: '/x' }), '/x/node-gyp');
    assert.equal(nodeGypDevDir({ npm_config_devdir: '/d' }), '/d');
  });

  it('seeds the cache once, with the marker node-gyp checks, and leaves a configured nodedir alone', async (t) => {
    const { seedNodeHeaders, localHeaders } = await load('node_headers.mjs');
    if (!localHeaders()) return t.skip(`this Node (${process.execPath}) ships no headers of its version`);
    const env = { XDG_CACHE_HOME: join(tmp, 'cache') };
    assert.match(seedNodeHeaders(env), /^copied Node .* into node-gyp's cache/);
    const target = join(tmp, 'cache', 'node-gyp', process.versions.node);
    assert.equal(readFileSync(join(target, 'installVersion'), 'utf8').trim(), '11');
    assert.ok(existsSync(join(target, 'include', 'node', 'node_api.h')));
    assert.match(seedNodeHeaders(env), /^node-gyp's cache has Node/);
    assert.match(seedNodeHeaders({ ...env, npm_config_nodedir: '/usr' }), /^nodedir is configured/);
  });

  it('names the missing tools and the Debian packages that bring them', async () => {
    const { toolchainHelp } = await load('toolchain.mjs');
    const text = toolchainHelp([{ name: 'a C++ compiler', command: 'g++', debian: 'g++' }, { name: 'make', command: 'make', debian: 'make' }]);
    assert.match(text, /needs a C\+\+ compiler \(`g\+\+`\), make \(`make`\), which are missing/);
    assert.match(text, /sudo apt-get install g\+\+ make$/m);
  });

  it('the pack check names missing, stale and orphaned output', async () => {
    const { distProblems } = await load('prepack.mjs');
    const dir = join(tmp, 'pkg');
    mkdirSync(join(dir, 'src', 'a'), { recursive: true });
    assert.deepEqual(distProblems(dir), ['dist/src is missing']);
    mkdirSync(join(dir, 'dist', 'src', 'a'), { recursive: true });
    writeFileSync(join(dir, 'src', 'a', 'x.ts'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'dist', 'src', 'a', 'x.js'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'dist', 'src', 'a', 'gone.js'), '\n');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'dist', 'src', 'a', 'x.js'), old, old);
    assert.deepEqual(distProblems(dir), ['dist/src/a/x.js is older than src/a/x.ts', 'dist/src/a/x.d.ts is missing', 'dist/src/a/gone.js has no source (src/a/gone.ts was deleted)']);
  });
});
