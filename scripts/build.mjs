// Compiles the TypeScript into a fresh folder and swaps it in for dist/, so
// no output of a deleted source survives and dist/ is never missing or half
// written while a linked `sixstep` (or a test) in another shell runs from it:
// the swap is two renames. `--docs` also writes the API documentation
// (TypeDoc) to docs/api/.
//   node scripts/build.mjs          npm run compile (setup, npm test, npm run bench)
//   node scripts/build.mjs --docs   npm run build
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function log(msg) {
  process.stderr.write(`[sixstep build] ${msg}\n`);
}

function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    log(`${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

/** tsc into dist.next/, then dist/ → dist.old/, dist.next/ → dist/, and dist.old/ removed. */
export function compileFresh() {
  const next = join(root, 'dist.next');
  const old = join(root, 'dist.old');
  const dist = join(root, 'dist');
  rmSync(next, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
  run([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--outDir', next], 'tsc');
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
  rmSync(old, { recursive: true, force: true });
}

/** The TypeScript source of every entry point package.json exports (./dist/src/x.js → src/x.ts). */
export function entryPoints() {
  const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return Object.values(exports)
    .filter((target) => target.startsWith('./dist/src/'))
    .map((target) => target.replace(/^\.\/dist\/(src\/.*)\.js$/, '$1.ts'));
}

/** The API documentation of every exported entry point, in docs/api/ (typedoc.json holds the rest of the options). */
export function apiDocs(typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc')) {
  if (!existsSync(typedoc)) {
    log('typedoc is not installed (a dev dependency): npm ci, then npm run docs');
    process.exit(1);
  }
  run([typedoc, '--options', 'typedoc.json', ...entryPoints().flatMap((e) => ['--entryPoints', e])], 'typedoc');
  log('API documentation in docs/api/index.html');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = new Set(process.argv.slice(2));
  if (!args.has('--docs-only')) compileFresh();
  if (args.has('--docs') || args.has('--docs-only')) apiDocs();
}
