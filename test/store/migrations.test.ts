// Schema migrations: an older database is upgraded in place with its rows
// intact, a failed migration changes nothing, and a newer database is refused.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB_FILE, LATEST_VERSION, MIGRATIONS, StoreVersionError, migrate, openDatabase, openStore, schemaVersion, type Migration } from '../../src/store/index.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function projectDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sixstep-store-'));
  dirs.push(d);
  const p = join(d, 'project');
  mkdirSync(p);
  return p;
}

/** A database as sixstep with schema version 1 left it, with some rows in it. */
function v1Database(dir: string): void {
  const db = openDatabase(join(dir, DB_FILE));
  assert.deepEqual(migrate(db, { to: 1 }), { from: 0, to: 1, applied: ['1: initial schema'] });
  db.raw.exec(`
    INSERT INTO projects VALUES ('old', 1000);
    INSERT INTO runs (id, kind, config_json, status, started_at, ended_at, parent_run_id, summary_json)
      VALUES ('r1', 'fit', '{"lr":0.1}', 'finished', 1000, 5000, NULL, '{"best":0.5}'),
             ('r2', 'fit', '{}', 'running', 6000, NULL, NULL, NULL);
    INSERT INTO step_metrics VALUES ('r1', 0, 0, 2.5, '[0.1]'), ('r1', 1, 0, 2.0, '[0.1]');
    INSERT INTO epoch_metrics VALUES ('r1', 0, 2.2, 2.4, '{"accuracy":0.5}', 1.5);
    INSERT INTO trials VALUES ('s', 0, 'r1', '{"lr":0.1}', 'complete', 0.5, 'host:1', 1000, 5000);
    INSERT INTO test_ledger (at, model_id, run_id, metric_name, value, dataset_fingerprint, note)
      VALUES (5000, 'm1', 'r1', 'accuracy', 0.9, 'fp', NULL);
  `);
  assert.equal(schemaVersion(db), 1);
  db.close();
}

describe('store: migrations', () => {
  it('ships versions 1..N without gaps', () => {
    assert.ok(LATEST_VERSION >= 2);
    assert.deepEqual(MIGRATIONS.map((m) => m.version), Array.from({ length: LATEST_VERSION }, (_, i) => i + 1));
  });

  it('upgrades a v1 database in place, keeping its rows', () => {
    const dir = projectDir();
    v1Database(dir);
    const store = openStore(dir, { project: 'old' });
    try {
      assert.equal(store.schemaVersion, LATEST_VERSION);
      assert.equal(store.migrated.from, 1);
      assert.equal(store.migrated.to, LATEST_VERSION);
      assert.deepEqual(store.project, { name: 'old', createdAt: 1000 });
      const r1 = store.getRun('r1')!;
      assert.deepEqual(r1, {
        id: 'r1', kind: 'fit', config: { lr: 0.1 }, status: 'finished', startedAt: 1000, endedAt: 5000,
        parentRunId: null, summary: { best: 0.5 }, heartbeatAt: 5000, // backfilled by v2
      });
      assert.equal(store.getRun('r2')!.heartbeatAt, 6000);
      assert.deepEqual(store.stepSeries('r1'), [
        { step: 0, epoch: 0, loss: 2.5, lrs: [0.1], gradNorm: null },
        { step: 1, epoch: 0, loss: 2.0, lrs: [0.1], gradNorm: null },
      ]);
      assert.deepEqual(store.epochSeries('r1'), [{ epoch: 0, trainLoss: 2.2, validLoss: 2.4, metrics: { accuracy: 0.5 }, seconds: 1.5 }]);
      const t = store.getTrial('s', 0)!;
      assert.equal(t.value, 0.5);
      assert.equal(t.heartbeatAt, 5000);
      assert.equal(store.testEvaluations('m1'), 1);
      // The v2 columns take writes.
      store.logStep('r1', { step: 2, epoch: 0, loss: 1.5, lrs: [0.1], gradNorm: 3.25 });
      assert.equal(store.stepSeries('r1', { from: 2 })[0].gradNorm, 3.25);
      assert.equal(store.integrityCheck(), 'ok');
    } finally {
      store.close();
    }
    // Opening again: nothing left to do.
    const again = openStore(dir);
    assert.deepEqual(again.migrated.applied, []);
    again.close();
  });

  it('rolls a failing migration back completely', () => {
    const dir = projectDir();
    v1Database(dir);
    const broken: Migration[] = [
      MIGRATIONS[0],
      {
        version: 2,
        name: 'half-done',
        up: (db) => {
          db.raw.exec('ALTER TABLE runs ADD COLUMN doomed INTEGER');
          throw new Error('disk on fire');
        },
      },
    ];
    const db = openDatabase(join(dir, DB_FILE));
    assert.throws(() => migrate(db, { migrations: broken }), /disk on fire/);
    assert.equal(schemaVersion(db), 1);
    const cols = (db.raw.pragma('table_info(runs)') as { name: string }[]).map((c) => c.name);
    assert.ok(!cols.includes('doomed'));
    db.close();
    // The real migrations still apply afterwards.
    const store = openStore(dir);
    assert.equal(store.schemaVersion, LATEST_VERSION);
    store.close();
  });

  it('refuses a database from a newer sixstep', () => {
    const dir = projectDir();
    const db = openDatabase(join(dir, DB_FILE));
    db.raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    assert.throws(() => openStore(dir), (e: unknown) => e instanceof StoreVersionError && e.found === LATEST_VERSION + 1);
  });
});
