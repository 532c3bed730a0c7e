// A study in the project's SQLite file: the trials table of trials.ts, shared
// by the worker processes of one machine (WAL, busy timeout, BEGIN IMMEDIATE
// writes). A trial's curve is the validation loss of its run's epoch rows.
import { Db } from './db.js';
import { epochSeries, logEpoch } from './metrics.js';
import { createRun, finishRun } from './runs.js';
import type { Store } from './store.js';
import type { ClaimOptions, FinishOptions, StudyStore, StudyTrial } from './study.js';
import { bestTrial, claimTrialWithin, failStaleTrials, finishTrial, getTrial, setTrialRun, trialHeartbeat, trialsOf, type Trial } from './trials.js';

export class SqliteStudyStore implements StudyStore {
  readonly kind = 'sqlite';
  private readonly db: Db;

  /** Works on `project`'s connection; close() leaves the project store open. */
  constructor(project: Store) {
    this.db = new Db(project.connection);
  }

  private toStudyTrial(t: Trial): StudyTrial {
    const curve = t.runId ? epochSeries(this.db, t.runId).map((e) => e.validLoss ?? NaN) : [];
    return {
      study: t.studyName,
      number: t.trialNumber,
      params: t.params,
      state: t.state,
      value: t.value,
      curve,
      runId: t.runId,
      claimedBy: t.claimedBy,
      createdAt: t.createdAt,
      endedAt: t.endedAt,
      heartbeatAt: t.heartbeatAt,
    };
  }

  /** Runs `fn` on the trial inside one write transaction if it is still running; false otherwise. */
  private ifRunning(study: string, n: number, fn: (t: Trial) => void): boolean {
    return this.db.write(() => {
      const t = getTrial(this.db, study, n);
      if (t?.state !== 'running') return false;
      fn(t);
      return true;
    });
  }

  async claim(study: string, c: ClaimOptions): Promise<StudyTrial | null> {
    const t = claimTrialWithin(this.db, study, c.budget, { params: c.params, claimedBy: c.claimedBy });
    return t && this.toStudyTrial(t);
  }

  async setRun(study: string, n: number, runId: string): Promise<void> {
    setTrialRun(this.db, study, n, runId);
  }

  async heartbeat(study: string, n: number): Promise<boolean> {
    return this.ifRunning(study, n, () => trialHeartbeat(this.db, study, n));
  }

  async finish(study: string, n: number, f: FinishOptions): Promise<boolean> {
    return this.ifRunning(study, n, (t) => {
      // The curve lives in the run's epoch rows; a trial trained without a run gets one for it.
      if (!t.runId && f.curve?.length) {
        const run = createRun(this.db, { kind: 'trial', config: { study, trial: n, params: t.params } });
        f.curve.forEach((validLoss, epoch) => logEpoch(this.db, run.id, { epoch, trainLoss: NaN, validLoss, seconds: 0 }));
        finishRun(this.db, run.id, { status: f.state === 'failed' ? 'failed' : 'finished' });
        setTrialRun(this.db, study, n, run.id);
      }
      finishTrial(this.db, study, n, { state: f.state, value: f.value ?? null });
    });
  }

  async failStale(study: string, graceMs: number): Promise<number[]> {
    return failStaleTrials(this.db, study, graceMs);
  }

  async trials(study: string): Promise<StudyTrial[]> {
    return this.db.read(() => trialsOf(this.db, study).map((t) => this.toStudyTrial(t)));
  }

  async best(study: string): Promise<StudyTrial | null> {
    const t = bestTrial(this.db, study);
    return t ? this.toStudyTrial(t) : null;
  }

  async close(): Promise<void> {}
}
