// Learning-rate schedules against PyTorch's, step by step, plus resuming and differential rates.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tensor, ArgumentError, type Tensor } from '../../src/tensor/index.js';
import { SGD, Adam, type Optimizer } from '../../src/optim/index.js';
import {
  LrScheduler,
  CosineAnnealingWarmRestarts,
  OneCycleLR,
  ExponentialLR,
  StepLR,
  MultiStepLR,
  spreadLr,
  epochsToSteps,
  type LrSchedulerState,
} from '../../src/optim/lr_scheduler/index.js';
import { fixturePath, noLeaks } from '../helpers.js';

interface Case {
  kind: string;
  optimizer: { kind: 'sgd' | 'adam'; lrs: number[]; momentum?: number; betas?: [number, number] };
  options: any;
  steps: number;
  /** Entry k: every group's lr after k scheduler steps. */
  lrs: number[][];
  /** Entry k: SGD momentum or Adam beta1 per group. */
  momentum: number[][];
  beta2?: number[][];
}

const ref: { torch_version: string; cases: Record<string, Case> } = JSON.parse(readFileSync(fixturePath('schedules-reference.json'), 'utf8'));

const RTOL = 1e-12;

const makers: Record<string, (opt: Optimizer, options: any) => LrScheduler> = {
  cosine_warm_restarts: (opt, o) => new CosineAnnealingWarmRestarts(opt, o),
  one_cycle: (opt, o) => new OneCycleLR(opt, o),
  exponential: (opt, o) => new ExponentialLR(opt, o),
  step: (opt, o) => new StepLR(opt, o),
  multi_step: (opt, o) => new MultiStepLR(opt, o),
};

/** An optimizer as the case describes it, one two-element parameter per group. */
function optimizerFor(spec: Case['optimizer']): { opt: Optimizer; params: Tensor[] } {
  const params = spec.lrs.map(() => tensor([1, 2], { requiresGrad: true }));
  const groups = params.map((p, i) => ({ params: [p], lr: spec.lrs[i] }));
  const opt = spec.kind === 'sgd' ? new SGD({ params: groups, lr: spec.lrs[0], momentum: spec.momentum ?? 0 }) : new Adam({ params: groups, lr: spec.lrs[0], betas: spec.betas ?? [0.9, 0.999] });
  return { opt, params };
}

function momentumOf(opt: Optimizer): number[] {
  return opt.groups.map((_, g) => (opt.kind === 'sgd' ? opt.getGroup(g).momentum : opt.getGroup(g).betas[0]));
}

interface Trace {
  lrs: number[][];
  lastLrs: number[][];
  momentum: number[][];
  beta2: number[][];
}

/** Runs a case's training loop (optimizer.step() then scheduler.step()) from `from` to `to` steps. */
function trace(opt: Optimizer, sched: LrScheduler, from: number, to: number): Trace {
  const t: Trace = { lrs: [], lastLrs: [], momentum: [], beta2: [] };
  const record = () => {
    t.lrs.push(opt.lrs);
    t.lastLrs.push(sched.lastLrs);
    t.momentum.push(momentumOf(opt));
    t.beta2.push(opt.groups.map((_, g) => opt.getGroup(g).betas[1]));
  };
  record();
  for (let k = from; k < to; k++) {
    opt.step();
    sched.step();
    record();
  }
  return t;
}

/** Largest relative error over a sequence, failing on any beyond RTOL. */
function assertSequence(actual: number[][], expected: number[][], what: string, expectedOf: (e: number) => number = (e) => e): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let k = 0; k < expected.length; k++) {
    assert.equal(actual[k].length, expected[k].length, `${what}: groups at step ${k}`);
    for (let g = 0; g < expected[k].length; g++) {
      const e = expectedOf(expected[k][g]);
      const a = actual[k][g];
      const rel = e === 0 ? (a === 0 ? 0 : Infinity) : Math.abs(a - e) / Math.abs(e);
      if (!(rel <= RTOL)) assert.fail(`${what}: group ${g} after ${k} steps is ${a}, PyTorch gives ${e} (relative error ${rel})`);
      worst = Math.max(worst, rel);
    }
  }
  return worst;
}

