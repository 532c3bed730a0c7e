// Round trips for every record type, the query helpers, exports and the test ledger.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, DB_FILE, type Store } from '../../src/store/index.js';

let root: string;
let store: Store;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'sixstep-store-'));
  store = openStore(join(root, 'my-project', 'nested'));
});
after(() => {
  store.close();
  rmSync(root, { recursive: true, force: true });
});

describe('store: records', () => {
  it('opens a new project: folder, WAL, busy timeout, project row', () => {
    assert.ok(existsSync(join(root, 'my-project', 'nested', DB_FILE)));
    assert.equal(store.connection.pragma('journal_mode', { simple: true }), 'wal');
    assert.ok((store.connection.pragma('busy_timeout', { simple: true }) as number) >= 5000);
    assert.equal(store.connection.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(store.project.name, 'nested');
    assert.equal(store.schemaVersion, store.latestSchemaVersion);
    assert.deepEqual(store.listProjects(), [store.project]);
    assert.deepEqual(store.ensureProject('nested'), store.project);
  });

  it('datasets: fingerprints, schema and split manifest', () => {
    const schema = { columns: [{ name: 'x', type: 'number' }], target: 'y' };
    const d = store.putDataset({ name: 'flights', path: '/data/flights.csv', fingerprint: 'aaaa', rows: 200, schema });
    assert.equal(d.splitManifest, null);
    assert.deepEqual({ ...d, id: 0, createdAt: 0 }, { id: 0, name: 'flights', path: '/data/flights.csv', fingerprint: 'aaaa', rows: 200, schema, splitManifest: null, createdAt: 0 });
    const manifest = { seed: 1, assignments: { train: ['f1'], validation: ['f2'], test: ['f3'] } };
    const withSplit = store.setSplitManifest('flights', 'aaaa', manifest);
    assert.deepEqual(withSplit.splitManifest, manifest);
    // Re-adding without a manifest keeps it; new content is a new row.
    assert.deepEqual(store.putDataset({ name: 'flights', path: '/moved.csv', fingerprint: 'aaaa', rows: 200, schema }).splitManifest, manifest);
    store.putDataset({ name: 'flights', path: '/data/flights.csv', fingerprint: 'bbbb', rows: 210, schema });
    assert.equal(store.getDataset('flights')!.fingerprint, 'bbbb');
    assert.equal(store.getDataset('flights', 'aaaa')!.path, '/moved.csv');
    assert.deepEqual(store.datasetsByFingerprint('aaaa').map((x) => x.name), ['flights']);
    assert.equal(store.listDatasets().length, 2);
    assert.throws(() => store.setSplitManifest('flights', 'zzzz', {}), /no dataset/);
  });

  it('runs: create, finish, filter, heartbeat, stale runs', () => {
    const parent = store.createRun({ kind: 'search', config: { space: { lr: [1e-4, 1e-1] } }, startedAt: 1_000 });
    assert.match(parent.id, /^search-19700101-000001-[0-9a-f]{6}$/);
    assert.deepEqual(
      { ...parent, id: '' },
      { id: '', kind: 'search', config: { space: { lr: [1e-4, 1e-1] } }, status: 'running', startedAt: 1_000, endedAt: null, parentRunId: null, summary: null, heartbeatAt: 1_000 },
    );
    const child = store.createRun({ id: 'child-1', kind: 'trial', parentRunId: parent.id, startedAt: 2_000 });
    store.createRun({ id: 'child-2', kind: 'trial', parentRunId: parent.id, startedAt: 3_000 });
    const done = store.finishRun(child.id, { summary: { bestValidLoss: 0.3 }, endedAt: 2_500 });
    assert.equal(done.status, 'finished');
    assert.equal(done.endedAt, 2_500);
    assert.deepEqual(done.summary, { bestValidLoss: 0.3 });
    assert.deepEqual(store.getRun(child.id)!.config, {});
    store.setRunSummary('child-2', { partial: true });
    assert.deepEqual(store.getRun('child-2')!.summary, { partial: true });

    assert.deepEqual(store.listRuns({ parentRunId: parent.id }).map((r) => r.id), ['child-2', 'child-1']);
    assert.deepEqual(store.listRuns({ kind: 'trial', status: 'finished' }).map((r) => r.id), ['child-1']);
    assert.deepEqual(store.listRuns({ kind: ['search', 'trial'], limit: 1 }).map((r) => r.id), ['child-2']);
    assert.deepEqual(store.listRuns({ parentRunId: null, kind: 'search' }).map((r) => r.id), [parent.id]);
    assert.deepEqual(store.listRuns({ since: 2_500, kind: 'trial' }).map((r) => r.id), ['child-2']);
    assert.equal(store.getRun('nope'), undefined);
    assert.throws(() => store.finishRun('nope'), /no run nope/);
    assert.throws(() => store.createRun({ id: 'child-1', kind: 'fit' }), /UNIQUE/);

    store.heartbeat('child-2', 10_000);
    // parent's last sign of life is 1000; child-2's is 10000.
    assert.deepEqual(store.interruptStaleRuns(5_000, 12_000), [parent.id]);
    const p = store.getRun(parent.id)!;
    assert.equal(p.status, 'interrupted');
    assert.equal(p.endedAt, 1_000);
    assert.equal(store.getRun('child-2')!.status, 'running');
  });

  it('step metrics: StepWriter batches, single rows, NaN, replays, series slicing', () => {
    const run = store.createRun({ id: 'fit-steps', kind: 'fit' });
    const w = store.stepWriter(run.id, { batchSize: 4, maxDelayMs: 0 });
    const lrs = [0.1, 0.01];
    for (let i = 0; i < 10; i++) {
      lrs[0] = 0.1 / (i + 1); // the writer copies, so reusing the array is fine
      w.add({ step: i, epoch: Math.floor(i / 5), loss: i === 3 ? NaN : 10 - i, lrs, gradNorm: i % 2 ? i : null });
      // Full batches are committed as they fill.
      assert.equal(store.stepCount(run.id), Math.floor((i + 1) / 4) * 4);
    }
    assert.equal(w.pending, 2);
    assert.throws(() => w.add({ step: 1.5, epoch: 0, loss: 1, lrs: [] }), /step must be an integer/);
    w.close();
    w.close();
    assert.equal(w.committed, 10);
    assert.throws(() => w.add({ step: 11, epoch: 0, loss: 1, lrs: [] }), /closed/);
    store.logStep(run.id, { step: 10, epoch: 2, loss: 0.5, lrs: [0.001, 0.01] });

    const s = store.stepSeries(run.id);
    assert.equal(s.length, 11);
    assert.deepEqual(s[1], { step: 1, epoch: 0, loss: 9, lrs: [0.05, 0.01], gradNorm: 1 });
    assert.ok(Number.isNaN(s[3].loss));
    assert.equal(s[2].gradNorm, null);
    assert.deepEqual(store.stepSeries(run.id, { from: 2, to: 8, every: 3 }).map((x) => x.step), [2, 5, 8]);
    assert.throws(() => store.stepSeries(run.id, { every: 0 }), RangeError);

    // A resumed run replays step 9: the new row replaces the old one.
    store.logStep(run.id, { step: 9, epoch: 1, loss: 0.25, lrs: [0.1, 0.01] });
    assert.equal(store.stepCount(run.id), 11);
    assert.equal(store.stepSeries(run.id, { from: 9, to: 9 })[0].loss, 0.25);

    // A writer for a run that does not exist fails at flush (foreign key), keeping its rows.
    const orphan = store.stepWriter('no-such-run', { batchSize: 100 });
    orphan.add({ step: 0, epoch: 0, loss: 1, lrs: [] });
    assert.throws(() => orphan.flush(), /FOREIGN KEY/);
    assert.equal(orphan.pending, 1);
    orphan.discard();
    assert.equal(orphan.pending, 0);
  });

  it('StepWriter flushes old rows after maxDelayMs, and the store flushes writers on close', () => {
    const dir = join(root, 'delay');
    const s2 = openStore(dir);
    const run = s2.createRun({ id: 'slow', kind: 'fit' });
    const w = s2.stepWriter(run.id, { batchSize: 1000, maxDelayMs: 20 });
    w.add({ step: 0, epoch: 0, loss: 1, lrs: [1] });
    const until = Date.now() + 30;
    while (Date.now() < until);
    w.add({ step: 1, epoch: 0, loss: 1, lrs: [1] });
    assert.equal(s2.stepCount(run.id), 2);
    w.add({ step: 2, epoch: 0, loss: 1, lrs: [1] });
    s2.close();
    const s3 = openStore(dir);
    assert.equal(s3.stepCount('slow'), 3);
    // A writer that cannot flush does not keep the connection open.
    s3.stepWriter('no-such-run').add({ step: 0, epoch: 0, loss: 1, lrs: [] });
    assert.throws(() => s3.close(), /FOREIGN KEY/);
    assert.equal(s3.connection.open, false);
    s3.close();
  });

  it('epoch metrics and compareRuns', () => {
    const a = store.createRun({ id: 'cmp-a', kind: 'fit' });
    const b = store.createRun({ id: 'cmp-b', kind: 'fit' });
    const losses = [0.9, 0.5, 0.6];
    losses.forEach((v, epoch) => store.logEpoch(a.id, { epoch, trainLoss: v - 0.1, validLoss: v, metrics: { accuracy: 1 - v, 'f1,macro': 0.5 }, seconds: 2 }));
    store.logEpoch(b.id, { epoch: 0, trainLoss: 0.7, seconds: 1 });
    store.logSteps(b.id, [0, 1, 2].map((step) => ({ step, epoch: 0, loss: 1, lrs: [0.1] })));
    assert.deepEqual(store.epochSeries(a.id)[1], { epoch: 1, trainLoss: 0.4, validLoss: 0.5, metrics: { accuracy: 0.5, 'f1,macro': 0.5 }, seconds: 2 });
    assert.deepEqual(store.epochSeries(b.id), [{ epoch: 0, trainLoss: 0.7, validLoss: null, metrics: {}, seconds: 1 }]);

    const [ca, cb] = store.compareRuns([a.id, b.id]);
    assert.equal(ca.run.id, a.id);
    assert.deepEqual(ca.best, { epoch: 1, validLoss: 0.5 });
    assert.equal(ca.final!.epoch, 2);
    assert.equal(ca.steps, 0);
    assert.equal(cb.best, null);
    assert.equal(cb.steps, 3);
    assert.throws(() => store.compareRuns([a.id, 'ghost']), /no run ghost/);
  });

  it('lr-find curves are stored as an lr-find run', () => {
    const points = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1].map((lr, i) => ({ lr, loss: [2.3, 2.2, 1.5, 1.1, 9][i] }));
    const run = store.saveLrFind({ points, suggestion: 1e-3, config: { iterations: 5 } });
    assert.equal(run.kind, 'lr-find');
    assert.equal(run.status, 'finished');
    assert.deepEqual(run.summary, { suggestion: 1e-3, points: 5 });
    assert.deepEqual(store.lrFindCurve(run.id), points);
    assert.throws(() => store.lrFindCurve('cmp-a'), /not lr-find/);
  });

  it('trials: claim numbers, attach runs, finish, best, stale workers', () => {
    const t0 = store.claimTrial('study', { params: { lr: 0.1 }, claimedBy: 'w0' });
    const t1 = store.claimTrial('study', { params: { lr: 0.01 } });
    const t2 = store.claimTrial('study', { params: { lr: 0.001 }, runId: 'cmp-a' });
    assert.deepEqual([t0.trialNumber, t1.trialNumber, t2.trialNumber], [0, 1, 2]);
    assert.equal(t0.claimedBy, 'w0');
    assert.match(t1.claimedBy!, new RegExp(`:${process.pid}$`));
    assert.equal(t0.state, 'running');
    assert.equal(store.claimTrial('other', { params: {} }).trialNumber, 0);
    assert.equal(store.setTrialRun('study', 0, 'cmp-b').runId, 'cmp-b');
    assert.equal(store.finishTrial('study', 0, { state: 'complete', value: 0.4 }).value, 0.4);
    store.finishTrial('study', 1, { state: 'pruned', value: 0.9 });
    assert.equal(store.bestTrial('study')!.trialNumber, 0);
    store.trialHeartbeat('study', 2, 50);
    assert.deepEqual(store.failStaleTrials('study', 100, 1_000), [2]);
    assert.deepEqual(store.trialsOf('study').map((t) => t.state), ['complete', 'pruned', 'failed']);
    assert.deepEqual(store.trialsOf('study')[2].params, { lr: 0.001 });
    assert.deepEqual(store.listStudies(), ['other', 'study']);
    assert.throws(() => store.finishTrial('study', 9, { state: 'failed' }), /no trial study#9/);
  });

  it('decisions: numbered per run, step 1–6', () => {
    const run = store.createRun({ id: 'dec', kind: 'auto' });
    const d1 = store.addDecision({ runId: run.id, step: 3, action: 'lower-lr', reason: 'loss diverged after epoch 2', numbers: { lr: 0.1, newLr: 0.01 } });
    const d2 = store.addDecision({ runId: run.id, step: 5, action: 'stop', reason: 'validation loss flat' });
    assert.deepEqual([d1.seq, d2.seq], [1, 2]);
    assert.deepEqual(store.decisionsOf(run.id), [d1, d2]);
    assert.deepEqual(store.decisionsOf(run.id)[1].numbers, {});
    assert.throws(() => store.addDecision({ runId: run.id, step: 7 as 6, action: 'x', reason: 'y' }), /1 to 6/);
  });

  it('test ledger: counts, filters, append-only', () => {
    assert.equal(store.testEvaluations(), 0);
    const e = store.recordTestEvaluation({ modelId: 'model-a', runId: 'cmp-a', metricName: 'accuracy', value: 0.91, datasetFingerprint: 'aaaa', note: 'final' });
    assert.deepEqual({ ...e, at: 0 }, { id: e.id, at: 0, modelId: 'model-a', runId: 'cmp-a', metricName: 'accuracy', value: 0.91, datasetFingerprint: 'aaaa', note: 'final' });
    store.recordTestEvaluation({ modelId: 'model-a', metricName: 'loss', value: 0.3, datasetFingerprint: 'aaaa', at: 5 });
    store.recordTestEvaluation({ modelId: 'model-b', metricName: 'accuracy', value: 0.8, datasetFingerprint: 'bbbb' });
    assert.equal(store.testEvaluations(), 3);
    assert.equal(store.testEvaluations('model-a'), 2);
    assert.equal(store.testEvaluations('model-c'), 0);
    assert.deepEqual(store.ledger().map((x) => x.modelId), ['model-a', 'model-a', 'model-b']);
    assert.deepEqual(store.ledger({ datasetFingerprint: 'bbbb' }).map((x) => x.metricName), ['accuracy']);
    assert.throws(() => store.connection.exec('DELETE FROM test_ledger'), /append-only/);
    assert.throws(() => store.connection.exec('UPDATE test_ledger SET value = 1'), /append-only/);
    assert.equal(store.testEvaluations(), 3);
  });

  it('artifacts: record, hash files, overwrite in place', async () => {
    const file = join(root, 'model.safetensors');
    writeFileSync(file, 'weights v1');
    const a = await store.addArtifactFile('cmp-a', 'model', file);
    assert.equal(a.sha256, createHash('sha256').update('weights v1').digest('hex'));
    assert.equal(a.bytes, 10);
    writeFileSync(file, 'weights v2!');
    const a2 = await store.addArtifactFile('cmp-a', 'model', file);
    assert.equal(a2.id, a.id);
    assert.equal(a2.bytes, 11);
    const plot = store.addArtifact({ runId: 'cmp-a', kind: 'plot', path: 'loss.png', sha256: '0'.repeat(64), bytes: 3 });
    assert.deepEqual(store.artifactsOf('cmp-a').map((x) => x.kind).sort(), ['model', 'plot']);
    assert.deepEqual(store.artifactsOf('cmp-a', 'plot'), [plot]);
    assert.deepEqual(store.getArtifact(a.id), a2);
    assert.deepEqual(store.artifactsBySha256(a2.sha256).map((x) => x.path), [file]);
    assert.throws(() => store.addArtifact({ runId: 'cmp-a', kind: 'plot', path: 'x', sha256: 'abc', bytes: 1 }), /64 lowercase hex/);
    assert.throws(() => store.addArtifact({ runId: 'cmp-a', kind: 'weights' as 'model', path: 'x', sha256: '0'.repeat(64), bytes: 1 }), /CHECK/);
  });

  it('exports a run as CSV (steps, epochs) and JSONL', () => {
    const run = store.createRun({ id: 'exp', kind: 'fit', config: { lr: 0.1 } });
    store.logSteps(run.id, [
      { step: 0, epoch: 0, loss: 2, lrs: [0.1, 0.2], gradNorm: 1.5 },
      { step: 1, epoch: 0, loss: NaN, lrs: [0.1] },
    ]);
    store.logEpoch(run.id, { epoch: 0, trainLoss: 2, validLoss: 2.5, metrics: { accuracy: 0.5, 'note, quoted': 'a "b"' }, seconds: 3 });
    store.addDecision({ runId: run.id, step: 2, action: 'baseline', reason: 'first fit' });

    assert.equal(store.exportRun(run.id, 'csv'), 'step,epoch,loss,grad_norm,lr_0,lr_1\n0,0,2,1.5,0.1,0.2\n1,0,NaN,,0.1,\n');
    assert.equal(store.exportRun(run.id, 'csv', { series: 'epochs' }), 'epoch,train_loss,valid_loss,seconds,accuracy,"note, quoted"\n0,2,2.5,3,0.5,"a ""b"""\n');

    const lines = store.exportRun(run.id, 'jsonl').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.type), ['run', 'step', 'step', 'epoch', 'decision']);
    assert.equal(lines[0].id, 'exp');
    assert.deepEqual(lines[0].config, { lr: 0.1 });
    assert.deepEqual(lines[1], { type: 'step', step: 0, epoch: 0, loss: 2, lrs: [0.1, 0.2], gradNorm: 1.5 });
    assert.equal(lines[2].loss, null);
    assert.equal(lines[4].action, 'baseline');
    assert.throws(() => store.exportRun('ghost', 'csv'), /no run ghost/);
  });

  it('integrity check passes after all of the above', () => {
    assert.equal(store.integrityCheck(), 'ok');
  });
});
