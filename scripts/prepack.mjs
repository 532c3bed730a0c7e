// `npm pack` / `npm publish` pack dist/src as it is: this checks that it was
// compiled from the current sources (one output per source, none older than
// its source, none left from a deleted source) instead of compiling into the
// checkout, which would need the dev dependencies and rewrite a dist/ that a
// linked `sixstep` may be running from.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function walk(dir, ext) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

export function distProblems(dir = root) {
  const src = join(dir, 'src');
  const out = join(dir, 'dist', 'src');
  if (!existsSync(out)) return ['dist/src is missing'];
  const problems = [];
  const sources = new Set(walk(src, '.ts').map((f) => relative(src, f).replace(/\.ts$/, '')));
  for (const s of sources) {
    for (const ext of ['.js', '.d.ts']) {
      const js = join(out, s + ext);
      if (!existsSync(js)) problems.push(`dist/src/${s}${ext} is missing`);
      else if (statSync(js).mtimeMs < statSync(join(src, `${s}.ts`)).mtimeMs) problems.push(`dist/src/${s}${ext} is older than src/${s}.ts`);
    }
  }
  for (const js of walk(out, '.js')) {
    const s = relative(out, js).replace(/\.js$/, '');
    if (!sources.has(s)) problems.push(`dist/src/${s}.js has no source (src/${s}.ts was deleted)`);
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = distProblems();
  if (problems.length) {
    process.stderr.write(`[sixstep pack] dist/ does not match the sources: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}.\nRun \`npm run build\` (it compiles into a fresh folder and swaps it in), then pack again.\n`);
    process.exit(1);
  }
}
