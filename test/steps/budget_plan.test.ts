// The budget planner: its arithmetic on constructed times, and the promise that
// matters — a planned phase's schedule completes (the learning rate at the last
// planned step is at the schedule's floor), however tight the time given.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { zeros } from '../../src/tensor/index.js';
import { SGD } from '../../src/optim/index.js';
import { makeSchedule, type ScheduleKind } from '../../src/steps/fit.js';
import { planPhase, splitBudget, reserveSeconds, EXPLORATION_SHARE, endRows } from '../../src/steps/budget_plan.js';
import { medianStop } from '../../src/steps/median_stop.js';
import { finderIterations } from '../../src/steps/budget_phases.js';
import { keepIfLower, chooseBatchSize } from '../../src/steps/measured_choice.js';
import { noLeaks } from '../helpers.js';

/** The learning rates a schedule sized to `epochs` gives each batch, and the rate after the last step. */
function rates(kind: ScheduleKind, lr: number, batchesPerEpoch: number, epochs: number): { perBatch: number[]; after: number } {
  const w = zeros([1]);
  w.requiresGrad_(true);
  const opt = new SGD({ params: [w], lr, momentum: 0.9 });
  try {
    const s = makeSchedule(kind, opt, batchesPerEpoch, epochs, { lr })!;
    const perBatch: number[] = [];
    for (let i = 0; i < batchesPerEpoch * epochs; i++) {
      perBatch.push(opt.lrs[0]);
      s.step();
    }
    return { perBatch, after: opt.lrs[0] };
  } finally {
    opt.dispose();
    w.dispose();
  }
}

