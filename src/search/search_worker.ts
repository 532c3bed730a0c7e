// One worker of a parallel random search. Any number of them, in processes on
// one machine or several, run one study through a StudyStore: each loops
// failing stale trials, claiming the next trial number, training it with a
// heartbeat going, and recording the outcome, until the budget is used up and
// no trial is running anywhere. Trial n's params come from (seed, n) alone
// (trialParams), so the study's content does not depend on which worker ran
// what — except through median pruning, which compares a trial with the
// trials finished in the store so far and so depends on timing.
import { hostname } from 'node:os';
import type { StudyStore, StudyTrial } from '../store/study.js';
import { medianRule, trialParams, type SearchSpace, type TrialContext, type TrialParams } from './random_search.js';

export interface WorkerOptions {
  study: string;
  space: SearchSpace;
  /** Trial budget: trials that are not failed. Default 20. */
  trials?: number;
  /** Default 0. */
  seed?: number;
  /** Epochs before the median rule may stop a trial; default 1. */
  warmupEpochs?: number;
  /** A running trial whose heartbeat is older than this is failed and its budget goes to a new trial. Default 30 000. */
  graceMs?: number;
  /** Default a third of the grace period, at most 5 000. */
  heartbeatMs?: number;
  /** No trial is claimed after this time (ms since epoch). Default none. */
  deadline?: number;
  /** Default `<hostname>:<pid>`. */
  claimedBy?: string;
  /** The worker gives up after this many of its trials failed in a row. Default 3. */
  maxConsecutiveFailures?: number;
  /** Stop claiming (e.g. after Ctrl-C). */
  stopRequested?: () => boolean;
  /** After each trial this worker finished (or lost). */
  onTrial?: (t: WorkerTrial) => void;
  /** Things worth a line in the log: stale trials failed, waiting on others. */
  onNote?: (message: string) => void;
}

export interface WorkerTrial {
  number: number;
  params: TrialParams;
  /** 'lost': another worker failed it for a stale heartbeat before it finished; its result was dropped. */
  state: 'complete' | 'pruned' | 'failed' | 'lost';
  value: number | null;
  curve: number[];
  seconds: number;
  error?: string;
}

/**
 * Trains trial `trial`; reports each epoch's validation loss through
 * ctx.report and stops when it returns true. `pruned` says whether it really
 * stopped early (the rule firing after the last epoch stops nothing); by
 * default, whether the rule fired.
 */
export type WorkerObjective = (params: TrialParams, ctx: TrialContext, trial: StudyTrial) => Promise<{ validLoss: number; pruned?: boolean }>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Curves of the finished trials other than `n`: what the median rule compares with. */
function finishedCurves(trials: StudyTrial[], n: number): number[][] {
  return trials.filter((t) => t.number !== n && (t.state === 'complete' || t.state === 'pruned')).map((t) => t.curve);
}

/** Runs trials until the study is done; returns what this worker did. Throws after too many failures in a row. */
export async function searchWorker(store: StudyStore, o: WorkerOptions, objective: WorkerObjective): Promise<WorkerTrial[]> {
  const budget = o.trials ?? 20;
  const seed = o.seed ?? 0;
  const graceMs = o.graceMs ?? 30_000;
  const heartbeatMs = o.heartbeatMs ?? Math.min(5_000, graceMs / 3);
  const deadline = o.deadline ?? Infinity;
  const claimedBy = o.claimedBy ?? `${hostname()}:${process.pid}`;
  const maxFailures = o.maxConsecutiveFailures ?? 3;
  const note = o.onNote ?? (() => {});
  const done: WorkerTrial[] = [];
  let failures = 0;
  let waiting = false;

  while (!o.stopRequested?.() && Date.now() < deadline) {
    const stale = await store.failStale(o.study, graceMs);
    if (stale.length) note(`trial${stale.length > 1 ? 's' : ''} ${stale.join(', ')}: no heartbeat for ${graceMs / 1000} s, marked failed; ${stale.length > 1 ? 'their budget goes' : 'its budget goes'} to new trials`);
    const trial = await store.claim(o.study, { budget, params: (n) => trialParams(o.space, seed, n), claimedBy });
    if (!trial) {
      // The budget is taken; done unless a running trial may still fail and free its place.
      const running = (await store.trials(o.study)).filter((t) => t.state === 'running');
      if (!running.length) break;
      if (!waiting) note(`budget taken; waiting on running trial${running.length > 1 ? 's' : ''} ${running.map((t) => t.number).join(', ')}`);
      waiting = true;
      await sleep(Math.min(1_000, graceMs / 4));
      continue;
    }
    waiting = false;
    const r = await runTrial(store, o.study, trial, heartbeatMs, o.warmupEpochs ?? 1, objective);
    done.push(r);
    o.onTrial?.(r);
    failures = r.state === 'failed' ? failures + 1 : 0;
    if (failures >= maxFailures) throw new Error(`${failures} trials in a row failed; the last: ${r.error}`);
  }
  return done;
}

async function runTrial(store: StudyStore, study: string, trial: StudyTrial, heartbeatMs: number, warmupEpochs: number, objective: WorkerObjective): Promise<WorkerTrial> {
  const n = trial.number;
  const params = trial.params as TrialParams;
  const t0 = Date.now();
  let others = finishedCurves(await store.trials(study), n);
  let lost = false;
  let pruned = false;
  const curve: number[] = [];
  // The heartbeat also refreshes what the median rule compares with.
  let beating: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    beating = beating.then(async () => {
      try {
        if (!(await store.heartbeat(study, n))) lost = true;
        else others = finishedCurves(await store.trials(study), n);
      } catch {
        // A missed beat is harmless; the grace period spans several.
      }
    });
  }, heartbeatMs);
  const ctx: TrialContext = {
    number: n,
    report(epoch, validLoss) {
      curve[epoch] = validLoss;
      if (!pruned && medianRule(curve, others, epoch, warmupEpochs)) pruned = true;
      return pruned || lost;
    },
  };
  let value: number | null = null;
  let error: string | undefined;
  try {
    const r = await objective(params, ctx, trial);
    value = Number.isFinite(r.validLoss) ? r.validLoss : null;
    pruned = r.pruned ?? pruned;
  } catch (e) {
    error = (e as Error).message;
  } finally {
    clearInterval(timer);
    await beating;
  }
  const state = error !== undefined ? 'failed' : pruned ? 'pruned' : 'complete';
  const recorded = await store.finish(study, n, { state, value, curve });
  const seconds = (Date.now() - t0) / 1000;
  if (!recorded) return { number: n, params, state: 'lost', value, curve, seconds, error: 'marked failed by another worker (heartbeat older than the grace period); result dropped' };
  return { number: n, params, state, value, curve, seconds, error };
}
