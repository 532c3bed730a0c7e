// `fit` hands on (and saves) the best epoch's weights: the model returned
// scores exactly the best epoch's validation loss, whichever epoch that was,
// and the run's schedule ends annealed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../src/data/prepare.js';
import { makePlan } from '../../src/steps/plan.js';
import { fitTrainingSet } from '../../src/steps/fit_training_set.js';
import { evalLoss } from '../../src/protocol/measure.js';
import { Rng } from '../../src/data/index.js';
import { noLeaks } from '../helpers.js';

function table(): string {
  const rng = new Rng(3);
  const lines = ['y,x0,x1,x2'];
  for (let r = 0; r < 300; r++) {
    const x = [rng.normal(), rng.normal(), rng.normal()];
    lines.push(`${x[0] + 0.8 * rng.normal() > 0 ? 'a' : 'b'},${x.map((v) => v.toFixed(4)).join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('fit keeps the best epoch', () => {
  it('the returned model is the best epoch\'s (not the last), and the last step ran at the bottom of the schedule', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-best-'));
    writeFileSync(join(dir, 'd.csv'), table());
    const p = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
    const plan = makePlan(p, { hidden: [64] });
    // A large fixed rate on noisy labels: validation loss wanders, so the best epoch is rarely the last.
    const r = await fitTrainingSet(p, { spec: plan.proposal.spec, cost: plan.cost, epochs: 10, optimizer: 'adam', lr: 0.05, seed: 0 });
    try {
      const finite = r.history.filter((h) => Number.isFinite(h.validLoss));
      const min = Math.min(...finite.map((h) => h.validLoss!));
      assert.equal(r.best!.validLoss, min);
      const v = p.loader('validation', { batchSize: 256 });
      try {
        const now = evalLoss(r.model, plan.cost.fn, v);
        assert.ok(Math.abs(now - min) < 1e-5 * Math.max(1, min), `the model scores the best epoch's ${min}, got ${now}`);
      } finally {
        v.dispose();
      }
      const lrs = r.recorder.steps.map((s) => s.lrs[0]);
      assert.ok(lrs.at(-1)! < 0.05 * 0.05, `annealed at the end: ${lrs.at(-1)}`);
      assert.ok(r.recorder.steps.every((s) => typeof s.gradNorm === 'number'), 'gradient norms recorded on every step');
    } finally {
      r.dispose();
    }
  }));
});