describe('budget planner', () => {
  it('plans whole epochs inside the time given and quotes its arithmetic', () => {
    const p = planPhase({ secondsGiven: 100, secondsPerEpoch: 9, overheadSeconds: 10, maxEpochs: 30, margin: 1 });
    assert.equal(p.epochs, 10); // ⌊(100 − 10) / 9⌋
    assert.equal(p.boundBy, 'time');
    assert.equal(p.plannedSeconds, 100);
    assert.match(p.arithmetic, /100\.0 s given − 10\.0 s overhead/);
    assert.match(p.arithmetic, /= 10 epoch/);
    const capped = planPhase({ secondsGiven: 1000, secondsPerEpoch: 1, maxEpochs: 12 });
    assert.equal(capped.epochs, 12);
    assert.equal(capped.boundBy, 'cap');
    // Less than one epoch fits: the phase is skipped, never started and cut.
    const none = planPhase({ secondsGiven: 5, secondsPerEpoch: 9, maxEpochs: 30 });
    assert.equal(none.epochs, 0);
    assert.equal(none.boundBy, 'too little time');
    assert.match(none.arithmetic, /skipped rather than cut/);
    assert.throws(() => planPhase({ secondsGiven: 5, secondsPerEpoch: 0, maxEpochs: 3 }), /secondsPerEpoch/);
  });

  it('never leaves a phase unannealed: the rate at the last planned step is at the floor, and the plan fits its time', () => noLeaks(() => {
    const lr = 0.1;
    for (const [given, perEpoch, overhead, cap, batches] of [[60, 7, 3, 30, 5], [13, 4, 0, 30, 3], [1000, 2.5, 20, 8, 4], [31, 10, 0.5, 30, 6], [9.9, 3.3, 0, 30, 2]]) {
      const plan = planPhase({ secondsGiven: given, secondsPerEpoch: perEpoch, overheadSeconds: overhead, maxEpochs: cap });
      assert.ok(plan.epochs >= 1, `${given} s should fit an epoch of ${perEpoch} s`);
      assert.ok(plan.plannedSeconds <= given + 1e-9, `planned ${plan.plannedSeconds} s of ${given}`);
      for (const kind of ['one-cycle', 'warm-restarts'] as const) {
        const floor = kind === 'one-cycle' ? lr / 25 / 1e4 : lr / 100;
        const r = rates(kind, lr, batches, plan.epochs);
        const peak = Math.max(...r.perBatch);
        // After the last planned step the schedule sits exactly on its floor …
        assert.ok(Math.abs(r.after - floor) <= 1e-9 * lr, `${kind}, ${plan.epochs} epochs: ends at ${r.after}, floor ${floor}`);
        // … and the last batch trained in the annealing tail, far below the peak (not cut mid-cycle).
        if (r.perBatch.length >= 4) assert.ok(r.perBatch.at(-1)! < 0.5 * peak, `${kind}: last batch at ${r.perBatch.at(-1)} (peak ${peak})`);
      }
    }
  }));

  it('splits the whole command\'s budget: spent and reserved first, then a minority for exploration', () => {
    const s = splitBudget({ totalSeconds: 900, elapsedSeconds: 40, reserveSeconds: 60 });
    assert.equal(s.availableSeconds, 800);
    assert.equal(s.explorationShare, EXPLORATION_SHARE);
    assert.ok(EXPLORATION_SHARE < 0.5, 'exploration is the minority');
    assert.equal(s.explorationSeconds, 800 * EXPLORATION_SHARE);
    assert.equal(s.trainingSeconds, 800 * (1 - EXPLORATION_SHARE));
    assert.match(s.arithmetic, /900\.0 s budget − 40\.0 s already spent/);
    assert.equal(splitBudget({ totalSeconds: 10, elapsedSeconds: 8, reserveSeconds: 5 }).availableSeconds, 0);
    const r = reserveSeconds({ evalSecondsPerRow: 0.001, rowsEvaluated: 10_000, passes: 2, margin: 1.5, fixedSeconds: 3 });
    assert.equal(r.seconds, 0.001 * 10_000 * 2 * 1.5 + 3);
    assert.match(r.arithmetic, /1\.00 ms per row × 10000 rows × 2 pass/);
    // The end's rows on Fashion-MNIST (55,000 / 5,000 / 10,000), at the measured default margin of 2.
    assert.equal(endRows({ train: 55_000, validation: 5_000, test: 10_000 }), 105_000);
    assert.equal(reserveSeconds({ evalSecondsPerRow: 1e-4, rowsEvaluated: 105_000 }).seconds, 1e-4 * 105_000 * 2 + 3);
  });

  it('the median rule stops only a clearly hopeless probe, never before it has peers', () => {
    assert.equal(medianStop(5, [1]).stop, false, 'one peer is not enough');
    const r = medianStop(1.3, [1.0, 1.1, 1.2]);
    assert.equal(r.median, 1.1);
    assert.ok(Math.abs(r.limit - 1.21) < 1e-12);
    assert.equal(r.stop, true);
    assert.equal(medianStop(1.2, [1.0, 1.1, 1.2]).stop, false, 'within 10 % of the median');
    assert.equal(medianStop(NaN, [1, 1]).stop, true, 'a diverged probe');
  });

  it('options and batch sizes are kept only when measured better', () => {
    const yes = keepIfLower({ option: 'x', withLoss: 0.30, withoutLoss: 0.32, baselineLoss: 2.3 });
    assert.equal(yes.keep, true);
    assert.ok(Math.abs(yes.needed - 0.0046) < 1e-12);
    assert.equal(keepIfLower({ option: 'x', withLoss: 0.318, withoutLoss: 0.32, baselineLoss: 2.3 }).keep, false, 'a gain below 0.2 % of the baseline is noise');
    assert.equal(keepIfLower({ option: 'x', withLoss: 0.33, withoutLoss: 0.32, baselineLoss: 2.3 }).keep, false);
    const t = [{ batchSize: 64, samplesPerSecond: 1000 }, { batchSize: 128, samplesPerSecond: 1500 }, { batchSize: 256, samplesPerSecond: 1800 }];
    assert.equal(chooseBatchSize(t, 128).batchSize, 256);
    assert.equal(chooseBatchSize(t.map((x) => (x.batchSize === 256 ? { ...x, samplesPerSecond: 1600 } : x)), 128).batchSize, 128, 'under 10 % faster: keep');
    assert.match(chooseBatchSize(t, 128).why, /256: 1800\/s/);
  });
});

describe('the learning-rate finder in the budget', () => {
  it('its two sweeps take at most a fifth of step 3, 30 to 100 batches each, whatever the kind of data', () => {
    // The newcomer's short texts: step 3 of a 3-minute budget ≈ 52 s, 1.12 s per batch of a 44-batch epoch.
    assert.equal(finderIterations(52, 1.12), 30, 'the floor: 2 × 30 batches ≈ 1.4 epochs, where 2 × 100 took 4.5');
    assert.equal(finderIterations(600, 1.12), 53);
    assert.equal(finderIterations(20, 0.003), 100, 'cheap batches: the full sweep');
    assert.equal(finderIterations(0, 0.5), 30);
  });
});
