// The README's examples run as printed: every fenced block marked
// `<!-- tested: shell -->` runs in bash with `sixstep` on PATH (this
// checkout's CLI) in a fresh folder holding the bundled data/, and every
// block marked `<!-- tested: ts -->` is compiled with strict TypeScript
// against the package by its name, then run there.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The fenced blocks of a markdown text preceded by `<!-- tested: <kind> -->`. */
export function testedBlocks(markdown: string, kind: string): string[] {
  const re = new RegExp(`<!-- tested: ${kind} -->\\s*\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``, 'g');
  return [...markdown.matchAll(re)].map((m) => m[1]);
}

const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe("the README's examples, as printed", () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sixstep-readme-'));
    symlinkSync(join(root, 'data'), join(dir, 'data'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'sixstep'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'sixstep'), `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'dist', 'src', 'cli', 'main.js')}" "$@"\n`);
    chmodSync(join(dir, 'bin', 'sixstep'), 0o755);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-example', private: true, type: 'module' }));
    env = { ...process.env, PATH: `${join(dir, 'bin')}:${dirname(process.execPath)}:${process.env.PATH}` };
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('marks a quick start and a library example', () => {
    assert.ok(testedBlocks(readme, 'shell').length >= 1);
    assert.equal(testedBlocks(readme, 'ts').length, 1);
  });

  it('the quick start commands plan, train and predict on the bundled data', () => {
    for (const block of testedBlocks(readme, 'shell')) {
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', block], { cwd: dir, env, encoding: 'utf8', timeout: 180_000 });
      assert.equal(r.status, 0, `${block}\n${r.stderr.slice(-3000)}`);
    }
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { status: string; model: string; metrics: { test: { accuracy: number } } };
    assert.equal(run.status, 'finished');
    assert.ok(run.metrics.test.accuracy > 0.8, `test accuracy ${run.metrics.test.accuracy}`);
    const csv = readFileSync(join(dir, 'predictions.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'line,id,prediction,p_Adelie,p_Chinstrap,p_Gentoo');
    assert.ok(csv.length > 300, `${csv.length - 1} predictions`);
    // The tree the README draws.
    for (const f of ['sixstep.db', 'split-penguins.json', 'models', 'reports', 'runs']) assert.ok(existsSync(join(dir, 'penguins', f)), `penguins/${f}`);
  });

  it('the library example type-checks with strict TypeScript against the package and runs', () => {
    const [example] = testedBlocks(readme, 'ts');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src', 'example.ts'), example);
    const compilerOptions = { strict: true, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: true, outDir: 'out', rootDir: 'src', typeRoots: [join(root, 'node_modules', '@types')], types: ['node'] };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }));
    const c = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
    assert.equal(c.status, 0, `tsc:\n${c.stdout}${c.stderr}`);
    const r = spawnSync(process.execPath, [join(dir, 'out', 'example.js')], { cwd: dir, env, encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    const [planned, ran, predicted] = r.stdout.trim().split('\n');
    assert.match(planned, /^multiclass crossEntropy /);
    assert.match(ran, /proj\/models\/\S+ (0\.\d+|1) \d+$/);
    assert.match(predicted, /^(Adelie|Chinstrap|Gentoo) \{/);
  });
});
