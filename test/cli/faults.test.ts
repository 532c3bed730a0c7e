// Writes under a full disk and runs that end by a signal: a file too large
// for the file-size limit (`ulimit -f` in a child process) or a full tmpfs
// (when this user may mount one) leaves the previous file or nothing, never a
// truncated one or a temporary file, and the command exits 6 naming the file;
// a damaged state file is refused by `auto --resume` with its name; SIGTERM
// marks a fit interrupted, and a fit killed outright is marked when resumed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomic, FileWriteError } from '../../src/files/index.js';
import { openStore } from '../../src/store/index.js';
import { PENGUINS, cli, root, runCli } from '../serve/helpers.js';

let dir: string;
let model: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sixstep-faults-'));
  const r = runCli(['fit', '--data', PENGUINS, '--target', 'Species', '--epochs', '2', '--project', join(dir, 'trained'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  model = JSON.parse(r.stdout).model;
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI under a file-size limit of `kb` KiB (bash's ulimit -f counts 1024-byte blocks). */
function limited(kb: number, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', `ulimit -f ${kb}; exec "$0" "$@"`, process.execPath, cli, ...args], { encoding: 'utf8', cwd: root, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const temporaries = (folder: string) => readdirSync(folder, { recursive: true }).map(String).filter((f) => /\.tmp-\d+|\.next$/.test(f));

test('predict --out past the file-size limit exits 6 naming the file; the previous file stays whole, no temporary file is left', () => {
  const out = join(dir, 'predictions.csv');
  writeFileSync(out, 'previous\n');
  const r = limited(8, ['predict', '--model', model, '--data', PENGUINS, '--out', out]);
  assert.equal(r.status, 6, r.stderr);
  assert.match(r.stderr, new RegExp(`could not write ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: EFBIG`));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(readFileSync(out, 'utf8'), 'previous\n');
  assert.deepEqual(temporaries(dir), []);
});

test('a store that cannot grow exits 6 naming the database file', () => {
  const project = join(dir, 'tiny');
  const r = limited(64, ['plan', '--data', PENGUINS, '--target', 'Species', '--project', project]);
  assert.equal(r.status, 6, r.stderr);
  assert.match(r.stderr, /could not write .*sixstep\.db: SQLITE_(FULL|IOERR)/);
});

test('auto --resume refuses a damaged state file with its name, not "Unexpected end of JSON input"', () => {
  const project = join(dir, 'resume');
  const r = runCli(['auto', '--data', PENGUINS, '--target', 'Species', '--project', project, '--budget', '0.25', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const run: string = JSON.parse(r.stdout).run;
  // As a crash before atomic writes left it: the run unfinished, its state cut short.
  const store = openStore(project);
  store.finishRun(run, { status: 'interrupted' });
  store.close();
  const state = join(project, 'runs', run, 'state.json');
  writeFileSync(state, readFileSync(state, 'utf8').slice(0, 40));
  const resumed = runCli(['auto', '--data', PENGUINS, '--target', 'Species', '--project', project, '--budget', '0.25', '--resume']);
  assert.equal(resumed.status, 6, resumed.stderr);
  assert.match(resumed.stderr, /state\.json: is damaged .*run auto without --resume/);
  assert.doesNotMatch(resumed.stderr, /^error: Unexpected end of JSON input/m);
});

/** Starts a long fit; resolves once it has written its first checkpoint. */
async function longFit(project: string): Promise<{ child: ReturnType<typeof spawn>; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [cli, 'fit', '--data', PENGUINS, '--target', 'Species', '--epochs', '5000', '--project', project], { cwd: root, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const runs = existsSync(join(project, 'runs')) ? readdirSync(join(project, 'runs')) : [];
    if (runs.some((r) => existsSync(join(project, 'runs', r, 'checkpoint.safetensors.json')))) return { child, exited };
    if (Date.now() > deadline) throw new Error('the fit wrote no checkpoint');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('SIGTERM stops a fit at the end of a batch: exit 130, the run marked interrupted', async () => {
  const project = join(dir, 'sigterm');
  const { child, exited } = await longFit(project);
  child.kill('SIGTERM');
  assert.equal(await exited, 130);
  const store = openStore(project);
  const [run] = store.listRuns({ kind: 'fit' });
  store.close();
  assert.equal(run.status, 'interrupted');
});

test('a fit killed outright is marked interrupted when fit --resume continues it', async () => {
  const project = join(dir, 'sigkill');
  const { child, exited } = await longFit(project);
  child.kill('SIGKILL');
  await exited;
  const r = runCli(['fit', '--data', PENGUINS, '--target', 'Species', '--epochs', '3', '--resume', '--project', project, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const store = openStore(project);
  const runs = store.listRuns({ kind: 'fit' });
  store.close();
  assert.equal(runs.length, 2);
  assert.deepEqual(runs.map((x) => x.status).sort(), ['finished', 'interrupted'], 'no run is left "running"');
});

test('a full tmpfs: writeAtomic refuses with ENOSPC naming the file, keeps the previous version and removes its temporary file', { skip: process.getuid?.() !== 0 && 'mounting a tmpfs needs root' }, (t) => {
  const mount = join(dir, 'small');
  mkdirSync(mount);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
  if (m.status !== 0) return t.skip(`mount failed: ${String(m.stderr).trim()}`);
  try {
    const file = join(mount, 'state.json');
    writeAtomic(file, 'previous\n');
    assert.throws(
      () => writeAtomic(file, Buffer.alloc(256 * 1024, 1)),
      (e: unknown) => e instanceof FileWriteError && e.path === file && e.code === 'ENOSPC',
    );
    assert.equal(readFileSync(file, 'utf8'), 'previous\n');
    assert.deepEqual(readdirSync(mount), ['state.json']);
  } finally {
    spawnSync('umount', [mount]);
  }
});
