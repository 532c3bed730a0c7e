// Runs every compiled *.test.js under dist/test with node's test runner, one
// file at a time (the machine has two cores and the engine uses both).
// Node 20 takes no globs, and given a folder it would also run helpers.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);

function collect(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? collect(p) : p.endsWith('.test.js') ? [p] : [];
  });
}

const files = collect(join(root, 'dist', 'test')).filter((f) => !only.length || only.some((o) => f.includes(o))).sort();
// With no file, `node --test` would search the whole folder (helpers included): say so instead.
if (files.length === 0) {
  console.error(`no compiled test file under dist/test matches ${only.map((o) => JSON.stringify(o)).join(' or ')} (build first: npm run build)`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
