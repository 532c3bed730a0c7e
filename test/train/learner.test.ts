// The loop: golden event order (as Lightning's test_hooks.py pins its hooks),
// cancel exceptions at every level, recording, and exact resume from a checkpoint.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, randn, tensor, tidy, keep, type Tensor } from '../../src/tensor/index.js';
import { Sequential, Linear, ReLU, crossEntropy } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import { Learner, Recorder, CancelBatch, CancelEpoch, CancelFit, CancelTrain, EVENTS, accuracy, CheckpointCallback, loadCheckpoint, type BatchSource, type Callback, type EventName } from '../../src/train/index.js';
import { noLeaks } from '../helpers.js';

/** n batches of 8 random rows (4 features, 3 classes), the same every epoch. */
function source(n: number, seed: number): BatchSource & { free(): void } {
  manualSeed(seed);
  const xs = Array.from({ length: n }, () => keep(randn([8, 4])));
  const ys = Array.from({ length: n }, (_, i) => keep(tensor(Array.from({ length: 8 }, (_, j) => (i + j) % 3), { dtype: 'int64' })));
  return {
    length: n,
    *batches() {
      for (let i = 0; i < n; i++) yield { x: xs[i].clone(), y: ys[i].clone() };
    },
    free() {
      for (const t of [...xs, ...ys]) t.dispose();
    },
  };
}

function setup(callbacks: Callback[] = [], seed = 0) {
  manualSeed(seed);
  const model = new Sequential(new Linear({ inFeatures: 4, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 3 }));
  const optimizer = new SGD({ params: model.parameters(), lr: 0.1, momentum: 0.9 });
  const train = source(2, 100);
  const validation = source(1, 200);
  const learner = new Learner({ model, optimizer, costFunction: crossEntropy, train, validation, metrics: [accuracy], callbacks });
  const free = () => {
    train.free();
    validation.free();
    optimizer.dispose();
    model.dispose();
  };
  return { learner, free };
}

/** A callback that logs every event it sees. */
function eventLog(): Callback & { log: EventName[] } {
  const log: EventName[] = [];
  const cb: Record<string, unknown> = { log };
  for (const e of EVENTS) cb[e] = () => log.push(e);
  return cb as Callback & { log: EventName[] };
}

const batch = ['beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterBackward', 'beforeStep', 'afterStep', 'afterBatch'];
const validBatch = ['beforeBatch', 'afterPred', 'afterLoss', 'afterBatch'];
const epoch = ['beforeEpoch', 'beforeTrain', ...batch, ...batch, 'afterTrain', 'beforeValidate', ...validBatch, 'afterValidate', 'afterEpoch'];

describe('Learner', () => {
  it('fires events in the golden order', () => noLeaks(async () => {
    const ev = eventLog();
    const { learner, free } = setup([ev]);
    await learner.fit(2);
    assert.deepEqual(ev.log, ['beforeFit', ...epoch, ...epoch, 'afterFit']);
    free();
  }));

  it('CancelBatch skips the rest of a batch, CancelTrain the rest of the phase', () => noLeaks(async () => {
    const ev = eventLog();
    const cancel: Callback = {
      order: 1, // after the log, so the log sees the event that cancels
      afterLoss: (l) => {
        if (l.training && l.iter === 0) throw new CancelBatch();
      },
      afterBatch: (l) => {
        if (l.training && l.iter === 1) throw new CancelTrain();
      },
    };
    const { learner, free } = setup([cancel, ev]);
    await learner.fit(1);
    assert.deepEqual(ev.log, [
      'beforeFit', 'beforeEpoch', 'beforeTrain',
      'beforeBatch', 'afterPred', 'afterLoss', 'afterCancelBatch', 'afterBatch',
      'beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterBackward', 'beforeStep', 'afterStep', 'afterBatch',
      'afterCancelTrain', 'afterTrain',
      'beforeValidate', ...validBatch, 'afterValidate', 'afterEpoch', 'afterFit',
    ]);
    assert.equal(learner.step, 1);
    free();
  }));

  it('CancelEpoch and CancelFit stop at their level', () => noLeaks(async () => {
    const ev = eventLog();
    const stop: Callback = {
      order: -1,
      beforeValidate: (l) => {
        if (l.epoch === 0) throw new CancelEpoch();
        throw new CancelFit();
      },
    };
    const { learner, free } = setup([stop, ev]);
    const done = await learner.fit(5);
    assert.equal(done.length, 0);
    assert.equal(ev.log.filter((e) => e === 'afterCancelEpoch').length, 1);
    assert.equal(ev.log.filter((e) => e === 'afterCancelFit').length, 1);
    assert.equal(ev.log.at(-1), 'afterFit');
    free();
  }));

  it('records per-step loss and learning rates, per-epoch losses and metrics', () => noLeaks(async () => {
    const rec = new Recorder();
    const { learner, free } = setup([rec]);
    await learner.fit(3);
    assert.equal(rec.steps.length, 6);
    assert.deepEqual(rec.steps[0].lrs, [0.1]);
    assert.equal(rec.epochs.length, 3);
    const last = rec.epochs.at(-1)!;
    assert.ok(last.trainLoss < rec.epochs[0].trainLoss, 'training loss falls');
    assert.ok(last.validLoss !== null && Number.isFinite(last.validLoss));
    assert.ok(last.metrics.accuracy >= 0 && last.metrics.accuracy <= 1);
    free();
  }));

  it('a run resumed from its checkpoint continues exactly as an uninterrupted one', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-ckpt-'));
    const file = join(dir, 'checkpoint.safetensors');
    // Uninterrupted: 4 epochs.
    const a = setup([new Recorder()]);
    await a.learner.fit(4);
    const expected = a.learner.model.parameters().map((p) => p.toArray());
    const expectedLosses = a.learner.getCallback(Recorder)!.steps.map((s) => s.loss);
    a.free();
    // Interrupted after 2 epochs, then a new process (new objects, other seed) resumes.
    const b = setup([new Recorder(), new CheckpointCallback(file)]);
    await b.learner.fit(2);
    b.free();
    const c = setup([new Recorder()], 999);
    const { epoch } = loadCheckpoint(c.learner, file);
    assert.equal(epoch, 2);
    await c.learner.fit(2);
    assert.deepEqual(c.learner.model.parameters().map((p) => p.toArray()), expected);
    assert.deepEqual(c.learner.getCallback(Recorder)!.steps.map((s) => s.loss), expectedLosses);
    // A corrupt latest checkpoint falls back to the previous one (after epoch 1).
    writeFileSync(file, 'garbage');
    const d = setup([]);
    assert.deepEqual(loadCheckpoint(d.learner, file), { file: `${file}.prev`, epoch: 1, info: null });
    c.free();
    d.free();
  }));
});
