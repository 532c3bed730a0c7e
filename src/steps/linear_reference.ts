// The linear reference (step 2, beside the naive baseline): a network with no
// hidden layer on the same preprocessed inputs — logistic or linear
// regression on the encoded columns (one-hot categories, no embeddings), a
// bag of words for text — fitted by the same engine on the protocol's split or
// folds: Adam's steps, then L-BFGS to the optimum (steps/linear_solve.ts). A deep model that cannot beat it has learned
// nothing a straight line does not know. Images have none: a linear model of
// pixels says little about what a convolutional network should reach.
import type { Prepared } from '../data/prepare.js';
import type { Module } from '../nn/index.js';
import { Deadline } from '../train/index.js';
import { LinearPath } from './linear_solve.js';
import type { ModelSpec } from './architecture.js';
import { textEncoderSpec } from './text_encoder_rule.js';
import type { Candidate, Measured, PlaybookProtocol } from './protocol_of.js';
import type { Trained } from '../protocol/index.js';

/** How the linear reference is fitted (documented defaults; the plan states them). */
export interface LinearReferenceOptions {
  /** L2 penalties tried, the one with the lowest validation loss kept; when the strongest wins, tenfold stronger ones follow (up to MAX_LINEAR_PENALTY). Strongest first: each later penalty starts from the nearest one's solution (a regularization path), and the unpenalized fit, which need not converge on separable rows, comes last. Default [1e-2, 1e-3, 1e-4, 0] with scikit-learn's default penalty (scikitLearnPenalty) in its place. */
  penalties?: number[];
  /** Wall-time cap for all of them, seconds. Default 30. */
  capSeconds?: number;
  /** Adam's learning rate. Default 5e-2 (the inputs are standardized; a linear model takes a large step). */
  lr?: number;
  /** Optimizer steps each penalty trains for (epochs are rounded up to reach them). Default 400. */
  steps?: number;
  /** Default 256. */
  batchSize?: number;
  seed?: number;
  clock?: () => number;
  /** Called with the default split's model of each penalty (index in `penalties`), before it is released: to keep its weights. */
  onModel?: (index: number, model: Module) => void;
}

/**
 * The L2 penalty of scikit-learn's defaults in this objective's units (the
 * mean loss plus weightDecay/2·‖w‖², regression scale-free):
 * LogisticRegression(C=1) minimizes Σ loss + ½‖w‖², which is 1/n per row;
 * Ridge(alpha=1) minimizes ‖y − Xw‖² + ‖w‖², which is 2/n.
 */
export function scikitLearnPenalty(task: Prepared['task'], trainRows: number): number {
  return (task === 'regression' ? 2 : 1) / Math.max(1, trainRows);
}

/** The grid with scikit-learn's default penalty in its place (strongest first), so the reference can choose it. */
export function withScikitLearnPenalty(grid: readonly number[], task: Prepared['task'], trainRows: number): number[] {
  const anchor = Number(scikitLearnPenalty(task, trainRows).toPrecision(2));
  if (grid.includes(anchor)) return [...grid];
  const at = grid.findIndex((g) => g < anchor);
  return at < 0 ? [...grid, anchor] : [...grid.slice(0, at), anchor, ...grid.slice(at)];
}

/** The defaults, each replaced by the option given (an option passed as undefined keeps its default). */
function withDefaults(o: LinearReferenceOptions): typeof LINEAR_REFERENCE_DEFAULTS & LinearReferenceOptions {
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as LinearReferenceOptions;
  return { ...LINEAR_REFERENCE_DEFAULTS, ...given };
}

/** The strongest L2 penalty the grid grows to when its strong edge keeps winning. */
export const MAX_LINEAR_PENALTY = 1;

export const LINEAR_REFERENCE_DEFAULTS = { penalties: [1e-2, 1e-3, 1e-4, 0], capSeconds: 30, lr: 5e-2, steps: 400, batchSize: 256 };

