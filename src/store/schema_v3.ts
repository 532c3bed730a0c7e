// Schema version 3: per-rank figures of data-parallel runs — each rank's
// throughput and the time it spent communicating, per epoch.
export const SCHEMA_V3 = `
CREATE TABLE rank_stats (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  rank INTEGER NOT NULL,
  samples INTEGER NOT NULL,
  seconds REAL NOT NULL,
  comm_seconds REAL NOT NULL,
  PRIMARY KEY (run_id, epoch, rank)
);
`;
