// Error analysis follows the split a run trained on, whatever made it: a
// --split-seed, other shares, or a --seed other than the one the saved split
// was made with. Each run records its split (the manifest's seed, shares and
// the rows' fingerprint); `interpret` reads exactly that run's validation rows,
// and auto's own error analysis is never skipped for it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const penguins = join(root, 'data', 'penguins.json');

function sixstep(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

/** fit on penguins with `extra` options, then interpret its run: the validation rows are the run's. */
function fitThenInterpret(cwd: string, extra: string[]) {
  const f = sixstep(['fit', '--data', penguins, '--target', 'Species', '--project', 'proj', '--epochs', '2', '--json', ...extra], cwd);
  assert.equal(f.code, 0, f.stderr);
  const run = f.json();
  const i = sixstep(['interpret', '--run', run.run, '--project', 'proj', '--repeats', '1', '--json'], cwd);
  assert.equal(i.code, 0, i.stderr);
  const manifest = JSON.parse(readFileSync(run.split.manifest, 'utf8'));
  const view = i.json();
  // As many rows as the run validated on, and the confusion matrix counts them all.
  assert.equal(view.rows, manifest.counts.validation);
  assert.equal(view.confusionMatrix.counts.flat().reduce((a: number, b: number) => a + b, 0), manifest.counts.validation);
  return { run, manifest, view };
}

describe('interpret follows the split the run used', () => {
  it('after --split-seed 7', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-interpret-seed-'));
    const { run, manifest } = fitThenInterpret(cwd, ['--split-seed', '7']);
    assert.equal(manifest.seed, 7);
    assert.equal(run.split.seed, 7);
  });

  it('after other shares (--validation-share 0.25 --test-share 0.1)', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-interpret-shares-'));
    const { run } = fitThenInterpret(cwd, ['--validation-share', '0.25', '--test-share', '0.1']);
    assert.equal(run.split.validationShare, 0.25);
    assert.equal(run.split.testShare, 0.1);
  });

  it('after --seed 3 on a project whose split was saved with seed 0', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-interpret-reuse-'));
    assert.equal(sixstep(['plan', '--data', penguins, '--target', 'Species', '--project', 'proj', '--json'], cwd).code, 0);
    const { run } = fitThenInterpret(cwd, ['--seed', '3']);
    assert.equal(run.split.seed, 0, 'the saved split, made with seed 0, is the one recorded');
  });

  it('a split made afresh after the run: interpret says the run\'s rows are gone, naming the manifest (exit 3)', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-interpret-gone-'));
    const { run } = fitThenInterpret(cwd, []);
    // Delete the manifest and split anew with another seed: other validation rows.
    assert.equal(sixstep(['plan', '--data', penguins, '--target', 'Species', '--project', 'proj', '--json'], cwd).code, 0);
    spawnSync('rm', [run.split.manifest]);
    assert.equal(sixstep(['plan', '--data', penguins, '--target', 'Species', '--project', 'proj', '--split-seed', '9', '--json'], cwd).code, 0);
    const i = sixstep(['interpret', '--run', run.run, '--project', 'proj', '--json'], cwd);
    assert.equal(i.code, 3, i.stderr);
    assert.match(i.stderr, /split-penguins\.json: expected the split run .* trained on .*found a manifest of other rows/);
    assert.doesNotMatch(i.stderr, /Fix the data/);
  });

  it('auto with --split-seed 7 makes its error analysis (nothing skipped)', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-interpret-auto-'));
    const r = sixstep(['auto', '--data', penguins, '--target', 'Species', '--project', 'proj', '--split-seed', '7', '--budget', '0.5', '--json'], cwd);
    assert.ok(r.code === 0 || r.code === 5, r.stderr);
    const s = r.json();
    assert.equal(s.errorAnalysis, 'recorded');
    assert.doesNotMatch(r.stderr + r.stdout, /error analysis skipped/);
    assert.equal(s.split.seed, 7);
  });
});
