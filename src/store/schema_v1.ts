// Schema version 1: the initial tables. Frozen once shipped: later changes go
// in a new version, so any database this code ever wrote can be upgraded.
//
// Conventions: times are integer milliseconds since the Unix epoch; *_json
// columns hold JSON text; tables are STRICT so a wrong type fails at insert
// instead of being stored as whatever SQLite coerces it to.
export const SCHEMA_V1 = `
CREATE TABLE projects (
  name TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
) STRICT;

-- One row per (name, content): a re-ingested file with new content is a new
-- row, so a run can always name the exact data it saw.
CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  rows INTEGER NOT NULL,
  schema_json TEXT NOT NULL,
  split_manifest_json TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (name, fingerprint)
) STRICT;

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  config_json TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  parent_run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
  summary_json TEXT
) STRICT;
CREATE INDEX runs_by_started ON runs(started_at);
CREATE INDEX runs_by_parent ON runs(parent_run_id);

-- Keyed by (run, step) without a rowid: the series is read back in step order
-- straight from the primary key. A NaN loss is stored as NULL (SQLite has no NaN).
CREATE TABLE step_metrics (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  loss REAL,
  lrs_json TEXT NOT NULL,
  PRIMARY KEY (run_id, step)
) STRICT, WITHOUT ROWID;

CREATE TABLE epoch_metrics (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  train_loss REAL,
  valid_loss REAL,
  metrics_json TEXT NOT NULL,
  seconds REAL NOT NULL,
  PRIMARY KEY (run_id, epoch)
) STRICT, WITHOUT ROWID;

CREATE TABLE trials (
  study_name TEXT NOT NULL,
  trial_number INTEGER NOT NULL,
  run_id TEXT REFERENCES runs(id) ON DELETE SET NULL,
  params_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'failed')),
  value REAL,
  claimed_by TEXT,
  created_at INTEGER NOT NULL,
  ended_at INTEGER,
  PRIMARY KEY (study_name, trial_number)
) STRICT;

CREATE TABLE decisions (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  step INTEGER NOT NULL CHECK (step BETWEEN 1 AND 6),
  action TEXT NOT NULL,
  reason TEXT NOT NULL,
  numbers_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) STRICT;

-- Every look at the test set. No foreign key to runs: deleting a run must not
-- erase the record that its model was evaluated on the test data.
CREATE TABLE test_ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  model_id TEXT NOT NULL,
  run_id TEXT,
  metric_name TEXT NOT NULL,
  value REAL,
  dataset_fingerprint TEXT NOT NULL,
  note TEXT
) STRICT;
CREATE INDEX test_ledger_by_model ON test_ledger(model_id);
-- Append-only: the count of test evaluations is only honest if nobody can lower it.
CREATE TRIGGER test_ledger_no_update BEFORE UPDATE ON test_ledger
  BEGIN SELECT RAISE(ABORT, 'test_ledger is append-only'); END;
CREATE TRIGGER test_ledger_no_delete BEFORE DELETE ON test_ledger
  BEGIN SELECT RAISE(ABORT, 'test_ledger is append-only'); END;

CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('model', 'checkpoint', 'report', 'plot')),
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (run_id, path)
) STRICT;
`;