describe(`learning-rate schedules match PyTorch ${ref.torch_version} step by step`, () => {
  it('covers every fixture case', () => {
    for (const [name, c] of Object.entries(ref.cases)) assert.ok(makers[c.kind], `no scheduler for ${name} (${c.kind})`);
  });
  for (const [name, c] of Object.entries(ref.cases)) {
    it(name, (t) => noLeaks(() => {
      const { opt, params } = optimizerFor(c.optimizer);
      const sched = makers[c.kind](opt, c.options);
      const got = trace(opt, sched, 0, c.steps);
      // The optimizer refuses negative rates: where PyTorch's linear one-cycle
      // extrapolates below zero on the step after the last batch, ours holds 0.
      const worst = assertSequence(got.lrs, c.lrs, `${name} lr`, c.kind === 'one_cycle' ? (e) => Math.max(0, e) : undefined);
      assert.deepEqual(got.lastLrs, got.lrs, 'lastLrs is what the optimizer holds');
      const worstMomentum = assertSequence(got.momentum, c.momentum, `${name} momentum`);
      if (c.beta2) assert.deepEqual(got.beta2, c.beta2, 'beta2 is left alone');
      t.diagnostic(`worst relative error: lr ${worst.toExponential(2)}, momentum ${worstMomentum.toExponential(2)}`);
      opt.dispose();
      for (const p of params) p.dispose();
    }));
  }
});

describe('scheduler state', () => {
  for (const [name, c] of Object.entries(ref.cases)) {
    it(`${name} resumes exactly from a JSON stateDict`, () => noLeaks(() => {
      const full = optimizerFor(c.optimizer);
      const wholeSched = makers[c.kind](full.opt, c.options);
      const whole = trace(full.opt, wholeSched, 0, c.steps);

      // Stop somewhere awkward: mid-cycle, mid-phase, off any milestone.
      const at = Math.floor(c.steps * 0.37);
      const first = optimizerFor(c.optimizer);
      const before = makers[c.kind](first.opt, c.options);
      trace(first.opt, before, 0, at);
      const saved = JSON.stringify(before.stateDict());
      assert.equal(before.stepCount, at);

      // A fresh optimizer at its configured rates, as a resumed run builds it.
      const second = optimizerFor(c.optimizer);
      const after = makers[c.kind](second.opt, c.options);
      after.loadStateDict(JSON.parse(saved) as LrSchedulerState);
      assert.equal(after.stepCount, at);
      const rest = trace(second.opt, after, at, c.steps);
      assert.deepEqual(rest.lrs, whole.lrs.slice(at), 'lrs after resuming');
      assert.deepEqual(rest.momentum, whole.momentum.slice(at), 'momentum after resuming');
      assert.deepEqual(after.stateDict(), wholeSched.stateDict(), 'both runs end in the same state');

      for (const o of [full, first, second]) {
        o.opt.dispose();
        for (const p of o.params) p.dispose();
      }
    }));
  }

  it('refuses a state from another kind of schedule or other options', () => noLeaks(() => {
    const { opt, params } = optimizerFor({ kind: 'sgd', lrs: [0.1, 0.01] });
    const state = new StepLR(opt, { stepSize: 10 }).stateDict();
    assert.throws(() => new ExponentialLR(opt, { gamma: 0.9 }).loadStateDict(state), ArgumentError);
    assert.throws(() => new StepLR(opt, { stepSize: 10, gamma: 0.5 }).loadStateDict(state), ArgumentError);
    const cosine = new CosineAnnealingWarmRestarts(opt, { t0: 5 });
    const broken = { ...cosine.stateDict(), counters: { tCur: 5, tI: 5 } };
    assert.throws(() => cosine.loadStateDict(broken), ArgumentError);
    opt.dispose();
    for (const p of params) p.dispose();
  }));

  it('records warm-restart counters and the base rates', () => noLeaks(() => {
    const { opt, params } = optimizerFor({ kind: 'sgd', lrs: [0.1, 0.01] });
    const sched = new CosineAnnealingWarmRestarts(opt, { t0: 3, tMult: 2, etaMin: 1e-3 });
    for (let i = 0; i < 5; i++) sched.step();
    // Cycles of 3 then 6 steps: step 5 is the second step of the second cycle.
    assert.deepEqual(sched.cycle, { tCur: 2, tI: 6 });
    assert.deepEqual(sched.stateDict(), {
      kind: 'cosine_warm_restarts',
      stepCount: 5,
      baseLrs: [0.1, 0.01],
      options: { t0: 3, tMult: 2, etaMin: [1e-3, 1e-3] },
      counters: { tCur: 2, tI: 6 },
    });
    opt.dispose();
    for (const p of params) p.dispose();
  }));
});

