// The learning-rate finder (Smith 2015, as fastai runs it): train with an
// exponentially growing learning rate, smooth the loss, stop when it blows
// up, then read a rate off the curve. It leaves no trace: weights, buffers,
// optimizer state, learning rates and the random stream are restored.
import { tidy, noGrad, getRngState, setRngState, keep, dispose } from '../tensor/index.js';
import type { Learner, Batch } from './learner.js';
import { suggest, type Suggestions } from './lr_suggestions.js';

export interface LrFinderOptions {
  /** Default 1e-7. */
  startLr?: number;
  /** Default 10. */
  endLr?: number;
  /** Iterations of the sweep; default 100. */
  numIter?: number;
  /** Smoothing of the loss: avg = β·avg + (1−β)·loss, debiased; default 0.98. */
  beta?: number;
  /** Stop when the smoothed loss exceeds this multiple of its best; default 4. */
  divergeFactor?: number;
}

export interface LrFinderResult extends Suggestions {
  /** Learning rate at each iteration. */
  lrs: number[];
  /** Smoothed, debiased loss at each iteration. */
  losses: number[];
  /** Raw loss at each iteration. */
  rawLosses: number[];
  /** Why the sweep ended. */
  stoppedBecause: 'diverged' | 'completed' | 'non-finite loss';
  options: Required<LrFinderOptions>;
}

/** Runs the sweep on the learner's training batches; returns the curve and the suggestions. */
export async function lrFind(learner: Learner, options: LrFinderOptions = {}): Promise<LrFinderResult> {
  const o: Required<LrFinderOptions> = { startLr: 1e-7, endLr: 10, numIter: 100, beta: 0.98, divergeFactor: 4, ...options };
  const { model, optimizer } = learner;
  // Snapshot everything the sweep changes.
  const weights = noGrad(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, v]) => [k, keep(v.clone())])));
  const optState = optimizer.stateDict();
  const groupLrs = optimizer.lrs;
  const rng = keep(getRngState());
  const wasTraining = model.training;
  const lrs: number[] = [];
  const losses: number[] = [];
  const rawLosses: number[] = [];
  let stoppedBecause: LrFinderResult['stoppedBecause'] = 'completed';
  try {
    model.train();
    optimizer.zeroGrad();
    let avg = 0;
    let best = Infinity;
    let epoch = 0;
    let i = 0;
    outer: while (i < o.numIter) {
      let any = false;
      for await (const b of learner.train.batches(epoch) as AsyncIterable<Batch>) {
        any = true;
        const lr = o.startLr * (o.endLr / o.startLr) ** (i / o.numIter);
        // Keep the ratios of differential learning rates; the last group sweeps.
        const last = groupLrs[groupLrs.length - 1] || 1;
        optimizer.setLrs(groupLrs.map((g) => (lr * g) / last));
        let loss: number;
        try {
          loss = tidy(() => {
            const l = learner.costFunction(model.forward(b.x), b.y);
            l.backward();
            optimizer.step();
            optimizer.zeroGrad();
            return l.item();
          });
        } finally {
          b.x.dispose();
          b.y.dispose();
        }
        avg = o.beta * avg + (1 - o.beta) * loss;
        const smooth = avg / (1 - o.beta ** (i + 1));
        lrs.push(lr);
        rawLosses.push(loss);
        losses.push(smooth);
        i++;
        if (!Number.isFinite(smooth)) {
          stoppedBecause = 'non-finite loss';
          break outer;
        }
        if (smooth < best) best = smooth;
        if (smooth > o.divergeFactor * best) {
          stoppedBecause = 'diverged';
          break outer;
        }
        if (i >= o.numIter) break outer;
      }
      if (!any) throw new Error('the learning-rate finder got no training batches');
      epoch++;
    }
  } finally {
    optimizer.zeroGrad();
    model.loadStateDict(weights);
    optimizer.loadStateDict(optState);
    optimizer.setLrs(groupLrs);
    setRngState(rng);
    model.train(wasTraining);
    dispose(weights);
    dispose(optState.tensors);
    rng.dispose();
  }
  return { lrs, losses, rawLosses, stoppedBecause, options: o, ...suggest(lrs, losses, o.numIter) };
}
