// Schema version 4: the error-analysis metrics of a run's model on each split
// (train, validation, and test as step 5 measured it) — F1, AUC, R² and the
// rest — with the per-class scores and confusion matrix behind them.
export const SCHEMA_V4 = `
CREATE TABLE split_metrics (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  split TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
  rows INTEGER NOT NULL,
  metrics_json TEXT NOT NULL,
  detail_json TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, split)
);
`;