describe('schedule behaviour', () => {
  it('one-cycle sets its starting rate and momentum on construction and stops after totalSteps', () => noLeaks(() => {
    const { opt, params } = optimizerFor({ kind: 'adam', lrs: [1, 1], betas: [0.9, 0.98] });
    const sched = new OneCycleLR(opt, { maxLr: [0.01, 0.1], totalSteps: 10 });
    assert.deepEqual(opt.lrs, sched.lastLrs);
    assert.ok(Math.abs(opt.getLr(0) - 0.01 / 25) < 1e-18 && Math.abs(opt.getLr(1) - 0.1 / 25) < 1e-17);
    assert.deepEqual(opt.getGroup(0).betas, [0.95, 0.98]);
    assert.deepEqual(sched.lastMomentums, [0.95, 0.95]);
    for (let i = 0; i < 10; i++) sched.step();
    assert.throws(() => sched.step(), ArgumentError);
    assert.equal(sched.stepCount, 10);
    opt.dispose();
    for (const p of params) p.dispose();
  }));

  it('one-cycle refuses a phase of no length', () => noLeaks(() => {
    const { opt, params } = optimizerFor({ kind: 'sgd', lrs: [0.1], momentum: 0.9 });
    assert.throws(() => new OneCycleLR(opt, { maxLr: 1, totalSteps: 10, pctStart: 0.1 }), ArgumentError);
    opt.dispose();
    for (const p of params) p.dispose();
  }));

  it('warm restarts keep differential rates in ratio when etaMin is 0', () => noLeaks(() => {
    const { opt, params } = optimizerFor({ kind: 'sgd', lrs: spreadLr(1e-4, 1e-2, 3) });
    const sched = new CosineAnnealingWarmRestarts(opt, { t0: epochsToSteps(1.5, 20) });
    for (let i = 0; i < 100; i++) {
      sched.step();
      const [a, b, c] = opt.lrs;
      if (c === 0) continue;
      assert.ok(Math.abs(a / c - 1e-2) < 1e-14 && Math.abs(b / c - 1e-1) < 1e-14, `ratios at step ${i + 1}`);
    }
    assert.equal(sched.t0, 30);
    opt.dispose();
    for (const p of params) p.dispose();
  }));

  it('validates options', () => noLeaks(() => {
    const { opt, params } = optimizerFor({ kind: 'sgd', lrs: [0.1, 0.01] });
    assert.throws(() => new CosineAnnealingWarmRestarts(opt, { t0: 0 }), ArgumentError);
    assert.throws(() => new CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 1.5 }), ArgumentError);
    assert.throws(() => new CosineAnnealingWarmRestarts(opt, { t0: 10, etaMin: [0] }), ArgumentError);
    assert.throws(() => new OneCycleLR(opt, { maxLr: [0.1], totalSteps: 10 }), ArgumentError);
    assert.throws(() => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 }), ArgumentError);
    assert.throws(() => new StepLR(opt, { stepSize: 2.5 }), ArgumentError);
    assert.throws(() => new MultiStepLR(opt, { milestones: [-1] }), ArgumentError);
    assert.throws(() => new ExponentialLR(opt, { gamma: 0 }), ArgumentError);
    assert.throws(() => epochsToSteps(0, 10), ArgumentError);
    assert.equal(epochsToSteps(0.5, 391), 196);
    opt.dispose();
    for (const p of params) p.dispose();
  }));
});

describe('spreadLr (differential learning rates)', () => {
  it("slice(a, b): log-spaced from a to b, exact at both ends", () => {
    const lrs = spreadLr(1e-5, 1e-3, 3);
    assert.equal(lrs[0], 1e-5);
    assert.equal(lrs[2], 1e-3);
    assert.ok(Math.abs(lrs[1] / 1e-4 - 1) < 1e-15);
    const five = spreadLr(1e-6, 1e-2, 5);
    five.forEach((lr, i) => assert.ok(Math.abs(lr / 10 ** (-6 + i) - 1) < 1e-14, `group ${i}: ${lr}`));
    // Constant ratio between neighbours, as fastai's even_mults gives.
    const six = spreadLr(3e-5, 3e-3, 6);
    for (let i = 1; i < 6; i++) assert.ok(Math.abs(six[i] / six[i - 1] / 100 ** (1 / 5) - 1) < 1e-14);
  });

  it('slice(b): b/10 for all but the last group', () => {
    assert.deepEqual(spreadLr(1e-3, undefined, 4), [1e-4, 1e-4, 1e-4, 1e-3]);
  });

  it('a single group is the head and gets the top rate', () => {
    assert.deepEqual(spreadLr(1e-3, undefined, 1), [1e-3]);
    assert.deepEqual(spreadLr(1e-5, 1e-3, 1), [1e-3]);
  });

  it('rejects nonsense', () => {
    assert.throws(() => spreadLr(0, 1e-3, 3), ArgumentError);
    assert.throws(() => spreadLr(1e-5, -1, 3), ArgumentError);
    assert.throws(() => spreadLr(1e-5, 1e-3, 0), ArgumentError);
  });
});
