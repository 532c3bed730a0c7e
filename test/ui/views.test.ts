// The views of the store that the CLI and the dashboard share: run rows,
// comparison rows, the ladder read back from decisions, a run's named charts,
// finding a run by part of its id, and the number formats.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../../src/store/index.js';
import { comparisonRows, duration, findRun, fmt, ladderOf, runCharts, runRow, when, RunNotFound } from '../../src/ui/index.js';
import { IDS, makeProject } from './fixture.js';
import { testLooks } from '../../src/ui/test_looks.js';

describe('store views', () => {
  let store: Store;
  before(() => {
    store = openStore(makeProject());
  });
  after(() => store.close());

  it('a run row has final and best losses (epochs from 1), final metrics and a note per kind', () => {
    const [a, lf, auto] = store.compareRuns([IDS.fitA, IDS.lrFind, IDS.auto]).map(runRow);
    assert.equal(a.epochs, 3);
    assert.equal(a.steps, 12);
    assert.equal(a.trainLoss, 1 / 3);
    assert.deepEqual(a.best, { epoch: 3, validLoss: 1 / 3 + 0.05 });
    assert.ok(Math.abs(a.metrics.accuracy - 0.9) < 1e-12);
    assert.equal(lf.note, 'suggested lr 0.001 (30 points)');
    assert.equal(auto.note, 'test loss 0.21 (accuracy 0.93)');
    // The dashboard shows the test figures in their own columns and the rest of the note apart.
    assert.deepEqual(auto.test, { loss: 0.21, accuracy: 0.93 });
    assert.equal(auto.remark, 'weight decay 1e-4');
    assert.equal(a.test, null);
    assert.equal(lf.remark, lf.note);
  });

  it('the test ledger in looks: the rows one evaluation wrote make one look, counted once', () => {
    const looks = testLooks(store.ledger());
    assert.deepEqual(looks.map((l) => [l.runId, l.figures]), [[IDS.auto, { loss: 0.21, accuracy: 0.93 }]]);
    const row = (id: number, metricName: string, modelId = 'm', value = 1) => ({ id, at: id, modelId, runId: null, metricName, value, datasetFingerprint: 'f', note: null });
    // Two looks at the same model; a figure repeated, or another model, starts a new look even without a loss row.
    assert.deepEqual(testLooks([row(1, 'loss'), row(2, 'accuracy'), row(3, 'loss'), row(4, 'accuracy'), row(5, 'accuracy'), row(6, 'accuracy', 'n')]).map((l) => Object.keys(l.figures).join('+')), ['loss+accuracy', 'loss+accuracy', 'accuracy', 'accuracy']);
  });

  it('comparison rows: one value per run, differing rows flagged, config flattened', () => {
    const rows = comparisonRows(store.compareRuns([IDS.fitA, IDS.fitB]));
    const get = (label: string) => rows.find((r) => r.label === label)!;
    assert.deepEqual(get('config.optimizer'), { section: 'config', label: 'config.optimizer', values: ['sgd', 'adam'], differs: true });
    assert.deepEqual(get('config.epochs').values, ['3', '3']);
    assert.equal(get('config.epochs').differs, false);
    assert.equal(get('epochs').differs, false);
    assert.deepEqual(get('final valid loss').values, [fmt(1 / 3 + 0.05), fmt(0.8 / 3 + 0.05)]);
    assert.ok(get('final accuracy'));
    assert.ok(rows.every((r) => r.values.length === 2));
  });

  it('the ladder: the starting point, then each rung\'s probes, the kept one marked', () => {
    const ladder = ladderOf(store.decisionsOf(IDS.auto));
    assert.deepEqual(ladder.map((p) => [p.label, p.outcome]), [
      ['starting point', 'start'],
      ['weight decay 1e-4', 'kept'],
      ['weight decay 1e-3', 'rejected'],
      ['dropout 0.2', 'rejected'],
    ]);
    assert.equal(ladder[1].validLoss, 0.25);
    // Each probe under its own rung (the rejected weight decay is not labelled with the kept one's decision).
    assert.deepEqual(ladder.map((p) => p.rung), ['starting point', 'weight decay', 'weight decay', 'dropout']);
    assert.deepEqual(ladder.map((p) => p.decision), ['probe the starting point', 'keep weight decay 1e-4', 'keep weight decay 1e-4', 'reject dropout']);
  });

  it('named charts per kind of run', () => {
    const names = (id: string) => runCharts(store, store.getRun(id)!).map((c) => c.name);
    assert.deepEqual(names(IDS.fitA), ['loss', 'steps', 'grad-norm']);
    assert.deepEqual(names(IDS.fitB), ['loss', 'steps', 'ranks']);
    assert.deepEqual(names(IDS.lrFind), ['lr-find']);
    assert.deepEqual(names(IDS.auto), ['loss', 'steps', 'ladder']);
    const lr = runCharts(store, store.getRun(IDS.lrFind)!)[0].spec as any;
    assert.deepEqual(lr.layer[1].data.values.map((m: any) => m.rule), ['suggestion', 'steep', 'valley', 'minimum', 'slide']);
    const thin = runCharts(store, store.getRun(IDS.fitA)!, { maxPoints: 5 }).find((c) => c.name === 'steps')!.spec as any;
    assert.ok(thin.vconcat[0].data.values.length <= 5);
  });

  it('finds a run by its id, or a unique start or end of it', () => {
    assert.equal(findRun(store, IDS.fitA).id, IDS.fitA);
    assert.equal(findRun(store, 'bbbbbb').id, IDS.fitB);
    assert.equal(findRun(store, 'auto-').id, IDS.auto);
    assert.throws(() => findRun(store, 'fit-'), (e: Error) => e instanceof RunNotFound && /matches 2 runs/.test(e.message));
    assert.throws(() => findRun(store, 'nope'), /no run "nope" in project sixstep-ui-/);
  });

  it('formats numbers, times and durations for people', () => {
    assert.equal(fmt(3), '3');
    assert.equal(fmt(0.123456), '0.1235');
    assert.equal(fmt(2.5e-5), '2.500e-5');
    assert.equal(fmt(null), '–');
    assert.equal(fmt([1, 2]), '[1,2]');
    assert.equal(when(Date.UTC(2025, 0, 2, 3, 4, 5)), '2025-01-02 03:04:05Z');
    assert.equal(duration(800), '0.8 s');
    assert.equal(duration(42_500), '42 s');
    assert.equal(duration(185_000), '3 min 05 s');
    assert.equal(duration(7_620_000), '2 h 07 min');
  });
});
