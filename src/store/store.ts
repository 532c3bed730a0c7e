// The experiment store of one project: <projectDir>/sixstep.db. A thin typed
// façade over the per-record modules; each method is one transaction, so a
// process killed between calls leaves every earlier call fully written.
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase, retryBusy, type Db, type OpenOptions, type SqliteDatabase } from './db.js';
import { LATEST_VERSION, migrate, schemaVersion, type MigrateResult } from './migrations.js';
import { ensureProject, getProject, listProjects, type Project } from './projects.js';
import { datasetsByFingerprint, getDataset, listDatasets, putDataset, setSplitManifest, type Dataset, type DatasetInput } from './datasets.js';
import { createRun, finishRun, getRun, heartbeat, interruptStaleRuns, listRuns, setRunSummary, type FinishRun, type NewRun, type Run, type RunFilter } from './runs.js';
import { epochSeries, insertSteps, logEpoch, stepCount, stepSeries, type EpochInput, type EpochMetric, type SeriesOptions, type StepInput, type StepMetric } from './metrics.js';
import { StepWriter, type StepWriterOptions } from './step_writer.js';
import { lrFindCurve, saveLrFind, type LrFindInput, type LrFindPoint } from './lr_find.js';
import { bestTrial, claimTrial, failStaleTrials, finishTrial, getTrial, listStudies, setTrialRun, trialHeartbeat, trialsOf, type ClaimTrial, type FinishTrial, type Trial } from './trials.js';
import { addDecision, decisionsOf, type Decision, type NewDecision } from './decisions.js';
import { ledger, recordTestEvaluation, testEvaluations, type LedgerEntry, type LedgerFilter, type NewLedgerEntry } from './test_ledger.js';
import { addArtifact, artifactsBySha256, artifactsOf, fileDigest, getArtifact, type Artifact, type ArtifactKind, type NewArtifact } from './artifacts.js';
import { compareRuns, type RunComparison } from './compare.js';
import { putRankStats, rankStatsOf, type RankStatsInput, type RankStatsRow } from './rank_stats.js';
import { putSplitMetrics, splitMetricsOf, type SplitMetrics, type SplitMetricsInput } from './split_metrics.js';
import { exportRun, type ExportFormat, type ExportOptions } from './export.js';

export const DB_FILE = 'sixstep.db';

export interface StoreOptions extends OpenOptions {
  /** Name recorded in the projects table. Default: the project directory's base name. */
  project?: string;
}

export class Store {
  /** Path of the database file. */
  readonly file: string;
  /** The project this database belongs to. */
  readonly project: Project;
  /** Migrations this open applied (empty when the database was current). */
  readonly migrated: MigrateResult;
  private readonly db: Db;
  private readonly writers = new Set<StepWriter>();

  private constructor(db: Db, file: string, project: Project, migrated: MigrateResult) {
    this.db = db;
    this.file = file;
    this.project = project;
    this.migrated = migrated;
  }

