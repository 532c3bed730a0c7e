// The linear reference solved to its optimum: after its Adam steps, L-BFGS
// on the full-batch training loss plus the L2 penalty, as scikit-learn's
// default solver. A few hundred stochastic steps stop where the steps end: on
// Seattle's weather (time split) 400 Adam steps left the training loss at
// 0.547 and the test at 71.5 %, where the optimum is 0.375 and 82.7 %.
import { noGrad, tensor, tidy } from '../tensor/index.js';
import type { Module } from '../nn/index.js';
import type { Prepared } from '../data/prepare.js';
import { minimizeLbfgs, type LbfgsResult } from '../optim/lbfgs.js';
import type { CostFunctionChoice } from './cost_function.js';
import { targetStd, trainingLoss } from './scale_free.js';

/** Rows per forward pass of the full-batch loss (bounds the memory, not the result). */
const CHUNK_ROWS = 4096;

/** The model's parameters as one vector, and back. */
function flat(model: Module): { x: Float64Array; write(x: Float64Array): void } {
  const params = model.parameters();
  const sizes = params.map((p) => p.numel);
  const x = new Float64Array(sizes.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const p of params) {
    x.set(p.data() as Float32Array, at);
    at += p.numel;
  }
  return {
    x,
    write(v) {
      let o = 0;
      noGrad(() =>
        tidy(() => {
          for (const p of params) {
            p.copy_(tensor(Float32Array.from(v.subarray(o, o + p.numel)), { shape: p.shape }));
            o += p.numel;
          }
        }),
      );
    },
  };
}

/** Writes a flat parameter vector (as `flat` reads it) into the model. */
export function writeParameters(model: Module, x: Float64Array): void {
  flat(model).write(x);
}

/**
 * A regularization path: the linear network solved at several penalties on
 * each protocol view, so a new penalty starts from the nearest one solved on
 * the same rows (in log penalty) rather than from scratch — the optimum moves
 * little between neighbouring penalties, and L-BFGS gets there in a few steps.
 */
export class LinearPath {
  private readonly solved = new Map<number, Array<{ weightDecay: number; x: Float64Array }>>();

  /** The solution on `view` nearest to `weightDecay`, or null when none is kept. */
  nearest(view: number, weightDecay: number): Float64Array | null {
    const d = (a: number) => Math.abs(Math.log10(a + 1e-6) - Math.log10(weightDecay + 1e-6));
    const kept = this.solved.get(view) ?? [];
    return kept.reduce<{ weightDecay: number; x: Float64Array } | null>((b, k) => (!b || d(k.weightDecay) < d(b.weightDecay) ? k : b), null)?.x ?? null;
  }

  keep(view: number, weightDecay: number, model: Module): void {
    const list = this.solved.get(view) ?? [];
    list.push({ weightDecay, x: flat(model).x });
    this.solved.set(view, list);
  }
}

/** 1 for each value of `model.parameters()` the L2 penalty weighs, 0 for the intercepts (parameters named "bias"). */
export function penalized(model: Module): Float64Array {
  const named = model.namedParameters();
  const mask = new Float64Array(named.reduce((a, [, p]) => a + p.numel, 0));
  let at = 0;
  for (const [name, p] of named) {
    if (!/(^|\.)bias$/.test(name)) mask.fill(1, at, at + p.numel);
    at += p.numel;
  }
  return mask;
}

/**
 * Minimizes the training cost (as the training loop weighs it) over every
 * training row, plus weightDecay/2·‖w‖² over the weights — the intercepts
 * unpenalized, as scikit-learn's logistic and ridge regressions leave them, so
 * a strong penalty shrinks the model toward the class prior (or the mean), not
 * toward uniform classes — starting from the model's weights, which it leaves
 * at the optimum found. The model must have no dropout or batch norm (a linear
 * network).
 *
 * Regression trains scale-free: the loop's gradient is the squared error's
 * over the targets' variance (scale_free.ts), so the solver minimizes that
 * objective, value and gradient alike — the penalty weighs the same against
 * house prices as against fractions. The loss it reports is in the target's
 * own units (the squared error, plus the penalty), as every other loss.
 */
