// The experiment store: one SQLite database per project holding datasets,
// runs and their metrics, search trials, decisions, the test ledger and
// artifacts. Open it with openStore(projectDir). A search study can also live
// on a PostgreSQL server (openStudyStore with a postgres:// URL).
export { Store, openStore, DB_FILE, type StoreOptions } from './store.js';
export { openDatabase, Db, isBusy, StoreWriteError, DEFAULT_BUSY_TIMEOUT_MS, type OpenOptions } from './db.js';
export { MIGRATIONS, LATEST_VERSION, migrate, schemaVersion, StoreVersionError, type Migration, type MigrateOptions, type MigrateResult } from './migrations.js';
export type { Json, JsonObject } from './json.js';
export type { Project } from './projects.js';
export type { Dataset, DatasetInput } from './datasets.js';
export { newRunId, type Run, type RunKind, type KnownRunKind, type RunStatus, type NewRun, type FinishRun, type RunFilter } from './runs.js';
export type { StepMetric, StepInput, EpochMetric, EpochInput, SeriesOptions } from './metrics.js';
export { StepWriter, DEFAULT_STEP_BATCH, DEFAULT_STEP_MAX_DELAY_MS, type StepWriterOptions } from './step_writer.js';
export type { LrFindPoint, LrFindInput } from './lr_find.js';
export type { Trial, TrialState, ClaimTrial, FinishTrial } from './trials.js';
export { openStudyStore, isPostgresUrl, type StudyStore, type StudyTrial, type ClaimOptions, type FinishOptions } from './study.js';
export { SqliteStudyStore } from './sqlite_study.js';
export type { Decision, NewDecision, PlaybookStep } from './decisions.js';
export type { LedgerEntry, NewLedgerEntry, LedgerFilter } from './test_ledger.js';
export type { SplitMetrics, SplitMetricsInput, MetricSplit } from './split_metrics.js';
export { summarizeRankStats, type RankStatsInput, type RankStatsRow } from './rank_stats.js';
export { fileDigest, type Artifact, type ArtifactKind, type NewArtifact } from './artifacts.js';
export type { RunComparison } from './compare.js';
export type { ExportFormat, ExportOptions } from './export.js';