/** The linear reference as fitted and measured (holdout: the default split; folds: the means). */
export interface LinearReference {
  /** 'logistic regression', 'linear regression', 'bag-of-words logistic regression' … */
  name: string;
  description: string;
  spec: ModelSpec;
  /** The chosen L2 penalty, and the list it was chosen from. */
  weightDecay: number;
  penalties: number[];
  /** The protocol's validation loss and metrics of the chosen penalty. */
  loss: number;
  trainLoss: number;
  metrics: Record<string, number>;
  /** Each penalty's validation loss (NaN: not reached before the cap). */
  tried: Array<{ weightDecay: number; validLoss: number; epochs: number; seconds?: number }>;
  epochs: number;
  seconds: number;
  capSeconds: number;
  /** L-BFGS stopped by its tolerance (or, when it did not run, the training loss moved less than 1 % over the last quarter of the epochs), and the cap did not stop it. */
  converged: boolean;
  /** How the solver ended (null: it did not run, the steps were cut). */
  solver: string | null;
  /** The protocol's measurement (folds: the means with their spread). */
  measured: Measured;
}

/** The linear model of this data as a network spec, or why there is none. */
export function linearSpec(p: Pick<Prepared, 'archInput' | 'task'>): { spec: ModelSpec; name: string } | { spec: null; reason: string } {
  const a = p.archInput;
  const kind = p.task === 'regression' ? 'linear regression' : 'logistic regression';
  if (a.kind === 'tabular') {
    // One-hot blocks pass through (no embedding): every category gets its own weight.
    const blocks = a.blocks.map((b) => ({ ...b, embedding: 0 }));
    // Each text column a bag of words whose embedding width is the output count: with the square head, any linear map of its term frequencies.
    const texts = a.texts.map((t) => ({ ...textEncoderSpec(t, 'bag'), dim: Math.max(1, a.outputs) }));
    const name = texts.length ? `bag-of-words ${kind}` : kind;
    return { spec: { family: 'tabular', options: { blocks, texts, hidden: [], outputs: a.outputs, heInit: false, outputScale: a.targetScale } }, name };
  }
  return { spec: null, reason: 'images: no linear reference (a linear model of raw pixels says little about what a convolutional network should reach); the naive baseline stands' };
}

/** How the plan states the method, before fitting. */
export function linearMethod(o: LinearReferenceOptions = {}): string {
  const d = withDefaults(o);
  return `Adam at ${d.lr}, ${d.steps} steps of batch ${d.batchSize} with cosine restarts ending annealed, then L-BFGS on the full-batch loss to its optimum, L2 penalty on the weights (not the intercepts) chosen on validation from ${o.penalties ? d.penalties.join(', ') : `${d.penalties.join(', ')} and scikit-learn's default (1/n; ridge 2/n)`} (tenfold stronger ones while the strongest wins, up to ${MAX_LINEAR_PENALTY}), training-only statistics, capped at ${d.capSeconds} s`;
}

/** Relative change of the training loss over the last quarter of the epochs: < 1 % reads as converged. */
export function trainingSettled(losses: readonly number[]): boolean {
  if (losses.length < 4) return false;
  const q = Math.max(1, Math.floor(losses.length / 4));
  const a = losses[losses.length - 1 - q];
  const b = losses[losses.length - 1];
  return Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= 0.01 * Math.max(Math.abs(a), 1e-12);
}

/**
 * Fits the linear reference on the protocol's views (default split, or every
 * fold), one training per penalty, and keeps the penalty with the lowest
 * validation loss. Null when the data has no linear model (images).
 */
