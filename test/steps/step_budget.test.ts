// Budget spent where the decision needs it: the final training sized in
// optimizer steps (a fraction of an epoch allowed) and re-planned when its
// pace slips, the paced schedule on a fake clock, the final-training rule
// while a bias gap is open, and permutation importance planned inside its
// time allowance with the cap stated.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planSteps, replanSteps, stepSeconds, stepPace, splitBudget } from '../../src/steps/budget_plan.js';
import { linearCapSeconds, fitsLinearReference } from '../../src/pipeline/auto/linear_stage.js';
import { Deadlines, AUTOPILOT_BUDGET } from '../../src/pipeline/auto/context.js';
import { augmentFinalTraining, finalEpochCap, finalTrainingReason, keepContinuedTraining, LONG_TRAINING_EPOCHS, MEMORIZING_PARAMETERS_PER_IMAGE, noAugmentationReason } from '../../src/steps/final_rule.js';
import { acceptBestOf } from '../../src/protocol/index.js';
import { finderIterations, type BudgetPhases } from '../../src/steps/budget_phases.js';
import { PacedSchedule, CancelTrain, CancelFit, type Learner } from '../../src/train/index.js';
import { permutationPlan, PERMUTATION_MAX_FEATURES } from '../../src/interpret/permutation_plan.js';
import { permutationImportance } from '../../src/interpret/permutation_importance.js';
import { importanceSeconds } from '../../src/pipeline/auto.js';
import { prepare } from '../../src/data/prepare.js';
import { makePlan } from '../../src/steps/plan.js';
import { fitModel } from '../../src/steps/fit.js';
import { Rng } from '../../src/data/index.js';
import { noLeaks } from '../helpers.js';

describe('planSteps: the final training in steps', () => {
  const base = { secondsPerStep: 0.1, validationSeconds: 2, stepsPerEpoch: 50, maxSteps: 10_000, margin: 1 };
  it('whole epochs, then a part of one: the time left is not rounded down to an epoch', () => {
    // 7 s per epoch (50 × 0.1 + 2): 10 s is one epoch and 10 steps (1 + 2 validations × 2 s = 10 s).
    const p = planSteps({ ...base, secondsLeft: 10 });
    assert.equal(p.steps, 60);
    assert.equal(p.epochs, 1.2);
    assert.equal(p.validations, 2);
    assert.equal(p.plannedSeconds, 10);
    assert.match(p.arithmetic, /1 epoch\(s\) of 50 steps \+ 10 step\(s\) = 60/);
    assert.equal(planSteps({ ...base, secondsLeft: 98 }).steps, 700);
  });
  it('the cap, and too little time', () => {
    const capped = planSteps({ ...base, secondsLeft: 1000, maxSteps: 120 });
    assert.deepEqual([capped.steps, capped.boundBy], [120, 'cap']);
    const none = planSteps({ ...base, secondsLeft: 1.5 });
    assert.deepEqual([none.steps, none.boundBy], [0, 'too little time']);
  });
  it('on any measured times: the plan fits, and one step more would not (unless capped)', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 500; t++) {
      const i = { secondsLeft: rng.uniform(0, 300), secondsPerStep: rng.uniform(0.001, 0.5), validationSeconds: rng.uniform(0, 5), stepsPerEpoch: 1 + Math.floor(rng.uniform(0, 200)), maxSteps: 1 + Math.floor(rng.uniform(0, 5000)), margin: rng.uniform(1, 1.2) };
      const p = planSteps(i);
      assert.ok(stepSeconds(p.steps, i) <= i.secondsLeft + 1e-9, JSON.stringify({ i, p }));
      if (p.boundBy !== 'cap') assert.ok(stepSeconds(p.steps + 1, i) > i.secondsLeft - 1e-9, JSON.stringify({ i, p }));
    }
  });
  it("step 3's epoch time as step and validation times", () => {
    // 100 s over 900 training and 300 validation rows at batch 100: validation 100·300/3000 = 10 s, 9 steps of 10 s.
    const pace = stepPace(100, 900, 300, 100);
    assert.deepEqual([pace.stepsPerEpoch, pace.validationSeconds, pace.secondsPerStep], [9, 10, 10]);
  });
});

