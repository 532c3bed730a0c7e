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
import { planPhase, reserveSeconds, splitBudget, EXPLORATION_SHARE, STEP3_SHARE_OF_EXPLORATION, type BudgetSplit, type PhasePlan } from './budget_plan.js';
import { MEASURE_ROWS } from './measure.js';

export interface BudgetPhasesOptions {
  prepared: Prepared;
  spec: ModelSpec;
  cost: CostFunctionChoice;
  /** The whole command's budget, and what is already spent. */
  totalSeconds: number;
  elapsedSeconds: number;
  /** Most epochs of step 3. */
  epochCap: number;
  /** Non-image kinds: step 3's share of the available time (it is their main training; the ladder changes it only when it must). */
  step3Share: number;
  /** Non-image kinds: the ladder's end, as a share of the available time. */
  ladderShare: number;
  explorationShare?: number;
  /** Candidate batch sizes for images (the fastest is chosen by measurement); default [64, 128, 256]. */
  batchSizes?: number[];
  defaultBatchSize: number;
  seed?: number;
  log: (d: Decision) => void;
}

export interface BudgetPhases {
  batchSize: number;
  timing: EpochTiming;
  split: BudgetSplit;
  step3: PhasePlan;
  /** Seconds from now at which each phase must end. */
  step3End: number;
  ladderEnd: number;
  finalEnd: number;
}

/** Learning-rate finder iterations (its default), twice when SGD gives way to Adam. */
const FINDER_BATCHES = 2 * 100;

export async function planBudget(o: BudgetPhasesOptions): Promise<BudgetPhases> {
  const p = o.prepared;
  const t0 = performance.now();
  let batchSize = o.defaultBatchSize;
  let timing: EpochTiming;
  if (p.kind === 'image') {
    const sizes = [...new Set([...(o.batchSizes ?? [64, 128, 256]), o.defaultBatchSize])].filter((b) => b <= p.counts.train).sort((a, b) => a - b);
    const timings: EpochTiming[] = [];
    for (const b of sizes) timings.push(await timeEpoch(p, { spec: o.spec, cost: o.cost, batchSize: b, seed: o.seed }));
    const choice = chooseBatchSize(timings, o.defaultBatchSize);
    batchSize = choice.batchSize;
    timing = timings.find((t) => t.batchSize === batchSize)!;
    o.log({ step: 3, action: `batch size ${batchSize}`, reason: choice.why, numbers: { timings: timings.map((t) => ({ batchSize: t.batchSize, samplesPerSecond: Math.round(t.samplesPerSecond) })), chosen: batchSize } });
  } else {
    timing = await timeEpoch(p, { spec: o.spec, cost: o.cost, batchSize, seed: o.seed });
  }
  const spentHere = (performance.now() - t0) / 1000;
  const reserve = reserveSeconds({ evalSecondsPerRow: timing.evalSecondsPerRow, rowsEvaluated: p.counts.train + 4 * p.counts.validation + 2 * p.counts.test });
  const split = splitBudget({ totalSeconds: o.totalSeconds, elapsedSeconds: o.elapsedSeconds + spentHere, reserveSeconds: reserve.seconds, explorationShare: o.explorationShare ?? EXPLORATION_SHARE });
  const image = p.kind === 'image';
  const step3Seconds = image ? split.explorationSeconds * STEP3_SHARE_OF_EXPLORATION : split.availableSeconds * o.step3Share;
  // Per epoch: the training batches, validation, and the eval-mode probe on the fixed training subset.
  const perEpoch = timing.secondsPerEpoch + timing.evalSecondsPerRow * Math.min(MEASURE_ROWS, p.counts.train);
  const overhead = FINDER_BATCHES * timing.secondsPerBatch;
  const step3 = planPhase({ secondsGiven: step3Seconds, secondsPerEpoch: perEpoch, overheadSeconds: overhead, maxEpochs: o.epochCap });
  o.log({
    step: 3,
    action: 'plan the time budget',
    reason:
      `measured ${timing.secondsPerBatch.toPrecision(3)} s per batch of ${batchSize} (${Math.round(timing.samplesPerSecond)} samples/s), ${(timing.evalSecondsPerRow * 1e3).toPrecision(3)} ms per evaluated row: ${perEpoch.toPrecision(3)} s per epoch. ` +
      `Reserve for the end: ${reserve.arithmetic}. ${split.arithmetic}. ` +
      (image ? `Step 3 gets ${Math.round(STEP3_SHARE_OF_EXPLORATION * 100)} % of exploration (${step3Seconds.toFixed(1)} s), the ladder's probes the rest; ` : `Step 3 trains the configuration (${Math.round(o.step3Share * 100)} % of the available time, ${step3Seconds.toFixed(1)} s); `) +
      `step 3: ${step3.arithmetic}` +
      (step3.epochs === 0 ? '; step 3 runs 1 epoch anyway (the playbook needs a fitted model to go on)' : ''),
    numbers: { secondsPerBatch: timing.secondsPerBatch, batchSize, batchesPerEpoch: timing.batchesPerEpoch, evalSecondsPerRow: timing.evalSecondsPerRow, secondsPerEpoch: perEpoch, reserveSeconds: reserve.seconds, totalSeconds: split.totalSeconds, elapsedSeconds: split.elapsedSeconds, availableSeconds: split.availableSeconds, explorationShare: split.explorationShare, explorationSeconds: split.explorationSeconds, trainingSeconds: split.trainingSeconds, step3Seconds, step3Epochs: Math.max(1, step3.epochs), finderOverheadSeconds: overhead },
  });
  return {
    batchSize,
    timing,
    split,
    step3: { ...step3, epochs: Math.max(1, step3.epochs) },
    step3End: step3Seconds,
    ladderEnd: image ? split.explorationSeconds : split.availableSeconds * o.ladderShare,
    finalEnd: split.availableSeconds,
  };
}
