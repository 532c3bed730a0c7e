// Golden decisions per task kind on small constructed tables: step 3 (the
// finder's rate, the SGD→Adam rule) and step 4 (the ladder) make the
// decisions the rules say, each re-derivable from the numbers it quotes; and
// a regression target scaled by 1000 or 1/1000 changes no decision.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../src/data/prepare.js';
import { makePlan } from '../../src/steps/plan.js';
import { fitTrainingSet } from '../../src/steps/fit_training_set.js';
import { regularizationLadder } from '../../src/steps/regularize.js';
import { judgeSgd } from '../../src/steps/optimizer_rule.js';
import { gapOpen } from '../../src/steps/ladder_rules.js';
import { protocolOf } from '../protocol/helpers.js';
import { tuning } from '../../src/steps/tuning_guard.js';
import { Rng } from '../../src/data/index.js';
import type { Decision } from '../../src/steps/decisions.js';
import { noLeaks } from '../helpers.js';

type Kind = 'binary' | 'multiclass' | 'regression';

/** 240 rows, 6 numeric inputs; the target depends on x0 and x1 (plus noise). */
function table(kind: Kind, scale = 1): string {
  const rng = new Rng(11);
  const lines = [['y', ...Array.from({ length: 6 }, (_, i) => `x${i}`)].join(',')];
  for (let r = 0; r < 240; r++) {
    const x = Array.from({ length: 6 }, () => rng.normal());
    const s = 1.5 * x[0] - x[1] + 0.5 * rng.normal();
    const y = kind === 'regression' ? String(((3 + s) * scale).toPrecision(8)) : kind === 'binary' ? (s > 0 ? 'yes' : 'no') : s < -0.7 ? 'low' : s < 0.7 ? 'mid' : 'high';
    lines.push([y, ...x.map((v) => v.toFixed(5))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

async function decide(kind: Kind, scale = 1) {
  const dir = mkdtempSync(join(tmpdir(), `sixstep-golden-${kind}-`));
  writeFileSync(join(dir, 'd.csv'), table(kind, scale));
  const p = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
  const plan = makePlan(p);
  const protocol = await protocolOf(p, { projectDir: dir, data: join(dir, 'd.csv'), plan });
  const r = await tuning(() => fitTrainingSet(p, { spec: plan.proposal.spec, cost: plan.cost, epochs: 6, seed: 0 }));
  let start;
  try {
    start = protocol.measure(protocol.defaultSplit, r.model, r.best, { spec: plan.proposal.spec, weightDecay: 0, augment: false, label: 'the initial architecture' });
  } finally {
    r.dispose();
  }
  const ladder = await tuning(() => regularizationLadder({ protocol, start: start.candidate, startScore: start, recipe: { optimizer: r.optimizer, lr: r.lr, epochs: 4, seed: 0 }, draws: 1 }));
  return { step3: r.decisions, ladder: ladder.decisions, lr: r.lr, optimizer: r.optimizer, baseline: plan.baseline.loss, start };
}

/** Each decision re-derived from the numbers it quotes. */
function checkConsistent(d: Awaited<ReturnType<typeof decide>>): void {
  const rule = d.step3.find((x) => x.action === 'switch from SGD to Adam' || x.action === 'keep SGD');
  assert.ok(rule, 'the SGD→Adam rule was judged');
  const n = rule.numbers as { initial: number; losses: number[] };
  assert.equal(n.losses.length, 2);
  assert.notEqual(n.initial, n.losses[0], 'three distinct measurements');
  assert.equal(judgeSgd(n)!.switchToAdam, rule.action === 'switch from SGD to Adam');
  const first = d.ladder[0];
  const g = first.numbers as { trainLoss: number; validLoss: number; baselineLoss: number };
  assert.equal(gapOpen(g, g.baselineLoss), first.action === 'start the regularization ladder');
  assert.ok([...d.step3, ...d.ladder].every((x) => x.reason.length > 10));
}

/** The actions with their numbers masked (the numbers are checked by re-deriving the rules). */
const actions = (ds: Decision[]) => ds.map((x) => x.action.replace(/\d+(\.\d+)?(e[+-]?\d+)?/g, '#'));

const S3 = (rule: string, adam = false) => ['learning rate # for SGD', 'train with SGD (momentum #) and warm-restarts schedule', rule, ...(adam ? ['learning rate # for ADAM'] : [])];
const GOLDEN: Record<Kind, string[]> = {
  // A separable binary target: SGD's first window is judged slow against its start, Adam gets its own rate; no overfitting.
  binary: [...S3('switch from SGD to Adam', true), '|', 'no regularization'],
  // Three classes: SGD fits fast enough; the model overfits, and no rung beats the noise on 36 validation rows.
  multiclass: [...S3('keep SGD'), '|', 'start the regularization ladder', 'reject dropout before the last linear layer', 'skip dropout in earlier layers', 'reject weight decay (L#)', 'input normalization: already on (no rung to try)', 'reject batch normalization', 'no augmentation', 'more data would help', 'reject architecture search (random depth and width)', 'ladder done: gap still open'],
  regression: [...S3('keep SGD'), '|', 'no regularization'],
};

describe('golden decisions per task kind', () => {
  for (const kind of ['binary', 'multiclass', 'regression'] as const) {
    it(`${kind}: the decisions the rules say, in order`, () => noLeaks(async () => {
      const d = await decide(kind);
      checkConsistent(d);
      assert.deepEqual([...actions(d.step3), '|', ...actions(d.ladder)], GOLDEN[kind]);
    }));
  }
});

describe('SGD judged slow with step 3\'s epochs spent', () => {
  it('switches to Adam for the training that follows, with Adam\'s own rate', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-golden-spent-'));
    writeFileSync(join(dir, 'd.csv'), table('binary'));
    const p = await prepare({ data: join(dir, 'd.csv'), target: 'y', projectDir: dir });
    const plan = makePlan(p);
    // Two epochs: exactly the SGD window, none left after it.
    const r = await tuning(() => fitTrainingSet(p, { spec: plan.proposal.spec, cost: plan.cost, epochs: 2, seed: 0 }));
    try {
      assert.deepEqual(actions(r.decisions), ['learning rate # for SGD', 'train with SGD (momentum #) and warm-restarts schedule', 'switch from SGD to Adam for the training that follows', 'learning rate # for ADAM']);
      assert.match(r.decisions[2].reason, /step 3's 2 epoch\(s\) are spent/);
      assert.equal(r.optimizer, 'adam');
      assert.equal(r.history.length, 2, 'no epoch beyond step 3\'s');
    } finally {
      r.dispose();
    }
  }));
});

describe('scale-free regression', () => {
  it('multiplying the target by 1000 or 1/1000 changes no decision (finder\'s pick, optimizer switch, ladder)', () => noLeaks(async () => {
    const base = await decide('regression', 1);
    for (const k of [1000, 1e-3]) {
      const s = await decide('regression', k);
      assert.deepEqual(actions(s.step3), actions(base.step3), `×${k}: step 3`);
      assert.ok(Math.abs(Math.log(s.lr / base.lr)) < 1e-3, `×${k}: the finder picks the same rate (${s.lr} vs ${base.lr})`);
      assert.equal(s.optimizer, base.optimizer);
      assert.deepEqual(actions(s.ladder), actions(base.ladder), `×${k}: the ladder`);
      // The losses are reported in the target's own units: they scale by k².
      assert.ok(Math.abs(s.baseline / base.baseline / (k * k) - 1) < 1e-3);
      assert.ok(Math.abs(s.start.validLoss / base.start.validLoss / (k * k) - 1) < 0.02, `×${k}: validation loss ${s.start.validLoss} vs ${base.start.validLoss}`);
    }
  }));
});