export async function fitLinearReference(pr: PlaybookProtocol, p: Prepared, o: LinearReferenceOptions = {}): Promise<LinearReference | null> {
  const lin = linearSpec(p);
  if (!lin.spec) return null;
  const d = withDefaults(o);
  const clock = o.clock ?? Date.now;
  const started = clock();
  const batchSize = Math.max(1, Math.min(d.batchSize, p.counts.train));
  const epochs = Math.max(4, Math.ceil(d.steps / Math.ceil(p.counts.train / batchSize)));
  const tried: LinearReference['tried'] = [];
  let best: { m: Measured; cut: boolean; history: number[]; weightDecay: number; solved?: Trained['solved'] } | null = null;
  // A best penalty at the grid's strong edge says the optimum may lie beyond it: the grid grows tenfold while the edge wins.
  const grid = o.penalties ? [...o.penalties] : withScikitLearnPenalty(d.penalties, p.task, p.counts.train);
  const path = new LinearPath();
  for (let i = 0; i < grid.length; i++) {
    const weightDecay = grid[i];
    // Each penalty gets an equal share of what is left of the cap.
    const share = (started + d.capSeconds * 1000 - clock()) / (grid.length - i);
    if (share <= 0) {
      tried.push({ weightDecay, validLoss: NaN, epochs: 0, seconds: 0 });
      continue;
    }
    const candidate: Candidate = { spec: lin.spec, weightDecay, augment: false, label: `${lin.name}, L2 ${weightDecay}` };
    let history: number[] = [];
    let solved: Trained['solved'];
    const began = clock();
    const deadline = began + share;
    const m = await pr.train(candidate, { optimizer: 'adam', lr: d.lr, epochs, batchSize, seed: o.seed ?? 0, step: 2, callbacks: [new Deadline(deadline, clock)], solve: { deadline, clock, path } }, {
      onDefaultSplit: (t) => {
        history = t.history.map((e) => e.trainLoss);
        solved = t.solved;
        o.onModel?.(i, t.model);
      },
    });
    tried.push({ weightDecay, validLoss: m.validLoss, epochs: history.length, seconds: (clock() - began) / 1000 });
    if (Number.isFinite(m.validLoss) && (!best || m.validLoss < best.m.validLoss)) best = { m, cut: m.cut, history, weightDecay, solved };
    const edge = Math.max(...grid);
    if (i === grid.length - 1 && best?.weightDecay === edge && edge > 0 && edge * 10 <= MAX_LINEAR_PENALTY) grid.push(edge * 10);
  }
  if (!best) return null;
  const { cut: _c, perView: _p, ...measured } = best.m as Measured & { cut?: boolean; perView?: unknown };
  return {
    name: lin.name,
    description: `${lin.name} on the ${p.kind === 'sequence' ? 'token counts of the training vocabulary' : 'encoded columns (one-hot categories)'}, L2 ${best.weightDecay}`,
    spec: lin.spec,
    weightDecay: best.weightDecay,
    penalties: grid,
    loss: measured.validLoss,
    trainLoss: measured.trainLoss,
    metrics: measured.metrics,
    tried,
    epochs: best.history.length,
    seconds: (clock() - started) / 1000,
    capSeconds: d.capSeconds,
    // The solver's own test when it ran; otherwise the training loss settling.
    converged: !best.cut && (best.solved ? best.solved.converged : trainingSettled(best.history)),
    solver: best.solved ? `L-BFGS, ${best.solved.iterations} iterations: ${best.solved.reason}` : null,
    measured,
  };
}

/** One line for the plan and the summaries. */
export function describeLinearReference(r: Pick<LinearReference, 'description' | 'loss' | 'metrics' | 'converged' | 'seconds' | 'capSeconds'> & { solver?: string | null }): string {
  const metrics = Object.entries(r.metrics).filter(([k]) => !k.includes('[')).slice(0, 4).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(' ');
  return `${r.description} — validation loss ${r.loss.toPrecision(4)}${metrics ? ` ${metrics}` : ''} (${r.converged ? 'converged' : `not converged within its ${r.capSeconds} s cap`}${r.solver ? ` — ${r.solver}` : ''}, ${r.seconds.toFixed(1)} s)`;
}
