// The README's commands run as printed after setup: every command line of its
// fenced sh blocks starts with a command that resolves, and setup's link puts
// `sixstep` on PATH for a fresh shell (or `npx sixstep` runs it in the clone).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-ignore: plain JavaScript setup script
import { linkCommand, onPath } from '../../../scripts/link_command.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const main = join(root, 'dist', 'src', 'cli', 'main.js');

/** The command lines of the README's ```sh blocks: continuations joined, comments and placeholders dropped. */
export function readmeCommands(text: string): string[] {
  const out: string[] = [];
  for (const block of text.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    let cur = '';
    for (const raw of block[1].split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').replace(/^#.*$/, '');
      cur += line.replace(/\\$/, ' ');
      if (line.endsWith('\\')) continue;
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    }
  }
  return out;
}

describe("the README's commands", () => {
  const commands = readmeCommands(readme);

  it('are found: npm and sixstep lines in sh blocks', () => {
    assert.ok(commands.some((c) => c.startsWith('npm run setup')));
    assert.ok(commands.some((c) => /^sixstep (fit|tune) /.test(c)), commands.join('\n'));
    assert.deepEqual(readmeCommands('```sh\na --x \\\n  --y  # note\n# only a comment\n```\n'), ['a --x    --y']);
  });

  it('each starts with a command that resolves after setup', () => {
    for (const c of commands) {
      // NAME=$(cmd …) runs cmd.
      const word = c.replace(/^[A-Za-z_][A-Za-z0-9_]*=(\$\()?/, '').split(/\s+/)[0];
      if (word === 'sixstep') {
        // On PATH when setup could link it; the package's own bin, which `npx sixstep` runs, in any case.
        assert.equal(pkg.bin.sixstep, 'dist/src/cli/main.js');
        assert.match(readFileSync(main, 'utf8'), /^#!\/usr\/bin\/env node\n/);
        const found = onPath('sixstep') as string[];
        if (found.length) assert.match(realpathSync(found[0]), /dist\/src\/cli\/main\.js$/, `${found[0]} is not a sixstep CLI`);
        else assert.match(readme, /npx sixstep/, 'sixstep is not on PATH here: the README must say `npx sixstep`');
      } else {
        assert.ok((onPath(word) as string[]).length, `${word} (README: ${c}) is not on PATH`);
      }
    }
  });

  it('setup\'s link makes `sixstep` run in a fresh shell with that bin folder on PATH', () => {
    const bin = mkdtempSync(join(tmpdir(), 'sixstep-bin-'));
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const r = linkCommand(root, bin);
      assert.equal(r.linked, true, r.reason ?? '');
      assert.equal(readlinkSync(join(bin, 'sixstep')), main);
      // Again: idempotent.
      assert.equal(linkCommand(root, bin).linked, true);
    } finally {
      process.env.PATH = path;
    }
    const sh = spawnSync('sh', ['-c', 'cd / && sixstep --help'], { encoding: 'utf8', env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, HOME: process.env.HOME ?? '/root' } });
    assert.equal(sh.status, 0, sh.stderr);
    assert.match(sh.stdout, /Usage: sixstep/);
  });

  it('setup leaves a sixstep that is not a link alone, and says why', () => {
    const bin = mkdtempSync(join(tmpdir(), 'sixstep-bin-'));
    writeFileSync(join(bin, 'sixstep'), '#!/bin/sh\necho other\n', { mode: 0o755 });
    const r = linkCommand(root, bin);
    assert.equal(r.linked, false);
    assert.match(r.reason, /exists and is not a link/);
    assert.equal(readFileSync(join(bin, 'sixstep'), 'utf8'), '#!/bin/sh\necho other\n');
  });

  it('npx sixstep runs this checkout\'s command without downloading anything', () => {
    const r = spawnSync('npx', ['--offline', '--no-install', 'sixstep', '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: sixstep/);
  });
});
