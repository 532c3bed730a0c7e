// The autopilot's budget plan at the start of a run: measure what an epoch
// costs (and, for images, which batch size the machine trains fastest), keep
// back what the end of the command needs, share the rest between exploration
// and training the chosen configuration, and size step 3 so that its schedule
// completes in its share. Every number used is in the logged decisions.
import type { Prepared } from '../data/prepare.js';
import type { ModelSpec } from './architecture.js';
import type { CostFunctionChoice } from './cost_function.js';
import type { Decision } from './decisions.js';
import { timeEpoch, type EpochTiming } from './epoch_timer.js';
import { chooseBatchSize } from './measured_choice.js';
import { endRows, planPhase, reserveSeconds, splitBudget, EXPLORATION_SHARE, STEP3_SHARE_OF_EXPLORATION, type BudgetSplit, type PhasePlan } from './budget_plan.js';
import { MEASURE_ROWS } from '../protocol/index.js';

export interface BudgetPhasesOptions {
  prepared: Prepared;
  spec: ModelSpec;
  cost: CostFunctionChoice;
  /** The whole command's budget, and what is already spent. */
  totalSeconds: number;
  elapsedSeconds: number;
  /** The linear reference's time cap, spent after this plan and before step 3; default 0. */
  linearSeconds?: number;
  /** Most epochs of step 3. */
  epochCap: number;
  /** Non-image kinds: step 3's share of the available time (it is their main training; the ladder changes it only when it must). */
  step3Share: number;
  /** Non-image kinds: the ladder's end, as a share of the available time. */
  ladderShare: number;
  explorationShare?: number;
  /** Candidate batch sizes for images (the fastest is chosen by measurement); default [64, 128, 256]. */
  batchSizes?: number[];
  /** Timing other batch sizes is skipped when it would take more than this share of the budget; default 0.02. */
  batchSearchShare?: number;
  defaultBatchSize: number;
  seed?: number;
  log: (d: Decision) => void;
}

export interface BudgetPhases {
  batchSize: number;
  timing: EpochTiming;
  split: BudgetSplit;
  step3: PhasePlan;
  /** Learning-rate finder iterations that fit their share of step 3's time (at most its default 100, at least 30), for every kind of data. */
  finderIterations: number;
  /** Seconds from now at which each phase must end. */
  step3End: number;
  ladderEnd: number;
  finalEnd: number;
}

/** The learning-rate finder's default iterations, and the fewest that still trace its curve. */
const FINDER_ITERATIONS = 100;
const MIN_FINDER_ITERATIONS = 30;
/** Of step 3's time, the most the finder may take (it runs twice when SGD gives way to Adam). */
const FINDER_SHARE = 0.2;

/**
 * The finder's sweep length: its two sweeps (SGD, then Adam) take at most
 * FINDER_SHARE of step 3's time, within [30, 100] batches. On 2,800 short
 * texts the full sweep (twice 100 batches) took 4.5 epochs of a 3-minute budget.
 */
export function finderIterations(step3Seconds: number, secondsPerBatch: number): number {
  return Math.max(MIN_FINDER_ITERATIONS, Math.min(FINDER_ITERATIONS, Math.floor((FINDER_SHARE * step3Seconds) / (2 * secondsPerBatch))));
}

