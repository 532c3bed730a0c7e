// `auto --folds k` end to end on penguins (fast), and its usage errors:
// images or text, k < 2, k above the smallest class — exit 2 naming --folds,
// what it expects and what it found. The plan suggests folds for a small
// validation split.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { openStore } from '../../src/store/index.js';
import { prepare } from '../../src/data/prepare.js';
import { workerArgs } from '../../src/cli/tune_workers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const penguins = join(root, 'data', 'penguins.json');
const sixstep = (args: string[], cwd: string) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });

describe('auto --folds', () => {
  it('penguins with --folds 5: the decisions quote fold means and spreads, the test split is read once by step 5', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-folds-cli-'));
    const r = sixstep(['auto', '--data', penguins, '--target', 'Species', '--folds', '5', '--budget', '1', '--json'], cwd);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const j = JSON.parse(r.stdout);
    assert.equal(j.crossValidation.k, 5);
    assert.equal(j.crossValidation.rows, j.splits.train + j.splits.validation, 'the folds deal the non-test rows');
    assert.equal(j.crossValidation.validLoss.values.length, 5);
    const cv = j.decisions.find((d: any) => /cross-validate the step-3 recipe on 5 folds/.test(d.action));
    assert.ok(cv, 'the folds are a logged decision');
    assert.match(cv.reason, /mean of 5 folds, .*–.*, sd /);
    const fitted = j.decisions.find((d: any) => d.step === 3 && /^training set |^stop: /.test(d.action));
    assert.equal(fitted.numbers.validLoss, j.crossValidation.validLoss.mean, 'the verdict reads the fold mean');
    assert.equal(fitted.numbers.baseline, j.crossValidation.baselineLoss.mean, 'against the baseline on the same folds');
    assert.ok(j.decisions.some((d: any) => /^final model: .*trained on the default split/.test(d.action)), 'what the final model is, as a decision');
    assert.equal(j.testEvaluations, 1);
    assert.ok(j.metrics.test.accuracy > 0.9, `test accuracy ${j.metrics.test.accuracy}`);
  });

  it('usage errors: exit 2 naming --folds, what it expects and what it found', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-folds-usage-'));
    const one = sixstep(['auto', '--data', penguins, '--target', 'Species', '--folds', '1'], cwd);
    assert.equal(one.status, 2);
    assert.match(one.stderr, /--folds expects an integer ≥ 2, found "1"/);
    // Three rows of a rare class: at most 3 folds (after the test split, fewer still).
    const rows = Array.from({ length: 60 }, (_, i) => `${i},${(i * 7) % 13},${i < 4 ? 'rare' : i % 2 ? 'a' : 'b'}`);
    writeFileSync(join(cwd, 'small.csv'), `x,z,y\n${rows.join('\n')}\n`);
    const many = sixstep(['auto', '--data', join(cwd, 'small.csv'), '--target', 'y', '--folds', '10'], cwd);
    assert.equal(many.status, 2, many.stderr);
    assert.match(many.stderr, /--folds expects at most \d+ \(the smallest class, "rare", has \d+ non-test rows; each fold needs one\), found 10/);
    const big = sixstep(['auto', '--data', penguins, '--target', 'Body Mass (g)', '--folds', '100000'], cwd);
    assert.equal(big.status, 2, big.stderr);
    assert.match(big.stderr, /--folds expects at most the \d+ non-test rows, found 100000/);
    const img = join(cwd, 'img');
    for (const c of ['red', 'blue']) {
      mkdirSync(join(img, c), { recursive: true });
      for (let i = 0; i < 8; i++) await sharp({ create: { width: 8, height: 8, channels: 3, background: c === 'red' ? { r: 200 + i, g: 0, b: 0 } : { r: 0, g: 0, b: 200 + i } } }).png().toFile(join(img, c, `${i}.png`));
    }
    const images = sixstep(['auto', '--data', img, '--folds', '3'], cwd);
    assert.equal(images.status, 2, images.stderr);
    assert.match(images.stderr, /--folds cross-validates tables, found images/);
  });

  it('the plan suggests --folds when the validation split is small, without forcing it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-folds-plan-'));
    const r = sixstep(['plan', '--data', penguins, '--target', 'Species', '--json'], cwd);
    assert.equal(r.status, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).foldsAdvice, /the validation split has 52 rows \(under 200\).*--folds 5/);
  });
});