describe('the linear reference inside the plan', () => {
  it('its cap comes off the available time, named in the arithmetic', () => {
    assert.deepEqual([linearCapSeconds(30), linearCapSeconds(600), linearCapSeconds(5)], [3, 30, 1]);
    const s = splitBudget({ totalSeconds: 30, elapsedSeconds: 11, reserveSeconds: 3, linearSeconds: 3 });
    assert.equal(s.availableSeconds, 13);
    assert.match(s.arithmetic, /− 3\.0 s for the linear reference \(its cap\)/);
    assert.equal(fitsLinearReference('image', false), false);
    assert.equal(fitsLinearReference('tabular', true), false);
    assert.equal(fitsLinearReference('tabular', false), true);
  });
});

describe('the search deadline follows the plan', () => {
  it("planned: between step 3's end and the ladder's where the shares place it, counted from the plan's end; unplanned: its share of the budget", () => {
    const phases = { step3End: 10, ladderEnd: 30, finalEnd: 40 } as unknown as BudgetPhases;
    const planned = new Deadlines(0, 60_000, AUTOPILOT_BUDGET, 'tabular', { phases, at: 5_000 });
    // Tables: (0.5 − 0.35) / (0.7 − 0.35) of the way from 10 s to 30 s.
    const along = (AUTOPILOT_BUDGET.searchShare.tabular - AUTOPILOT_BUDGET.step3Share.tabular) / (AUTOPILOT_BUDGET.ladderShare.tabular - AUTOPILOT_BUDGET.step3Share.tabular);
    assert.ok(Math.abs(planned.search - (5_000 + (10 + 20 * along) * 1000)) < 1e-6);
    // A search share of 0 gives it no time of its own: its deadline is the budget's start.
    assert.equal(new Deadlines(0, 60_000, { ...AUTOPILOT_BUDGET, searchShare: { tabular: 0, sequence: 0, image: 0 } }, 'tabular', { phases, at: 5_000 }).search, 0);
    assert.equal(planned.step3, 15_000);
    assert.equal(new Deadlines(0, 60_000, AUTOPILOT_BUDGET, 'tabular', null).search, 60_000 * AUTOPILOT_BUDGET.searchShare.tabular);
  });
});

describe("the finder's sweep in its share of step 3", () => {
  it('every kind: 20 % of step 3 over two sweeps, between 30 and 100 batches', () => {
    // 0.2 × 100 s / (2 × 0.05 s) = 200 → 100; 0.2 × 10 / 0.1 = 20 → 30; no time at all: 30.
    assert.equal(finderIterations(100, 0.05), 100);
    assert.equal(finderIterations(10, 0.05), 30);
    assert.equal(finderIterations(40, 0.05), 80);
    assert.equal(finderIterations(0, 0.2), 30);
  });
});

describe('replanSteps: re-planning when the pace slips', () => {
  const i = { stepsPerEpoch: 50, validationSeconds: 2, margin: 1, maxSteps: 10_000 };
  it('on pace, the plan stands', () => {
    // 100 steps left at 0.1 s and 2 validations = 14 s, against 14 s left.
    const r = replanSteps({ ...i, stepsDone: 100, plannedSteps: 200, secondsPerStep: 0.1, secondsLeft: 14 });
    assert.equal(r.changed, false);
    assert.equal(r.steps, 200);
  });
  it('a machine twice as slow: fewer steps, and what is left fits the time left', () => {
    const r = replanSteps({ ...i, stepsDone: 100, plannedSteps: 200, secondsPerStep: 0.2, secondsLeft: 14 });
    assert.ok(r.changed && r.steps < 200, r.arithmetic);
    assert.ok(stepSeconds(r.steps - 100, { ...i, secondsPerStep: 0.2 }) <= 14 + 1e-9, r.arithmetic);
    assert.match(r.arithmetic, /200 → \d+ steps/);
  });
  it('a faster pace: more steps, never past the cap', () => {
    const r = replanSteps({ ...i, stepsDone: 100, plannedSteps: 200, secondsPerStep: 0.05, secondsLeft: 14 });
    assert.ok(r.changed && r.steps > 200, r.arithmetic);
    assert.equal(replanSteps({ ...i, maxSteps: 210, stepsDone: 100, plannedSteps: 200, secondsPerStep: 0.05, secondsLeft: 14 }).steps, 210);
  });
  it('no time left: the steps taken are the total (the training ends)', () => {
    assert.equal(replanSteps({ ...i, stepsDone: 100, plannedSteps: 200, secondsPerStep: 0.1, secondsLeft: 0 }).steps, 100);
  });
});

