// The package's entry points: every public module (a folder of src/ with an
// index) has a subpath export, every export is compiled, each one loads with
// require() from CommonJS (an ES module graph without top-level await), and
// the leaf entries that exist so as not to load the engine do not load it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string>; engines: { node: string }; dependencies: Record<string, string> };

/** The packages the declarations reachable from the entry points import (relative imports followed), with a file that imports each. */
function declaredImports(): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const queue = Object.values(pkg.exports).filter((t) => t.endsWith('.js')).map((t) => join(root, t.replace(/\.js$/, '.d.ts')));
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)) {
      if (spec.startsWith('.')) queue.push(join(dirname(file), spec.replace(/\.js$/, '.d.ts')));
      else if (!spec.startsWith('node:')) packages.set(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0], file.slice(root.length + 1));
    }
  }
  return packages;
}

/** Entry points that must never load libtorch (the addon), and why someone imports them. */
const ENGINE_FREE = ['./export/inputs', './metrics/arrays', './report/html', './store', './files'];

function node(code: string, type: 'commonjs' | 'module'): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...(type === 'module' ? ['--input-type=module'] : []), '-e', code], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('package entry points', () => {
  it('every public module of src/ has a subpath export, and every export is compiled with its types', () => {
    const modules = readdirSync(join(root, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(root, 'src', e.name, 'index.ts'))).map((e) => `./${e.name}`);
    const missing = modules.filter((m) => !(m in pkg.exports));
    assert.deepEqual(missing, [], 'public modules without a subpath export');
    for (const [name, target] of Object.entries(pkg.exports)) {
      assert.ok(existsSync(join(root, target)), `${name} → ${target} does not exist`);
      if (target.endsWith('.js')) assert.ok(existsSync(join(root, target.replace(/\.js$/, '.d.ts'))), `${name}: no declarations beside ${target}`);
    }
  });

  it('the public declarations import only dependencies: a consumer type-checks without dev or optional packages', () => {
    // A package's types come with it or from @types/<name> (better-sqlite3's), both dependencies.
    const typed = (name: string) => name in pkg.dependencies || `@types/${name.replace(/^@/, '').replace('/', '__')}` in pkg.dependencies;
    const stray = [...declaredImports()].filter(([name]) => !typed(name)).map(([name, file]) => `${name} (imported by ${file})`);
    assert.deepEqual(stray, []);
  });

  it('engines names the Node versions that can require() an ES module (20.19+, 22.12+)', () => {
    assert.equal(pkg.engines.node, '^20.19.0 || >=22.12.0');
  });

  it('each export loads with require() from CommonJS: no top-level await in any graph', () => {
    const names = Object.keys(pkg.exports).filter((n) => n !== './package.json');
    // By the package's own name (self-reference through "exports"), as a consumer would.
    const code = `const failed = []; for (const n of ${JSON.stringify(names)}) { const id = n === '.' ? 'sixstep' : 'sixstep' + n.slice(1); try { const m = require(id); if (!Object.keys(m).length) failed.push(id + ': no exports'); } catch (e) { failed.push(id + ': ' + (e.code ?? '') + ' ' + e.message.split('\\n')[0]); } } console.log(JSON.stringify(failed));`;
    const r = node(code, 'commonjs');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)!), []);
  });

  for (const name of ENGINE_FREE) {
    it(`sixstep${name.slice(1)} loads without the native addon (libtorch)`, () => {
      assert.ok(name in pkg.exports, `${name} is not exported`);
      const r = node(`import * as m from 'sixstep${name.slice(1)}'; import { readFileSync } from 'node:fs'; const maps = readFileSync('/proc/self/maps', 'utf8'); console.log(JSON.stringify({ names: Object.keys(m).length, addon: maps.includes('sixstep.node'), libtorch: /libtorch/.test(maps) }));`, 'module');
      assert.equal(r.status, 0, r.stderr);
      const loaded = JSON.parse(r.stdout.trim()) as { names: number; addon: boolean; libtorch: boolean };
      assert.ok(loaded.names > 0, 'nothing exported');
      assert.deepEqual({ addon: loaded.addon, libtorch: loaded.libtorch }, { addon: false, libtorch: false });
    });
  }

  it('onnxFeeds from sixstep/export/inputs turns a row into feeds without the addon', () => {
    const r = node(`import { onnxFeeds } from 'sixstep/export/inputs'; import { readFileSync } from 'node:fs'; console.log(typeof onnxFeeds, readFileSync('/proc/self/maps', 'utf8').includes('sixstep.node'));`, 'module');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'function false');
  });
});
