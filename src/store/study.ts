// Where a hyperparameter search keeps its trials, so that several workers can
// run one study: the project's SQLite file for the processes of one machine
// (sqlite_study.ts), a PostgreSQL server for workers on several machines
// (postgres.ts). Workers claim trial numbers atomically within the study's
// budget, send heartbeats while they train, and fail the trials of workers
// that stopped sending them, whose places in the budget then go to new numbers.
import type { Json } from './json.js';
import type { Store } from './store.js';
import type { TrialState } from './trials.js';
import { SqliteStudyStore } from './sqlite_study.js';

export interface StudyTrial {
  study: string;
  /** 0, 1, 2… in claim order. */
  number: number;
  params: Json;
  state: TrialState;
  /** The objective, the validation loss: lower is better. null until known. */
  value: number | null;
  /** Validation loss after each epoch (the median pruning rule compares these); empty until finished. */
  curve: number[];
  /** The run that trained it, in the project store of the machine named in claimedBy. */
  runId: string | null;
  /** `<host>:<pid>` of the worker that claimed it. */
  claimedBy: string | null;
  /** ms since epoch */
  createdAt: number;
  endedAt: number | null;
  heartbeatAt: number | null;
}

export interface ClaimOptions {
  /** How many trials that are not failed the study may hold; claim returns null once it holds that many. */
  budget: number;
  /** The new trial's params from its number, so whichever worker claims number n computes the same trial. */
  params: (n: number) => unknown;
  /** Default `<hostname>:<pid>`. */
  claimedBy?: string;
}

export interface FinishOptions {
  state: Exclude<TrialState, 'running'>;
  /** The objective; null (or NaN) when unknown. */
  value?: number | null;
  curve?: readonly number[];
}

export interface StudyStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Atomically takes the next trial number in state 'running', or returns null when the budget is used up. */
  claim(study: string, c: ClaimOptions): Promise<StudyTrial | null>;
  /** Links the run that trains the trial. */
  setRun(study: string, n: number, runId: string): Promise<void>;
  /** Bumps the trial's heartbeat; false when it is no longer running (another worker failed it as stale). */
  heartbeat(study: string, n: number): Promise<boolean>;
  /** Records the outcome; false (and nothing written) when the trial is no longer running. */
  finish(study: string, n: number, f: FinishOptions): Promise<boolean>;
  /** Fails the running trials whose last heartbeat is older than `graceMs`; returns their numbers. */
  failStale(study: string, graceMs: number): Promise<number[]>;
  /** All trials of the study in number order. */
  trials(study: string): Promise<StudyTrial[]>;
  /** The complete trial with the lowest value (ties: the earliest), if any. */
  best(study: string): Promise<StudyTrial | null>;
  close(): Promise<void>;
}

/** True for a `postgres://` or `postgresql://` URL. */
export function isPostgresUrl(s: string | undefined): s is string {
  return /^postgres(ql)?:\/\//.test(s ?? '');
}

/**
 * The study store `url` names: PostgreSQL for a postgres:// URL, otherwise
 * the project's own SQLite store (which closing the study store leaves open).
 */
export async function openStudyStore(url: string | undefined, project: Store): Promise<StudyStore> {
  if (url === undefined || url === '' || url === 'sqlite') return new SqliteStudyStore(project);
  if (!isPostgresUrl(url)) throw new Error(`sixstep: --store takes a postgres://user:password@host:port/database URL (or "sqlite"), got "${url}"`);
  const { PostgresStudyStore } = await import('./postgres.js');
  return PostgresStudyStore.connect(url);
}