export async function planBudget(o: BudgetPhasesOptions): Promise<BudgetPhases> {
  const p = o.prepared;
  const t0 = performance.now();
  let batchSize = o.defaultBatchSize;
  let timing: EpochTiming;
  timing = await timeEpoch(p, { spec: o.spec, cost: o.cost, batchSize, seed: o.seed });
  if (p.kind === 'image') {
    const sizes = [...new Set(o.batchSizes ?? [64, 128, 256])].filter((b) => b !== batchSize && b <= p.counts.train);
    // What timing the other sizes would cost, from the default's measurement (each times 7 batches).
    const cost = timing.measuredSeconds * sizes.reduce((a, b) => a + b, 0) / batchSize;
    const share = o.batchSearchShare ?? 0.02;
    const timings: EpochTiming[] = [timing];
    if (cost <= share * o.totalSeconds) for (const b of sizes) timings.push(await timeEpoch(p, { spec: o.spec, cost: o.cost, batchSize: b, seed: o.seed }));
    else o.log({ step: 3, action: `batch size ${batchSize} (not searched)`, reason: `timing ${sizes.join(' and ')} would take about ${cost.toFixed(1)} s, more than ${Math.round(share * 100)} % of the ${o.totalSeconds.toFixed(0)} s budget`, numbers: { estimatedSeconds: cost, budgetSeconds: o.totalSeconds } });
    timings.sort((a, b) => a.batchSize - b.batchSize);
    const choice = chooseBatchSize(timings, o.defaultBatchSize);
    batchSize = choice.batchSize;
    timing = timings.find((t) => t.batchSize === batchSize)!;
    if (timings.length > 1) o.log({ step: 3, action: `batch size ${batchSize}`, reason: choice.why, numbers: { timings: timings.map((t) => ({ batchSize: t.batchSize, samplesPerSecond: Math.round(t.samplesPerSecond) })), chosen: batchSize } });
  }
  const spentHere = (performance.now() - t0) / 1000;
  const reserve = reserveSeconds({ evalSecondsPerRow: timing.evalSecondsPerRow, rowsEvaluated: endRows(p.counts) });
  const split = splitBudget({ totalSeconds: o.totalSeconds, elapsedSeconds: o.elapsedSeconds + spentHere, reserveSeconds: reserve.seconds, linearSeconds: o.linearSeconds, explorationShare: o.explorationShare ?? EXPLORATION_SHARE });
  const image = p.kind === 'image';
  const step3Seconds = image ? split.explorationSeconds * STEP3_SHARE_OF_EXPLORATION : split.availableSeconds * o.step3Share;
  // Per epoch: the training batches, validation, and the eval-mode probe on the fixed training subset.
  const perEpoch = timing.secondsPerEpoch + timing.evalSecondsPerRow * Math.min(MEASURE_ROWS, p.counts.train);
  const sweep = finderIterations(step3Seconds, timing.secondsPerBatch);
  const overhead = 2 * sweep * timing.secondsPerBatch;
  const step3 = planPhase({ secondsGiven: step3Seconds, secondsPerEpoch: perEpoch, overheadSeconds: overhead, maxEpochs: o.epochCap });
  o.log({
    step: 3,
    action: 'plan the time budget',
    reason:
      `measured ${timing.secondsPerBatch.toPrecision(3)} s per batch of ${batchSize} (${Math.round(timing.samplesPerSecond)} samples/s), ${(timing.evalSecondsPerRow * 1e3).toPrecision(3)} ms per evaluated row: ${perEpoch.toPrecision(3)} s per epoch. ` +
      `Reserve for the end: ${reserve.arithmetic}. ${split.arithmetic}. ` +
      (image ? `Step 3 gets ${Math.round(STEP3_SHARE_OF_EXPLORATION * 100)} % of exploration (${step3Seconds.toFixed(1)} s), the ladder's probes the rest; ` : `Step 3 trains the configuration (${Math.round(o.step3Share * 100)} % of the available time, ${step3Seconds.toFixed(1)} s); `) +
      `step 3: ${step3.arithmetic} (the overhead: 2 × ${sweep} learning-rate finder batches)` +
      (image && step3.epochs === 0 ? '; step 3 runs 1 epoch anyway (the playbook needs a fitted model to go on)' : '') +
      (image ? '' : `; tables and text: step 3 runs up to its cap of ${o.epochCap} epochs and stops at the end of its time (their epochs are cheap and timings at process start overstate them)`) +
      `; the learning-rate finder sweeps ${sweep} batches (its two sweeps within ${Math.round(FINDER_SHARE * 100)} % of step 3's time, ${MIN_FINDER_ITERATIONS} to ${FINDER_ITERATIONS} batches each: ${((2 * sweep) / Math.max(1, timing.batchesPerEpoch)).toFixed(1)} epochs for both)`,
    numbers: { secondsPerBatch: timing.secondsPerBatch, batchSize, batchesPerEpoch: timing.batchesPerEpoch, evalSecondsPerRow: timing.evalSecondsPerRow, secondsPerEpoch: perEpoch, reserveSeconds: reserve.seconds, totalSeconds: split.totalSeconds, elapsedSeconds: split.elapsedSeconds, availableSeconds: split.availableSeconds, explorationShare: split.explorationShare, explorationSeconds: split.explorationSeconds, trainingSeconds: split.trainingSeconds, step3Seconds, step3Epochs: Math.max(1, step3.epochs), finderOverheadSeconds: overhead, finderIterations: sweep },
  });
  return {
    batchSize,
    timing,
    split,
    step3: { ...step3, epochs: Math.max(1, step3.epochs) },
    finderIterations: sweep,
    step3End: step3Seconds,
    ladderEnd: image ? split.explorationSeconds : split.availableSeconds * o.ladderShare,
    finalEnd: split.availableSeconds,
  };
}
