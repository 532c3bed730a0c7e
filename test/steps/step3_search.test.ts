// Step 3's random search inside the autopilot: a basic recipe that cannot fit
// the training set (a bias gap) gets the search before any no-signal verdict;
// one that fits does not. The bias rule itself is a pure, scale-free function.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../src/data/prepare.js';
import { makePlan } from '../../src/steps/plan.js';
import { autopilot } from '../../src/steps/autopilot.js';
import { biasGap } from '../../src/steps/bias_rule.js';
import { Rng } from '../../src/data/index.js';
import { noLeaks } from '../helpers.js';

describe('the bias rule', () => {
  it('open when the training loss removes less than half of the baseline\'s loss; scale-free', () => {
    assert.equal(biasGap(0.6, 1).open, true);
    assert.equal(biasGap(0.4, 1).open, false);
    assert.equal(biasGap(NaN, 1).open, true);
    for (const k of [1e3, 1e-3]) {
      assert.equal(biasGap(0.6 * k, 1 * k).open, true);
      assert.equal(biasGap(0.4 * k, 1 * k).open, false);
    }
    assert.match(biasGap(0.6, 1).reason, /40\.0 %.*at least 50\.0 %/);
  });
});

/** y = x0·x1 > 0 (XOR of signs): two hidden units of the midpoint rule cannot fit it; a wider or deeper net can. */
function xor(rows: number): string {
  const rng = new Rng(5);
  const lines = ['y,x0,x1'];
  for (let r = 0; r < rows; r++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    lines.push(`${a * b > 0 ? 'same' : 'diff'},${a.toFixed(4)},${b.toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('the autopilot\'s step-3 random search', () => {
  it('a bias gap after the basic recipe: random search before the verdict, its best trial adopted', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-search-'));
    writeFileSync(join(dir, 'd.csv'), xor(500));
    const p = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
    const plan = makePlan(p, { hidden: [1] });
    const r = await autopilot({ plan, store: null, runId: 'search-test', runDir: join(dir, 'run'), budgetMinutes: 2, budget: { epochCap: { tabular: 8, sequence: 8, image: 8 } } });
    try {
      const s3 = r.state.decisions.filter((d) => d.step === 3).map((d) => d.action);
      const search = s3.findIndex((a) => a.startsWith('random search'));
      const verdict = s3.findIndex((a) => a === 'stop: no signal' || a === 'training set fitted');
      assert.ok(search >= 0, `the search ran: ${s3.join(' | ')}`);
      assert.ok(search < verdict, 'before the verdict');
      assert.ok(s3.some((a) => a.startsWith('adopt the search')), `a better trial is adopted: ${s3.join(' | ')}`);
      assert.equal(r.state.final!.candidate.label.startsWith('searched'), true);
      assert.ok(r.state.decisions.filter((d) => d.step === 3).every((d) => d.reason.length > 10));
    } finally {
      r.dispose();
    }
  }));

  it('a basic recipe that fits the training set: no search', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-nosearch-'));
    const rng = new Rng(2);
    const lines = ['y,x0,x1'];
    for (let i = 0; i < 300; i++) {
      const a = rng.uniform(-1, 1);
      lines.push(`${a > 0 ? 'pos' : 'neg'},${a.toFixed(4)},${rng.uniform(-1, 1).toFixed(4)}`);
    }
    writeFileSync(join(dir, 'd.csv'), `${lines.join('\n')}\n`);
    const p = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
    const r = await autopilot({ plan: makePlan(p), store: null, runId: 'nosearch', runDir: join(dir, 'run'), budgetMinutes: 1, budget: { epochCap: { tabular: 10, sequence: 8, image: 8 } } });
    try {
      assert.ok(!r.state.decisions.some((d) => d.action.startsWith('random search')), r.state.decisions.map((d) => d.action).join(' | '));
    } finally {
      r.dispose();
    }
  }));
});
