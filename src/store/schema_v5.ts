// Schema version 5: what serving records (src/serve/records.ts writes it,
// `doctor` and the dashboard read it). Each served model; each prediction it
// made (id, predicted label or value); the true labels sent back as feedback;
// the latest drift report per model. IF NOT EXISTS: servers before this
// version created the same tables themselves, and their rows are kept.
export const SCHEMA_V5 = `
CREATE TABLE IF NOT EXISTS serve_models (
  model_key TEXT PRIMARY KEY,
  model_dir TEXT NOT NULL,
  task TEXT NOT NULL,
  metric TEXT NOT NULL,
  test_value REAL,
  started_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS serve_predictions (
  id TEXT PRIMARY KEY,
  model_key TEXT NOT NULL,
  at INTEGER NOT NULL,
  label TEXT,
  value REAL
);
CREATE INDEX IF NOT EXISTS serve_predictions_model ON serve_predictions(model_key, at);
CREATE TABLE IF NOT EXISTS serve_feedback (
  prediction_id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  label TEXT,
  value REAL
);
CREATE TABLE IF NOT EXISTS serve_drift (
  model_key TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  report TEXT NOT NULL
);
`;
