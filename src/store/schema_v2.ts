// Schema version 2: liveness and gradient norms.
// - runs.heartbeat_at and trials.heartbeat_at: a process killed mid-run never
//   writes its final status, so "running" alone cannot tell a live run from a
//   dead one. Writers bump the heartbeat; a stale one marks the row dead.
// - step_metrics.grad_norm: the pre-clip global gradient norm, for spotting
//   exploding gradients next to the loss curve. NULL where not measured.
export const SCHEMA_V2 = `
ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER;
-- Old rows get their last known sign of life, so they are not all "stale at 0".
UPDATE runs SET heartbeat_at = COALESCE(ended_at, started_at);
CREATE INDEX runs_by_status ON runs(status, heartbeat_at);

ALTER TABLE trials ADD COLUMN heartbeat_at INTEGER;
UPDATE trials SET heartbeat_at = COALESCE(ended_at, created_at);
CREATE INDEX trials_by_state ON trials(study_name, state);

ALTER TABLE step_metrics ADD COLUMN grad_norm REAL;
`;
