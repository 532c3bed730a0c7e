// The doctor's computed checklist on constructed histories.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose, ladderRungOf } from '../../src/steps/doctor.js';

const run = (id: string, at: number, metrics: any, extra: any = {}) => ({ id, kind: 'auto', status: 'finished', startedAt: at, summary: { metrics, baseline: { name: 'class prior', loss: 1.0 }, ...extra } });

describe('doctor', () => {
  it('an empty project is at step 1', () => {
    const d = diagnose([], [], []);
    assert.equal(d.step, 1);
    assert.match(d.next[0], /sixstep plan/);
  });
  it('no signal: back to the objective', () => {
    const d = diagnose([run('a', 1, { train: { loss: 0.95 }, validation: { loss: 0.99 } }, { signal: { verdict: 'no-signal' } })], [], []);
    assert.equal(d.step, 3);
    assert.match(d.bias!.verdict, /^No signal/);
    assert.equal(d.bias!.kind, 'no-signal');
    assert.match(d.next.join(' '), /refine the objective/);
  });
  it('overfitting: step 4 with the ladder rungs not yet tried, in order', () => {
    const d = diagnose([run('a', 1, { train: { loss: 0.05 }, validation: { loss: 0.4 } })], [{ step: 4, action: 'reject dropout before the last linear layer' }], []);
    assert.equal(d.step, 4);
    assert.match(d.variance!.verdict, /overfitting/);
    const next = d.next.join(' ');
    assert.ok(next.indexOf('weight decay') < next.indexOf('batch normalization'));
    assert.ok(!/dropout before/.test(next), 'a rung already tried is not suggested first');
  });
  it('reads ladder rungs from the whole action: "keep hidden layers", "keep augmentation" count; a budget skip does not', () => {
    const decisions = [
      { step: 4, action: 'keep hidden layers [12, 7]' },
      { step: 4, action: 'keep augmentation (flips, small rotations and shifts, crops, lighting, erasing)' },
      { step: 4, action: 'skip weight decay (L2)' },
      { step: 4, action: 'reject batch normalization' },
    ];
    const d = diagnose([run('a', 1, { train: { loss: 0.05 }, validation: { loss: 0.4 } })], decisions, []);
    const next = d.next.join(' ');
    assert.match(next, /weight decay/, 'skipped for the budget: still to try');
    assert.ok(!/architecture search/.test(next) && !/data augmentation/.test(next) && !/batch normalization/.test(next), next);
    assert.equal(ladderRungOf('keep hidden layers [3]'), 'architecture');
    assert.equal(ladderRungOf('keep augmentation (flips)'), 'augmentation');
    assert.equal(ladderRungOf('reject architecture search (random depth and width)'), 'architecture');
    assert.equal(ladderRungOf('keep dropout 0.2 in earlier layers'), 'dropout');
    assert.equal(ladderRungOf('skip dropout before the last linear layer'), null);
    assert.equal(ladderRungOf('more data would help little'), 'more-data');
  });
  it('fitted and not yet tested: evaluate once on the test set', () => {
    const d = diagnose([run('a', 1, { train: { loss: 0.1 }, validation: { loss: 0.11 } })], [], []);
    assert.equal(d.step, 5);
    assert.match(d.next.join(' '), /sixstep test/);
  });
  it('test much worse than validation: enlarge the validation set; many looks warn', () => {
    const ledger = [1, 2, 3].map(() => ({ metricName: 'loss', value: 0.5, datasetFingerprint: 'f' }));
    const d = diagnose([run('a', 1, { train: { loss: 0.1 }, validation: { loss: 0.11 }, test: { loss: 0.5 } })], [], ledger);
    assert.match(d.next.join(' '), /enlarge the validation set/);
    assert.match(d.next.join(' '), /evaluated 3 times/);
  });
  it('step 6: poor real-world performance while the test was good gives the seed\'s advice', () => {
    const good = run('a', 1, { train: { loss: 0.1 }, validation: { loss: 0.11 }, test: { loss: 0.12 } });
    const d = diagnose([good], [], [{ metricName: 'loss', value: 0.12, datasetFingerprint: 'f' }], { metric: 'accuracy', value: 0.7, testValue: 0.95 });
    assert.match(d.realWorld!.verdict, /poor/);
    assert.match(d.next.join(' '), /change the validation and test sets.*cost function/);
    const fine = diagnose([good], [], [], { metric: 'rmse', value: 2.0, testValue: 1.9 });
    assert.match(fine.realWorld!.verdict, /matches/);
  });
});