  /** Opens (creating the folder and database if needed) and migrates to the latest schema. */
  static open(projectDir: string, options: StoreOptions = {}): Store {
    const dir = resolve(projectDir);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, DB_FILE);
    const db = openDatabase(file, options);
    try {
      // The first statements on a brand-new file race other processes creating it too.
      const timeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
      const migrated = retryBusy(timeout, () => migrate(db));
      const project = retryBusy(timeout, () => ensureProject(db, options.project ?? basename(dir)));
      return new Store(db, file, project, migrated);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** The underlying better-sqlite3 connection, for queries the store has no method for. */
  get connection(): SqliteDatabase {
    return this.db.raw;
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  get latestSchemaVersion(): number {
    return LATEST_VERSION;
  }

  /** Flushes open step writers, then closes the connection. Closing twice is harmless. */
  close(): void {
    if (!this.db.raw.open) return;
    // Close the connection even if a writer cannot flush (its rows are lost
    // either way); report the first failure after.
    let failure: unknown;
    for (const w of [...this.writers]) {
      try {
        w.close();
      } catch (e) {
        failure ??= e;
      }
    }
    this.writers.clear();
    this.db.close();
    if (failure !== undefined) throw failure;
  }

  /** PRAGMA integrity_check: 'ok', or the problems found. */
  integrityCheck(): string {
    return (this.db.raw.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('\n');
  }

  // Projects
  getProject(name: string): Project | undefined {
    return getProject(this.db, name);
  }
  ensureProject(name: string): Project {
    return ensureProject(this.db, name);
  }
  listProjects(): Project[] {
    return listProjects(this.db);
  }

  // Datasets
  putDataset(d: DatasetInput): Dataset {
    return putDataset(this.db, d);
  }
  setSplitManifest(name: string, fingerprint: string, manifest: unknown): Dataset {
    return setSplitManifest(this.db, name, fingerprint, manifest);
  }
  getDataset(name: string, fingerprint?: string): Dataset | undefined {
    return getDataset(this.db, name, fingerprint);
  }
  datasetsByFingerprint(fingerprint: string): Dataset[] {
    return datasetsByFingerprint(this.db, fingerprint);
  }
  listDatasets(): Dataset[] {
    return listDatasets(this.db);
  }

  // Runs
  createRun(n: NewRun): Run {
    return createRun(this.db, n);
  }
  finishRun(id: string, f?: FinishRun): Run {
    return finishRun(this.db, id, f);
  }
  setRunSummary(id: string, summary: unknown): void {
    setRunSummary(this.db, id, summary);
  }
  heartbeat(runId: string, at?: number): void {
    heartbeat(this.db, runId, at);
  }
  interruptStaleRuns(staleAfterMs: number, now?: number): string[] {
    return interruptStaleRuns(this.db, staleAfterMs, now);
  }
  getRun(id: string): Run | undefined {
    return getRun(this.db, id);
  }
  listRuns(filter?: RunFilter): Run[] {
    return listRuns(this.db, filter);
  }

  // Metrics
  /** Writes one step in its own transaction. For a stream of steps use stepWriter(). */
  logStep(runId: string, row: StepInput): void {
    insertSteps(this.db, runId, [row]);
  }
  /** Writes many steps in one transaction. */
  logSteps(runId: string, rows: readonly StepInput[]): void {
    insertSteps(this.db, runId, rows);
  }
  /** A buffered writer for the run's steps; close() it (or the store) to write the tail. */
  stepWriter(runId: string, options?: StepWriterOptions): StepWriter {
    const w = new StepWriter(this.db, runId, options, (x) => this.writers.delete(x));
    this.writers.add(w);
    return w;
  }
  logEpoch(runId: string, e: EpochInput): void {
    logEpoch(this.db, runId, e);
  }
  stepSeries(runId: string, options?: SeriesOptions): StepMetric[] {
    return stepSeries(this.db, runId, options);
  }
  stepCount(runId: string): number {
    return stepCount(this.db, runId);
  }
  epochSeries(runId: string): EpochMetric[] {
    return epochSeries(this.db, runId);
  }

  /** One epoch's figures for every rank of a data-parallel run. */
  putRankStats(runId: string, epoch: number, ranks: readonly RankStatsInput[]): void {
    putRankStats(this.db, runId, epoch, ranks);
  }

  /** Per-rank throughput and communication time of a run, by epoch then rank (empty for one-process runs). */
  rankStats(runId: string): RankStatsRow[] {
    return rankStatsOf(this.db, runId);
  }

  /** Records the error-analysis metrics of the run's model on one split (replacing an earlier record of that split). */
  putSplitMetrics(runId: string, m: SplitMetricsInput): void {
    putSplitMetrics(this.db, runId, m);
  }
  /** The run's error-analysis metrics, train, validation then test. */
  splitMetrics(runId: string): SplitMetrics[] {
    return splitMetricsOf(this.db, runId);
  }

  // LR finder
  saveLrFind(input: LrFindInput): Run {
    return saveLrFind(this.db, input);
  }
  lrFindCurve(runId: string): LrFindPoint[] {
    return lrFindCurve(this.db, runId);
  }

  // Trials
  claimTrial(study: string, c: ClaimTrial): Trial {
    return claimTrial(this.db, study, c);
  }
  setTrialRun(study: string, n: number, runId: string): Trial {
    return setTrialRun(this.db, study, n, runId);
  }
  trialHeartbeat(study: string, n: number, at?: number): Trial {
    return trialHeartbeat(this.db, study, n, at);
  }
  finishTrial(study: string, n: number, f: FinishTrial): Trial {
    return finishTrial(this.db, study, n, f);
  }
  failStaleTrials(study: string, staleAfterMs: number, now?: number): number[] {
    return failStaleTrials(this.db, study, staleAfterMs, now);
  }
  getTrial(study: string, n: number): Trial | undefined {
    return getTrial(this.db, study, n);
  }
  trialsOf(study: string): Trial[] {
    return trialsOf(this.db, study);
  }
  bestTrial(study: string): Trial | undefined {
    return bestTrial(this.db, study);
  }
  listStudies(): string[] {
    return listStudies(this.db);
  }

  // Decisions
  addDecision(d: NewDecision): Decision {
    return addDecision(this.db, d);
  }
  decisionsOf(runId: string): Decision[] {
    return decisionsOf(this.db, runId);
  }

  // Test ledger
  recordTestEvaluation(e: NewLedgerEntry): LedgerEntry {
    return recordTestEvaluation(this.db, e);
  }
  testEvaluations(modelId?: string): number {
    return testEvaluations(this.db, modelId);
  }
  ledger(filter?: LedgerFilter): LedgerEntry[] {
    return ledger(this.db, filter);
  }

  // Artifacts
  addArtifact(a: NewArtifact): Artifact {
    return addArtifact(this.db, a);
  }
  /** Hashes the file at `path` and records it. */
  async addArtifactFile(runId: string, kind: ArtifactKind, path: string): Promise<Artifact> {
    const { sha256, bytes } = await fileDigest(path);
    return addArtifact(this.db, { runId, kind, path, sha256, bytes });
  }
  getArtifact(id: number): Artifact | undefined {
    return getArtifact(this.db, id);
  }
  artifactsOf(runId: string, kind?: ArtifactKind): Artifact[] {
    return artifactsOf(this.db, runId, kind);
  }
  artifactsBySha256(sha256: string): Artifact[] {
    return artifactsBySha256(this.db, sha256);
  }

  // Views
  compareRuns(ids: readonly string[]): RunComparison[] {
    return compareRuns(this.db, ids);
  }
  exportRun(id: string, format: ExportFormat, options?: ExportOptions): string {
    return exportRun(this.db, id, format, options);
  }
}

/** Opens the store of the project in `projectDir` (see Store.open). */
export function openStore(projectDir: string, options?: StoreOptions): Store {
  return Store.open(projectDir, options);
}
