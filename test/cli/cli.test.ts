// The command line end to end on the bundled penguins: --json objects with the
// promised fields, files where they say, and bad input answered with a clear
// message and a meaningful exit code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const penguins = join(root, 'data', 'penguins.json');

function sixstep(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

describe('sixstep CLI', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'sixstep-cli-'));
  const common = ['--data', penguins, '--target', 'Species', '--project', 'proj', '--json'];

  it('plan prints task, cost function, architecture and splits', () => {
    const r = sixstep(['plan', ...common], cwd);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    assert.equal(j.task, 'multiclass');
    assert.equal(j.costFunction, 'crossEntropy');
    assert.ok(Array.isArray(j.architecture) && j.architecture.some((l: any) => l.type === 'Linear' && l.shapes.weight));
    assert.equal(j.splits.train + j.splits.validation + j.splits.test, 344 - j.splits.leakage.removed.validation - j.splits.leakage.removed.test);
    assert.ok(existsSync(join(cwd, 'proj', 'sixstep.db')));
  });

  it('another --seed reuses the saved split (said in the notes); another --split-seed is refused naming both', () => {
    const a = sixstep(['plan', ...common], cwd);
    assert.equal(a.code, 0, a.stderr);
    const b = sixstep(['plan', ...common, '--seed', '5'], cwd);
    assert.equal(b.code, 0, b.stderr);
    assert.deepEqual(b.json().splits.train, a.json().splits.train);
    assert.match(JSON.stringify(b.json()) + b.stderr, /made with split seed 0\) is reused; seed 5 seeds initialization and shuffles only/);
    const c = sixstep(['plan', ...common, '--split-seed', '5'], cwd);
    assert.equal(c.code, 2, c.stderr);
    assert.match(c.stderr, /--split-seed 0 → 5/);
    const d = sixstep(['plan', ...common, '--split-seed', '-1'], cwd);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /--split-seed/);
  });

  it('lr-find gives the suggestion, the four fastai rules and a plot', () => {
    const r = sixstep(['lr-find', ...common], cwd);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    for (const k of ['suggestion', 'steep', 'valley', 'minimum', 'slide']) assert.ok(j[k] > 0 && j[k] < 10, k);
    assert.ok(existsSync(j.plot) && j.plot.endsWith('.svg'));
    assert.ok(existsSync(j.png));
  });

  it('fit trains, beats the baseline and saves a model directory', () => {
    const r = sixstep(['fit', ...common, '--epochs', '8'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    assert.ok(j.metrics.validation.accuracy > 0.9, `validation accuracy ${j.metrics.validation.accuracy}`);
    assert.ok(j.metrics.validation.loss < j.baseline.loss);
    assert.ok(existsSync(join(j.model, 'model.safetensors')) && existsSync(join(j.model, 'manifest.json')));
    assert.ok(j.decisions.length >= 2 && j.decisions.every((d: any) => d.step === 3 && d.reason));
    assert.match(r.stderr, /epoch 8\/8/, 'progress on stderr');
    // The saved model is the best epoch's; the summary says which, and its numbers are that epoch's.
    assert.ok(j.savedEpoch >= 1 && j.savedEpoch <= 8);
    assert.equal(j.best.epoch, j.savedEpoch);
    assert.equal(j.metrics.validation.loss, j.best.validLoss);
  });

  it('tune runs a seeded random search and reports every trial', () => {
    const r = sixstep(['tune', ...common, '--trials', '3', '--epochs', '3'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    assert.equal(j.trials.length, 3);
    assert.ok(j.best && Number.isFinite(j.best.value));
    assert.ok(new Set(j.trials.map((t: any) => t.params.learningRate)).size === 3);
    // The best trial's model directory is kept (and only it).
    assert.ok(j.model && existsSync(join(j.model, 'model.safetensors')), 'the best trial\'s model is saved');
    assert.ok(j.model.endsWith(j.best.runId));
    for (const t of j.trials) if (t.runId !== j.best.runId) assert.ok(!existsSync(join(cwd, 'proj', 'models', t.runId)), 'other trials leave no model');
  });

  it('bad input: a clear message naming the problem; exit 3 for bad data, 2 for a column the data lacks', () => {
    const wrong = sixstep(['plan', '--data', penguins, '--target', 'species', '--project', 'proj'], cwd);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /penguins\.json:1: expected a target column named "species", found columns "Species".*did you mean "Species"\?/);
    const missing = sixstep(['plan', '--data', 'nope.csv', '--target', 'y'], cwd);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /nope\.csv/);
    writeFileSync(join(cwd, 'bad.csv'), 'a,b,y\n1,2,0\n3,"x,1\n5,6,1\n');
    const malformed = sixstep(['plan', '--data', 'bad.csv', '--target', 'y'], cwd);
    assert.equal(malformed.code, 3);
    assert.match(malformed.stderr, /bad\.csv:\d+: expected/);
    const usage = sixstep(['fit'], cwd);
    assert.notEqual(usage.code, 0);
    assert.match(usage.stderr, /--data/);
  });
});
