// `auto --budget` is the whole command's wall time: a run on small data given
// a tiny budget ends within it (measured around the CLI process, from spawn to
// exit), and its plan is a logged decision that quotes the numbers it used.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
/** Minutes: 30 s for the whole command. */
const BUDGET = 0.5;
/** Allowed overrun: 10 % of the budget (the last epoch's length and process exit are not planned to the millisecond). */
const TOLERANCE = 0.1;

describe('auto --budget', () => {
  it('ends within its budget, measured around the whole process', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sixstep-budget-'));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cli, 'auto', '--data', join(root, 'data', 'penguins.json'), '--target', 'Species', '--budget', String(BUDGET), '--json'], { cwd, encoding: 'utf8', timeout: 120_000 });
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(r.status, 0, r.stderr);
    assert.ok(seconds <= BUDGET * 60 * (1 + TOLERANCE), `the command took ${seconds.toFixed(1)} s of a ${BUDGET * 60} s budget`);
    const j = JSON.parse(r.stdout);
    assert.equal(j.status, 'finished');
    assert.ok(Number.isFinite(j.metrics.test.loss));
    const planDecision = j.decisions.find((d: any) => d.action === 'plan the time budget');
    assert.ok(planDecision, 'the plan is a decision');
    const n = planDecision.numbers;
    assert.equal(n.totalSeconds, BUDGET * 60);
    for (const k of ['secondsPerEpoch', 'reserveSeconds', 'elapsedSeconds', 'availableSeconds', 'explorationSeconds', 'trainingSeconds', 'step3Epochs']) assert.ok(Number.isFinite(n[k]), k);
    assert.ok(n.elapsedSeconds > 0, 'data loading counts against the budget');
    assert.match(planDecision.reason, /s per epoch/);
  });
});