/** The non-test rows of the project's saved split (the same manifest the command used). */
async function nonTestRows(project: string, target: string): Promise<number> {
  const p = await prepare({ data: penguins, target, projectDir: project, seed: 0 });
  return p.counts.train + p.counts.validation;
}

describe('fit --folds', () => {
  it('penguins: per-fold figures with mean, min–max and sd in --json and the run store; the kept model is the default split\'s; the test split is read by nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-fit-folds-'));
    const r = sixstep(['fit', '--data', penguins, '--target', 'Species', '--folds', '3', '--epochs', '4', '--json'], cwd);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const j = JSON.parse(r.stdout);
    const cv = j.crossValidation;
    assert.equal(cv.k, 3);
    assert.equal(cv.perFold.length, 3);
    assert.equal(cv.rows, await nonTestRows(join(cwd, 'sixstep-project'), 'Species'), 'the folds deal exactly the non-test rows');
    assert.equal(cv.perFold.reduce((a: number, f: any) => a + f.validationRows, 0), cv.rows, 'each non-test row validates once');
    for (const f of cv.perFold) assert.equal(f.trainRows + f.validationRows, cv.rows);
    assert.deepEqual(cv.validLoss.values, cv.perFold.map((f: any) => f.validLoss));
    const mean = cv.perFold.reduce((a: number, f: any) => a + f.validLoss, 0) / 3;
    assert.ok(Math.abs(cv.validLoss.mean - mean) < 1e-12);
    assert.equal(cv.validLoss.min, Math.min(...cv.validLoss.values));
    assert.ok(cv.validLoss.std >= 0 && cv.metrics.accuracy.k === 3 && cv.metrics.accuracy.mean > 0.8, JSON.stringify(cv.metrics.accuracy));
    assert.equal(cv.baseline.folds.k, 3);
    assert.deepEqual(j.signal, cv.verdict, 'the signal verdict reads the fold means');
    assert.ok(['fitted', 'bias-gap'].includes(j.signal.verdict) && !j.signal.weak, j.signal.message);
    assert.match(cv.kept, /^final model: the proposed architecture, trained on the default split/);
    assert.ok(j.model, 'the default split\'s model is saved');
    const store = openStore(join(cwd, 'sixstep-project'));
    try {
      const run = store.getRun(j.run)!;
      assert.equal((run.summary as any).crossValidation.validLoss.mean, cv.validLoss.mean, 'recorded with the run');
      assert.equal((run.config as any).folds, 3, 'the run\'s configuration names the folds');
      const d = store.decisionsOf(j.run);
      const cvd = d.find((x) => x.action === 'cross-validate the recipe on 3 folds')!;
      assert.match(cvd.reason, /validation loss .* \(mean of 3 folds, .*–.*, sd .*\), accuracy .*mean of 3 folds/);
      assert.equal((cvd.numbers as any).validLoss.values.length, 3);
      assert.ok(d.some((x) => /^final model: .*trained on the default split/.test(x.action) && /folds measured the recipe/.test(x.reason)));
      assert.equal(store.ledger().length, 0, 'no test evaluation: fit and its folds never read the test split');
    } finally {
      store.close();
    }
    // In the text output: a line per fold, then the spreads.
    const t = sixstep(['fit', '--data', penguins, '--target', 'Species', '--folds', '3', '--epochs', '2', '--project', 'text'], cwd);
    assert.equal(t.status, 0, t.stderr.slice(-2000));
    assert.match(t.stdout, /fold 1 of 3: \d+ training \/ \d+ validation rows, best epoch \d+: validation loss/);
    assert.match(t.stdout, /\nvalidation loss [\d.e-]+ \(mean of 3 folds, /);
    assert.match(t.stdout, /final model: the proposed architecture, trained on the default split/);
  });

  it('regression: each fold\'s output scale from its own training rows; usage errors name --folds', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-fit-folds-reg-'));
    const r = sixstep(['fit', '--data', penguins, '--target', 'Body Mass (g)', '--folds', '3', '--epochs', '3', '--json'], cwd);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const cv = JSON.parse(r.stdout).crossValidation;
    assert.equal(cv.k, 3);
    assert.ok(cv.metrics.rmse && cv.metrics.rmse.values.length === 3, Object.keys(cv.metrics).join());
    // Without the fold's own output scale a fold starts from another mean; here every fold beats the mean baseline.
    assert.ok(cv.validLoss.max < cv.baseline.folds.min, `${cv.validLoss.max} < ${cv.baseline.folds.min}`);
    const bad = sixstep(['fit', '--data', penguins, '--target', 'Species', '--folds', 'two'], cwd);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--folds expects an integer ≥ 2, found "two"/);
    const par = sixstep(['fit', '--data', penguins, '--target', 'Species', '--folds', '3', '--nproc', '2'], cwd);
    assert.equal(par.status, 2, par.stderr);
    assert.match(par.stderr, /--folds 3: the folds train in one process/);
  });
});