export function solveLinear(p: Prepared, model: Module, cost: CostFunctionChoice, weightDecay: number, o: { deadline?: number; clock?: () => number; maxIter?: number } = {}): LbfgsResult {
  const params = model.parameters();
  const loss = trainingLoss(p, cost);
  // The factor between the loss's value and the objective its gradient follows (1 but for scale-free regression).
  const scale = p.task === 'regression' && cost.name === 'mse' ? targetStd(p.targets('train')) ** 2 : 1;
  const v = flat(model);
  const mask = penalized(model);
  const source = p.loader('train', { batchSize: Math.max(1, Math.min(CHUNK_ROWS, p.counts.train)), seed: 0, sampling: cost.sampling });
  const n = p.counts.train;
  const was = model.training;
  model.train(true);
  // The encoded rows are built once and held for every evaluation when they fit in CACHE_ELEMENTS; larger sets stream.
  const cached = cachedBatches(source);
  const pass = function* () {
    if (cached) yield* cached;
    else for (const b of source.batches(0)) yield { ...b, owned: true };
  };
  const objective = (x: Float64Array) => {
    v.write(x);
    model.zeroGrad();
    let total = 0;
    // The same pass every evaluation (epoch 0): the objective is a function of x alone.
    for (const b of pass()) {
      try {
        const rows = b.x.shape[0];
        total += tidy(() => {
          const l = loss(model.forward(b.x), b.y).mul(rows / n);
          l.backward();
          return l.item();
        });
      } finally {
        if (b.owned) {
          b.x.dispose();
          b.y.dispose();
        }
      }
    }
    const grad = new Float64Array(x.length);
    let at = 0;
    for (const q of params) {
      const g = q.grad;
      if (g) grad.set(g.data() as Float32Array, at);
      g?.dispose();
      at += q.numel;
    }
    let sq = 0;
    for (let i = 0; i < x.length; i++) {
      sq += mask[i] * x[i] * x[i];
      grad[i] += weightDecay * mask[i] * x[i];
    }
    lastData = total;
    return { loss: total / scale + (weightDecay / 2) * sq, grad };
  };
  let lastData = NaN;
  try {
    const r = minimizeLbfgs(objective, v.x, { deadline: o.deadline, clock: o.clock, maxIter: o.maxIter });
    v.write(r.x);
    if (scale === 1) return r;
    // Reported in the target's units: the squared error at the optimum found, plus the penalty.
    const penalty = r.x.reduce((a, xi, i) => a + mask[i] * xi * xi, 0) * (weightDecay / 2);
    objective(r.x);
    return { ...r, loss: lastData + penalty };
  } finally {
    for (const b of cached ?? []) {
      b.x.dispose();
      b.y.dispose();
    }
    model.zeroGrad();
    model.train(was);
    source.dispose();
  }
}

/** Input and target values the solver may hold at once (4 bytes each): beyond it, each evaluation encodes the rows again. */
export const CACHE_ELEMENTS = 32 * 1024 * 1024;

type Batch = ReturnType<ReturnType<Prepared['loader']>['batches']> extends Iterable<infer B> ? B : never;

/** The pass's batches, kept, when their values fit in CACHE_ELEMENTS; null (and nothing kept) when they do not. */
function cachedBatches(source: ReturnType<Prepared['loader']>): Array<Batch & { owned: false }> | null {
  const kept: Array<Batch & { owned: false }> = [];
  let elements = 0;
  for (const b of source.batches(0)) {
    elements += b.x.numel + b.y.numel;
    kept.push({ ...b, owned: false });
    if (elements > CACHE_ELEMENTS) {
      for (const k of kept) {
        k.x.dispose();
        k.y.dispose();
      }
      return null;
    }
  }
  return kept;
}