/** A learner as the paced schedule reads it. */
const learner = (epoch = 0, nEpochs = 10) => ({ training: true, epoch, startEpoch: 0, nEpochs }) as unknown as Learner;

describe('PacedSchedule on a fake clock', () => {
  it('re-planned to fewer steps, the schedule still reaches its end at the new total, and the training stops there', () => {
    let now = 0;
    let stepped = 0;
    const schedule = { step: () => stepped++, stateDict: () => ({}), loadStateDict: () => {} };
    const replans: Array<[number, number]> = [];
    // Planned 100 steps; at step 20 the rule says 50.
    const paced = new PacedSchedule({ schedule, plannedSteps: 100, deadline: 1e9, clock: () => now, validationSeconds: 1, every: 20, replan: (r) => ({ steps: 50, changed: r.stepsDone === 20, arithmetic: 'slower' }), onReplan: (from, to) => replans.push([from, to]) });
    const l = learner();
    paced.beforeTrain();
    let stoppedAt = -1;
    for (let k = 1; k <= 100; k++) {
      now += 10;
      paced.afterStep(l);
      try {
        paced.afterBatch(l);
      } catch (e) {
        assert.ok(e instanceof CancelTrain);
        stoppedAt = k;
        break;
      }
    }
    paced.afterTrain();
    assert.deepEqual(replans, [[100, 50]]);
    assert.equal(stoppedAt, 50);
    assert.equal(stepped, 100, 'the schedule ran its whole course (annealed) by step 50');
    assert.throws(() => paced.afterEpoch(l), CancelFit);
  });
  it('stretched to more steps, the schedule never steps past its end; the deadline stops training', () => {
    let now = 0;
    let stepped = 0;
    const schedule = { step: () => stepped++, stateDict: () => ({}), loadStateDict: () => {} };
    const paced = new PacedSchedule({ schedule, plannedSteps: 10, deadline: 1000, clock: () => now, validationSeconds: 0, every: 5, replan: () => ({ steps: 40, changed: true, arithmetic: 'faster' }) });
    const l = learner();
    paced.beforeTrain();
    let k = 0;
    try {
      for (k = 1; k <= 100; k++) {
        now += 20;
        paced.afterStep(l);
        paced.afterBatch(l);
      }
    } catch (e) {
      assert.ok(e instanceof CancelTrain);
    }
    assert.equal(paced.total, 40);
    assert.equal(k, 40, 'stopped at the re-planned total');
    assert.ok(stepped <= 10);
    assert.equal(stepped, 10, 'and reached its end there');
    const late = new PacedSchedule({ schedule: null, plannedSteps: 1000, deadline: 100, clock: () => now, validationSeconds: 0 });
    now = 0;
    late.beforeTrain();
    now = 150;
    late.afterStep(l);
    assert.throws(() => late.afterBatch(l), CancelTrain);
    assert.equal(late.stopped, true);
  });
  it('fitModel trains a fraction of an epoch: the steps planned, an annealed end', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-steps-'));
    const rng = new Rng(3);
    const lines = ['y,x0,x1'];
    for (let r = 0; r < 400; r++) {
      const x = [rng.normal(), rng.normal()];
      lines.push(`${x[0] > 0 ? 'a' : 'b'},${x.map((v) => v.toFixed(4)).join(',')}`);
    }
    writeFileSync(join(dir, 'd.csv'), `${lines.join('\n')}\n`);
    const p = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
    const plan = makePlan(p);
    const spe = Math.ceil(p.counts.train / 32);
    const r = await fitModel(p, { spec: plan.proposal.spec, cost: plan.cost, optimizer: 'adam', lr: 0.01, batchSize: 32, epochs: 2.5, seed: 0 });
    try {
      assert.equal(r.recorder.steps.length, Math.round(spe * 2.5));
      assert.equal(r.history.length, 3, 'three validations: two epochs and the part of one');
      const lrs = r.recorder.steps.map((s) => s.lrs[0]);
      assert.ok(lrs.at(-1)! < 0.01 * 0.05, `annealed at the last step: ${lrs.at(-1)}`);
    } finally {
      r.dispose();
    }
  }));
});

