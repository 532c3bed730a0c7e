// sixstep auto end to end: the JSON summary has every promised field, and a
// run interrupted with Ctrl-C (SIGINT) stops cleanly and resumes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

describe('sixstep auto', () => {
  it('runs steps 1 → 5 on penguins and reports everything', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-auto-'));
    const r = spawnSync(process.execPath, [cli, 'auto', '--data', join(root, 'data', 'penguins.json'), '--target', 'Species', '--budget', '1', '--json'], { cwd, encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const k of ['task', 'costFunction', 'architecture', 'learningRate', 'metrics', 'baseline', 'testEvaluations', 'decisions', 'model', 'report']) assert.ok(k in j, k);
    assert.equal(j.task, 'multiclass');
    for (const s of ['train', 'validation', 'test']) assert.ok(Number.isFinite(j.metrics[s].loss), s);
    assert.ok(j.metrics.test.accuracy >= 0.9, `test accuracy ${j.metrics.test.accuracy}`);
    // The error-analysis metrics, on every split (test as step 5 measured it).
    for (const s of ['train', 'validation', 'test']) {
      for (const k of ['f1', 'macroF1', 'precision', 'recall', 'auc', 'averagePrecision', 'balancedAccuracy', 'logLoss']) assert.ok(Number.isFinite(j.metrics[s][k]), `${s}.${k}`);
    }
    assert.ok(j.metrics.test.macroF1 >= 0.85 && j.metrics.test.auc >= 0.9, JSON.stringify(j.metrics.test));
    // interpret reads the run back: the validation views, and test only as step 5 recorded it.
    const ir = spawnSync(process.execPath, [cli, 'interpret', '--run', j.run, '--json'], { cwd, encoding: 'utf8', timeout: 120_000 });
    assert.equal(ir.status, 0, ir.stderr);
    const v = JSON.parse(ir.stdout);
    for (const k of ['confusionMatrix', 'mostConfused', 'topLosses', 'featureImportance', 'calibration']) assert.ok(v[k] !== undefined && v[k] !== null, k);
    assert.equal(v.confusionMatrix.counts.flat().reduce((a: number, b: number) => a + b, 0), j.splits.validation);
    assert.equal(v.topLosses.length, 10);
    assert.ok(v.topLosses[0].values && 'Island' in v.topLosses[0].values, 'top losses carry the rows');
    assert.ok(v.featureImportance.features.every((f: any) => Number.isFinite(f.mean) && Number.isFinite(f.std)));
    assert.equal(v.test.metrics.macroF1, j.metrics.test.macroF1);
    assert.equal(JSON.parse(readFileSync(join(j.model, 'manifest.json'), 'utf8')).metrics.validation.macroF1, j.metrics.validation.macroF1);
    assert.equal(j.testEvaluations, 1);
    const steps = j.decisions.map((d: any) => d.step);
    assert.deepEqual([...steps].sort(), steps, 'decisions in step order');
    assert.ok(steps.includes(3) && steps.includes(4) && steps.includes(5));
    assert.ok(existsSync(join(j.model, 'model.safetensors')));
    const html = readFileSync(j.report, 'utf8');
    assert.match(html, /<svg/);
    assert.match(html, /Test ledger/);
    assert.match(html, /Gradient norm per step/, 'gradient norms are recorded and charted');
  });

  it('stops cleanly on Ctrl-C, keeps what finished, and --resume continues', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-resume-'));
    // Large enough that step 3 is still running when the signal lands.
    const lines = ['a,b,c,d,y'];
    for (let i = 0; i < 30000; i++) {
      const [a, b, c, d] = [Math.sin(i), Math.cos(i * 0.7), (i % 97) / 97, ((i * 31) % 13) / 13];
      lines.push([a, b, c, d, (2 * a - b + c * d + 0.1 * Math.sin(i * 1.3)).toFixed(5)].map(String).join(','));
    }
    writeFileSync(join(cwd, 'big.csv'), lines.join('\n'));
    const args = [cli, 'auto', '--data', 'big.csv', '--target', 'y', '--budget', '2', '--hidden', '256,256'];
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!sent && /Step 3 — fit the training set/.test(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code: number = await new Promise((res) => child.on('exit', (c) => res(c ?? -1)));
    assert.equal(code, 130, out);
    assert.match(out, /interrupted — continue with --resume/);
    const resumed = spawnSync(process.execPath, [...args, '--resume', '--json'], { cwd, encoding: 'utf8', timeout: 300_000 });
    assert.equal(resumed.status, 0, resumed.stderr);
    const j = JSON.parse(resumed.stdout);
    assert.equal(j.status, 'finished');
    assert.ok(Number.isFinite(j.metrics.test.loss));
    assert.ok(j.decisions.some((d: any) => d.step === 3), 'the decisions of the interrupted part are kept');
    assert.match(resumed.stderr + resumed.stdout, /rmse/);
  });
});
