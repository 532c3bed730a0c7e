// The linear reference solved to its optimum: L-BFGS on the full-batch
// training loss plus the L2 penalty leaves the model at a point whose loss the
// loop measures independently, far below what a few Adam steps reach, and the
// linear reference reports the solver's verdict.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare, type Prepared } from '../../src/data/prepare.js';
import { Rng } from '../../src/data/index.js';
import { makePlan } from '../../src/steps/plan.js';
import { fitModel } from '../../src/steps/fit.js';
import { linearSpec, fitLinearReference } from '../../src/steps/linear_reference.js';
import { penalized, solveLinear } from '../../src/steps/linear_solve.js';
import { tidy, type Tensor } from '../../src/tensor/index.js';
import { protocolFor } from '../../src/steps/protocol_of.js';
import { tuning } from '../../src/steps/tuning_guard.js';
import { evalLoss, measureLoss, recordSplit, splitManifestPath } from '../../src/protocol/index.js';
import { noLeaks } from '../helpers.js';

/** Three classes from a noisy linear score of four columns (overlapping: the optimum is finite without a penalty). */
function noisyTable(rows: number): string {
  const rng = new Rng(7);
  const lines = ['y,a,b,c,d'];
  for (let r = 0; r < rows; r++) {
    const x = [0, 1, 2, 3].map(() => rng.uniform(-1, 1));
    const s = 2 * x[0] - x[1] + 0.5 * x[2] + rng.uniform(-1.2, 1.2);
    lines.push(`${s > 0.6 ? 'high' : s < -0.6 ? 'low' : 'mid'},${x.map((v) => v.toFixed(4)).join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

async function table(rows: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-solve-'));
  const data = join(dir, 'd.csv');
  writeFileSync(data, noisyTable(rows));
  const p = await prepare({ data, target: 'y', projectDir: dir });
  return { p, split: await recordSplit(p, splitManifestPath(dir, data)) };
}

/** `read` applied to the inputs of a split's first 1,000 rows, the batch released after. */
function onRows<T>(p: Prepared, which: 'train' | 'validation', read: (x: Tensor) => T): T {
  const source = p.loader(which, { batchSize: 1000 });
  try {
    const b = [...source.batches(0)][0];
    try {
      return read(b.x);
    } finally {
      b.x.dispose();
      b.y.dispose();
    }
  } finally {
    source.dispose();
  }
}

describe('the linear reference solved by L-BFGS', () => {
  it('ends at the optimum of the full-batch loss plus its penalty, below a few Adam steps', () => noLeaks(async () => {
    const { p } = await table(600);
    const plan = makePlan(p);
    const lin = linearSpec(p);
    assert.ok(lin.spec);
    const penalty = 1e-3;
    const fit = await fitModel(p, { spec: lin.spec, cost: plan.cost, optimizer: 'adam', lr: 5e-2, epochs: 1, batchSize: 256, weightDecay: penalty });
    try {
      const source = p.loader('train', { batchSize: 10000 });
      try {
        // The intercepts are not penalized.
        const penaltyOf = () => (penalty / 2) * fit.model.namedParameters().filter(([n]) => !n.endsWith('bias')).reduce((s, [, q]) => s + (q.data() as Float32Array).reduce((a, v) => a + v * v, 0), 0);
        const before = evalLoss(fit.model, measureLoss(plan.cost), source) + penaltyOf();
        const r = solveLinear(p, fit.model, plan.cost, penalty);
        assert.ok(r.converged, r.reason);
        const after = evalLoss(fit.model, measureLoss(plan.cost), source) + penaltyOf();
        assert.ok(Math.abs(after - r.loss) < 1e-5, `the model holds the solver's point: ${after} against ${r.loss}`);
        assert.ok(after < before - 0.01, `L-BFGS ${after} against Adam's ${before}`);
        // From the optimum it cannot go lower: solved again, the loss stays.
        const again = solveLinear(p, fit.model, plan.cost, penalty);
        assert.ok(again.loss > r.loss - 1e-6, `${again.loss} against ${r.loss}`);
      } finally {
        source.dispose();
      }
    } finally {
      fit.dispose();
    }
  }));

  it('regression is solved scale-free: the same penalty fits y and 1000·y to the same standardized predictions', () => noLeaks(async () => {
    const fitted = async (k: number) => {
      const rng = new Rng(9);
      const lines = ['y,a,b,c'];
      for (let r = 0; r < 120; r++) {
        const x = [0, 1, 2].map(() => rng.uniform(-1, 1));
        lines.push(`${(k * (3 + x[0] - 2 * x[1] + rng.uniform(-1.5, 1.5))).toFixed(6)},${x.map((v) => v.toFixed(4)).join(',')}`);
      }
      const dir = mkdtempSync(join(tmpdir(), 'sixstep-solve-reg-'));
      const data = join(dir, 'd.csv');
      writeFileSync(data, `${lines.join('\n')}\n`);
      const p = await prepare({ data, target: 'y', projectDir: dir, splitSeed: 1 });
      const plan = makePlan(p);
      const fit = await fitModel(p, { spec: linearSpec(p).spec!, cost: plan.cost, optimizer: 'adam', lr: 5e-2, epochs: 1, batchSize: 256, weightDecay: 0.1 });
      try {
        const r = solveLinear(p, fit.model, plan.cost, 0.1);
        assert.ok(r.converged, r.reason);
        return { loss: r.loss, predictions: onRows(p, 'validation', (x) => tidy(() => Array.from(fit.model.forward(x).data() as Float32Array, (v) => v / k))) };
      } finally {
        fit.dispose();
      }
    };
    const [unit, thousand] = [await fitted(1), await fitted(1000)];
    unit.predictions.forEach((v, i) => assert.ok(Math.abs(v - thousand.predictions[i]) < 1e-3 * Math.max(1, Math.abs(v)), `row ${i}: ${v} against ${thousand.predictions[i]}`));
    assert.ok(thousand.loss > 1e5, `the loss is reported in the target's own units: ${thousand.loss}`);
  }));

  it('leaves the intercepts unpenalized: a strong penalty shrinks noise inputs\' weights to the class prior, not to uniform classes', () => noLeaks(async () => {
    const rng = new Rng(21);
    const lines = ['y,a,b'];
    for (let r = 0; r < 400; r++) lines.push(`${r % 5 === 0 ? 'rare' : 'common'},${rng.uniform(-1, 1).toFixed(4)},${rng.uniform(-1, 1).toFixed(4)}`);
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-solve-prior-'));
    const data = join(dir, 'd.csv');
    writeFileSync(data, `${lines.join('\n')}\n`);
    const p = await prepare({ data, target: 'y', projectDir: dir });
    const plan = makePlan(p);
    const fit = await fitModel(p, { spec: linearSpec(p).spec!, cost: plan.cost, optimizer: 'adam', lr: 5e-2, epochs: 1, batchSize: 256 });
    try {
      const r = solveLinear(p, fit.model, plan.cost, 100);
      assert.ok(r.converged, r.reason);
      const mask = penalized(fit.model);
      assert.ok(mask.includes(0) && mask.includes(1), 'weights penalized, intercepts not');
      const common = p.targets('train').filter((t) => p.classes![t] === 'common').length / p.counts.train;
      const k = p.classes!.indexOf('common');
      // Binary: one logit for the second class; otherwise a softmax over both.
      const pCommon = onRows(p, 'train', (x) =>
        tidy(() => {
          const out = fit.model.forward(x);
          const probs = out.shape[1] === 1 ? out.sigmoid().reshape(-1) : out.softmax(1).select(1, k);
          return Array.from((out.shape[1] === 1 && k === 0 ? probs.neg().add(1) : probs).data() as Float32Array);
        }),
      );
      const mean = pCommon.reduce((a, v) => a + v, 0) / pCommon.length;
      assert.ok(Math.abs(mean - common) < 0.02, `the mean probability of "common" ${mean} is its share ${common}, not 0.5`);
    } finally {
      fit.dispose();
    }
  }));

  it('the linear reference reports the solver and is converged', () => noLeaks(async () => {
    const { p, split } = await table(600);
    const ref = (await tuning(() => fitLinearReference(protocolFor(makePlan(p), split), p, { seed: 0 })))!;
    assert.ok(ref.converged, `${ref.solver}`);
    assert.match(ref.solver ?? '', /^L-BFGS, \d+ iterations: /);
  }));
});