describe('tune --folds', () => {
  it('each trial scored by its mean over the folds; the best trial\'s configuration trained on the default split, the decision quoting mean and spread; the test split read by nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-tune-folds-'));
    const r = sixstep(['tune', '--data', penguins, '--target', 'Species', '--folds', '3', '--trials', '3', '--epochs', '2', '--warmup', '2', '--json'], cwd);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const j = JSON.parse(r.stdout);
    assert.equal(j.crossValidation.k, 3);
    assert.equal(j.crossValidation.rows, await nonTestRows(join(cwd, 'sixstep-project'), 'Species'));
    const store = openStore(join(cwd, 'sixstep-project'));
    try {
      for (const t of j.trials.filter((x: any) => x.state === 'complete')) {
        const f = (store.getRun(t.runId)!.summary as any).folds;
        assert.equal(f.k, 3);
        assert.equal(f.value.values.length, 3);
        assert.ok(Math.abs(f.value.mean - t.value) < 1e-12, 'the trial\'s value is the mean over its folds');
        assert.equal(f.fingerprint, j.crossValidation.fingerprint);
      }
      assert.deepEqual(j.crossValidation.best.value.mean, j.best.value);
      const d = store.decisionsOf(j.crossValidation.modelRun);
      const choose = d.find((x) => x.action === `choose trial ${j.best.number} by the mean over 3 folds`)!;
      assert.match(choose.reason, /\(mean of 3 folds, .*–.*, sd .*\)/);
      assert.ok(d.some((x) => /^final model: trial \d+ .*trained on the default split/.test(x.action)));
      assert.equal(store.getRun(j.crossValidation.modelRun)!.kind, 'fit');
      assert.match(j.model, new RegExp(j.crossValidation.modelRun));
      assert.equal(store.ledger().length, 0, 'no test evaluation');
    } finally {
      store.close();
    }
    const bad = sixstep(['tune', '--data', penguins, '--target', 'Species', '--folds', '1'], cwd);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--folds expects an integer ≥ 2, found "1"/);
  });

  it('--workers: every worker receives --folds and deals the same folds as the parent', () => {
    assert.deepEqual(workerArgs(['tune', '--folds', '3', '--workers', '2'], 's'), ['tune', '--folds', '3', '--study', 's']);
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-tune-folds-w-'));
    const r = sixstep(['tune', '--data', penguins, '--target', 'Species', '--folds', '3', '--trials', '4', '--epochs', '2', '--warmup', '2', '--workers', '2', '--json'], cwd);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const j = JSON.parse(r.stdout);
    const store = openStore(join(cwd, 'sixstep-project'));
    try {
      const complete = j.trials.filter((x: any) => x.state === 'complete');
      assert.ok(complete.length >= 2, `${complete.length} complete trials`);
      // Every trial ran in a worker process (the parent runs none): each worker dealt the folds itself.
      assert.ok(complete.every((t: any) => t.claimedBy && !t.claimedBy.endsWith(`:${process.pid}`)));
      for (const t of complete) assert.equal((store.getRun(t.runId)!.summary as any).folds.fingerprint, j.crossValidation.fingerprint, `trial ${t.number} on the parent's folds`);
    } finally {
      store.close();
    }
    assert.ok(j.model);
  });
});
