// Random search — never grid: "If I'm tuning multiple hyperparameters at
// once, I avoid grid searches in favor of random selection." Seeded, within
// a trial count and/or a time budget, hopeless trials stopped early by the
// median rule, every trial kept, the best chosen by validation loss only.
// Trial n's point depends on (seed, n) alone, so workers that claim trial
// numbers in any order (search_worker.ts) compute the same trials.
import { Rng, deriveSeed } from '../data/index.js';

export interface Range {
  min: number;
  max: number;
  /** Sample uniformly in log space (learning rates, widths, weight decay). */
  log?: boolean;
  /** Round to an integer. */
  integer?: boolean;
}

export interface SearchSpace {
  /** Hidden units per layer. */
  hidden?: Range;
  /** Number of hidden layers. */
  layers?: Range;
  /** Mini-batch sizes; powers of two. Default {64, 128, 256, 512} and, rarely, 1024. */
  batchSize?: number[];
  learningRate?: Range;
  dropout?: Range;
  weightDecay?: Range;
}

export type TrialParams = Partial<Record<'hidden' | 'layers' | 'batchSize' | 'learningRate' | 'dropout' | 'weightDecay', number>>;

export interface TrialResult {
  number: number;
  params: TrialParams;
  state: 'complete' | 'pruned' | 'failed';
  /** Best validation loss the trial reached (the selection criterion). */
  value: number;
  trainLoss: number;
  /** Validation loss after each epoch. */
  curve: number[];
  seconds: number;
  error?: string;
}

export interface TrialContext {
  number: number;
  /** Report the validation loss after an epoch; returns true when the trial should stop (pruned). */
  report(epoch: number, validLoss: number): boolean;
}

export interface SearchOptions {
  space: SearchSpace;
  /** Trial budget; default 20. */
  trials?: number;
  /** Time budget in minutes; no new trial starts after it. Default none. */
  minutes?: number;
  /** Default 0. */
  seed?: number;
  /** Epochs before the median rule may stop a trial; default 1. */
  warmupEpochs?: number;
  /** Called after every trial (to record it). */
  onTrial?: (t: TrialResult) => void;
  /** No new trial starts at or after this time (ms since epoch, on `clock`); default none. */
  deadline?: number;
  /** ms since epoch; default Date.now (data-parallel ranks pass one agreed clock). */
  clock?: () => number;
}

export type Objective = (params: TrialParams, ctx: TrialContext) => Promise<{ validLoss: number; trainLoss: number }>;

function sampleRange(rng: Rng, r: Range): number {
  const v = r.log ? Math.exp(rng.uniform(Math.log(r.min), Math.log(r.max))) : rng.uniform(r.min, r.max);
  return r.integer ? Math.round(v) : v;
}

/** One random point of the space. */
export function sample(space: SearchSpace, rng: Rng): TrialParams {
  const p: TrialParams = {};
  if (space.hidden) p.hidden = sampleRange(rng, { ...space.hidden, integer: true });
  if (space.layers) p.layers = sampleRange(rng, { ...space.layers, integer: true });
  if (space.batchSize) p.batchSize = space.batchSize[rng.int(space.batchSize.length)];
  else p.batchSize = rng.next() < 0.05 ? 1024 : [64, 128, 256, 512][rng.int(4)];
  if (space.learningRate) p.learningRate = sampleRange(rng, { ...space.learningRate, log: space.learningRate.log ?? true });
  if (space.dropout) p.dropout = sampleRange(rng, space.dropout);
  if (space.weightDecay) p.weightDecay = sampleRange(rng, { ...space.weightDecay, log: space.weightDecay.log ?? true });
  return p;
}

/** Trial n's point of the space: a function of (seed, n) only, whoever samples it and whenever. */
export function trialParams(space: SearchSpace, seed: number, n: number): TrialParams {
  return sample(space, new Rng(deriveSeed(seed, n)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * The median stopping rule at `epoch`: true when the trial's best validation
 * loss so far is worse than the median of the other trials' best losses up to
 * the same epoch. Needs two others that got that far, and `warmupEpochs` epochs.
 */
export function medianRule(curve: readonly number[], others: readonly (readonly number[])[], epoch: number, warmupEpochs = 1): boolean {
  if (epoch + 1 < warmupEpochs) return false;
  const bests = others.filter((c) => c.length > epoch).map((c) => Math.min(...c.slice(0, epoch + 1)));
  return bests.length >= 2 && Math.min(...curve.slice(0, epoch + 1)) > median(bests);
}

export async function randomSearch(o: SearchOptions, objective: Objective): Promise<{ best: TrialResult | null; trials: TrialResult[] }> {
  const seed = o.seed ?? 0;
  const budget = o.trials ?? 20;
  const clock = o.clock ?? Date.now;
  const deadline = Math.min(o.minutes ? clock() + o.minutes * 60_000 : Infinity, o.deadline ?? Infinity);
  const trials: TrialResult[] = [];
  for (let n = 0; n < budget && clock() < deadline; n++) {
    const params = trialParams(o.space, seed, n);
    const curve: number[] = [];
    let pruned = false;
    const t0 = clock();
    const ctx: TrialContext = {
      number: n,
      report(epoch, validLoss) {
        curve[epoch] = validLoss;
        // Worse than the median of earlier trials at the same epoch: stop.
        if (!pruned && medianRule(curve, trials.map((t) => t.curve), epoch, o.warmupEpochs)) pruned = true;
        return pruned;
      },
    };
    let result: TrialResult;
    try {
      const r = await objective(params, ctx);
      result = { number: n, params, state: pruned ? 'pruned' : 'complete', value: r.validLoss, trainLoss: r.trainLoss, curve, seconds: (clock() - t0) / 1000 };
    } catch (e) {
      result = { number: n, params, state: 'failed', value: NaN, trainLoss: NaN, curve, seconds: (clock() - t0) / 1000, error: (e as Error).message };
    }
    trials.push(result);
    o.onTrial?.(result);
  }
  // Selected by validation loss only; a pruned trial never wins.
  const complete = trials.filter((t) => t.state === 'complete' && Number.isFinite(t.value));
  const best = complete.length ? complete.reduce((a, b) => (b.value < a.value ? b : a)) : null;
  return { best, trials };
}