describe('the continued final training against the model it started from', () => {
  const rows = (base: number, n: number, spread: number) => Array.from({ length: n }, (_, i) => base + spread * Math.sin(i * 1.7));
  it('stands when the earlier model is better only within the noise of the rows', () => {
    const noise = rows(0.22, 400, 0.2);
    const r = keepContinuedTraining({ validLoss: 0.2175, rowLosses: noise.map((v, i) => v + (i % 2 ? 0.02 : -0.0172)) }, { validLoss: 0.2161, rowLosses: noise }, acceptBestOf);
    assert.equal(r.keep, true);
    assert.match(r.why, /0\.2175 against the earlier model's 0\.2161.*not better by the paired test/);
  });
  it('gives way when the earlier model is clearly better (a training that went wrong)', () => {
    const r = keepContinuedTraining({ validLoss: 0.6, rowLosses: rows(0.6, 400, 0.05) }, { validLoss: 0.2, rowLosses: rows(0.2, 400, 0.05) }, acceptBestOf);
    assert.equal(r.keep, false);
    assert.match(r.why, /clearly better/);
  });
});

describe('the final training while a bias gap is open', () => {
  it('the time left goes to training longer, never to nothing', () => {
    assert.match(finalTrainingReason({ changed: false, image: false, biasGap: true })!, /bias gap is open/);
    assert.equal(finalTrainingReason({ changed: false, image: false, biasGap: false }), null);
    assert.match(finalTrainingReason({ changed: false, image: false, biasGap: false, behindLinear: true })!, /does not yet beat the linear reference/);
    assert.match(finalTrainingReason({ changed: true, image: false, biasGap: true })!, /ladder found/);
    assert.match(finalTrainingReason({ changed: false, image: true, biasGap: false })!, /training longer/);
  });
});

describe('the final training of a small image set or table', () => {
  it('its cap is at least finalMinSteps optimizer steps when it trains longer; otherwise the epoch cap', () => {
    // 1,920 images in batches of 128: 15 steps an epoch; 50 epochs are 750 steps, 2000 steps are 134 epochs.
    assert.equal(finalEpochCap({ cap: 50, minSteps: 2000, stepsPerEpoch: 15 }), 134);
    assert.equal(finalEpochCap({ cap: 50, minSteps: 0, stepsPerEpoch: 15 }), 50);
    // Fashion-MNIST's 55,000 images: 430 steps an epoch, the epoch cap binds first.
    assert.equal(finalEpochCap({ cap: 50, minSteps: 2000, stepsPerEpoch: 430 }), 50);
  });
  it('augmentation: when the model overfits, or fits its images, will see each one twenty times or more and can memorize them; not while the bias gap is open', () => {
    const many = MEMORIZING_PARAMETERS_PER_IMAGE * 4;
    assert.match(augmentFinalTraining({ overfits: { validLoss: 0.4, trainLoss: 0.1 }, fitted: true, plannedEpochs: 3, parametersPerImage: 0.5 })!, /still overfits \(validation 0\.4000 against training 0\.1000/);
    assert.match(augmentFinalTraining({ overfits: null, fitted: true, plannedEpochs: LONG_TRAINING_EPOCHS, parametersPerImage: many })!, /each training image 20\.0 more times, the model fits them and has 32\.0 parameters per image/);
    assert.equal(augmentFinalTraining({ overfits: null, fitted: true, plannedEpochs: LONG_TRAINING_EPOCHS - 0.5, parametersPerImage: many }), null, 'a short final training: no augmentation');
    assert.equal(augmentFinalTraining({ overfits: null, fitted: false, plannedEpochs: 300, parametersPerImage: many }), null, 'the training set first: augmentation would slow fitting it');
    // Fashion-MNIST's 55,000 images for ResNet-8's 78k parameters: smoothing alone, and the run says why.
    const large = { overfits: null, fitted: true, plannedEpochs: 29.4, parametersPerImage: 78000 / 55000 };
    assert.equal(augmentFinalTraining(large), null, 'too few parameters per image to memorize them');
    assert.match(noAugmentationReason(large)!, /1\.42 parameters per image \(rule: augmented from 8\)/);
    assert.equal(noAugmentationReason({ ...large, parametersPerImage: many }), null, 'augmented: nothing to explain');
    assert.equal(noAugmentationReason({ ...large, plannedEpochs: 5 }), null, 'a short training: nothing to explain');
  });
});

describe('permutation importance inside its time', () => {
  it('every column, every repeat, when they fit', () => {
    assert.deepEqual(permutationPlan({ features: 10, secondsPerPass: 0.1, secondsGiven: 60 }), { features: 10, repeats: 5, sampled: false, note: '' });
  });
  it('repeats come down to 2 first, then the columns are sampled, and the note says so', () => {
    // 30 passes: 10 columns × 3 repeats.
    const fewer = permutationPlan({ features: 10, secondsPerPass: 1, secondsGiven: 30 });
    assert.deepEqual([fewer.features, fewer.repeats, fewer.sampled], [10, 3, false]);
    assert.match(fewer.note, /3 shuffles per column instead of 5/);
    // 3,000 columns and 100 passes: 50 columns × 2.
    const wide = permutationPlan({ features: 3000, secondsPerPass: 0.3, secondsGiven: 30 });
    assert.deepEqual([wide.features, wide.repeats, wide.sampled], [50, 2, true]);
    assert.match(wide.note, /50 of 3000 columns, drawn at random/);
    assert.match(wide.note, /100 pass/);
  });
  it('without a time limit, thousands of columns are capped, stated', () => {
    const p = permutationPlan({ features: 3000, secondsPerPass: 0.01, secondsGiven: Infinity });
    assert.deepEqual([p.features, p.repeats, p.sampled], [PERMUTATION_MAX_FEATURES, 5, true]);
    assert.match(p.note, new RegExp(`at most ${PERMUTATION_MAX_FEATURES}`));
  });
  it('no time: no column, and why', () => {
    const p = permutationPlan({ features: 5, secondsPerPass: 2, secondsGiven: 1 });
    assert.equal(p.features, 0);
    assert.match(p.note, /no column permuted/);
  });
  it('the allowance is also a hard stop between columns: the columns done are kept, and the stop is said', async () => {
    let passes = 0;
    const r = await permutationImportance({ features: ['a', 'b', 'c', 'd'], rows: 4, repeats: 2, outOfTime: () => passes >= 5, loss: async () => (passes++, 1) });
    // The base pass, then a and b (2 passes each): 5 passes, so c is not started.
    assert.deepEqual(r.features.map((f) => f.feature).sort(), ['a', 'b']);
    assert.equal(r.stopped, 2);
  });
  it("auto gives it most of the budget's remainder, after the report's share", () => {
    assert.equal(importanceSeconds(13), 8);
    assert.equal(importanceSeconds(2), 0);
    assert.equal(importanceSeconds(-5), 0);
  });
});
