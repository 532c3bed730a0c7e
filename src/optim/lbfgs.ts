// Limited-memory BFGS (Nocedal & Wright, algorithm 7.5) on a flat vector,
// with a backtracking line search on the Armijo condition: the solver for
// smooth convex problems solved to their optimum — a linear model's full-batch
// loss, as scikit-learn's default solver does. A stochastic optimizer run for a
// fixed number of steps stops where its steps end, not where the loss does.

/** The loss at x and its gradient (a fresh array). */
export type LbfgsObjective = (x: Float64Array) => { loss: number; grad: Float64Array };

export interface LbfgsOptions {
  /** Iterations at most; default 1000. */
  maxIter?: number;
  /** Correction pairs kept; default 10. */
  history?: number;
  /** Converged when the largest gradient component is at most this; default 1e-5. */
  tolGrad?: number;
  /** Converged when an iteration lowers the loss by at most this share of it; default 1e-9. */
  tolChange?: number;
  /** Stop at this time (ms on `clock`). */
  deadline?: number;
  clock?: () => number;
}

export interface LbfgsResult {
  x: Float64Array;
  loss: number;
  iterations: number;
  evaluations: number;
  /** Stopped by a tolerance or because no step lowers the loss at the arithmetic's precision — not by the iteration cap or the deadline. */
  converged: boolean;
  reason: string;
  /** The loss after each iteration (the first entry: at x0). */
  losses: number[];
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const maxAbs = (a: Float64Array) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/** The quasi-Newton direction −H·g from the stored pairs (the two-loop recursion). */
function direction(g: Float64Array, s: Float64Array[], y: Float64Array[], rho: number[]): Float64Array {
  const q = Float64Array.from(g);
  const alpha: number[] = [];
  for (let i = s.length - 1; i >= 0; i--) {
    alpha[i] = rho[i] * dot(s[i], q);
    for (let j = 0; j < q.length; j++) q[j] -= alpha[i] * y[i][j];
  }
  // The initial Hessian scaled by the latest pair's curvature.
  const k = s.length - 1;
  const gamma = k >= 0 ? dot(s[k], y[k]) / dot(y[k], y[k]) : 1;
  for (let j = 0; j < q.length; j++) q[j] *= gamma;
  for (let i = 0; i < s.length; i++) {
    const beta = rho[i] * dot(y[i], q);
    for (let j = 0; j < q.length; j++) q[j] += s[i][j] * (alpha[i] - beta);
  }
  for (let j = 0; j < q.length; j++) q[j] = -q[j];
  return q;
}

const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 40;

export function minimizeLbfgs(f: LbfgsObjective, x0: Float64Array, o: LbfgsOptions = {}): LbfgsResult {
  const maxIter = o.maxIter ?? 1000;
  const m = o.history ?? 10;
  const tolGrad = o.tolGrad ?? 1e-5;
  const tolChange = o.tolChange ?? 1e-9;
  const clock = o.clock ?? Date.now;
  let x = Float64Array.from(x0);
  let { loss, grad: g } = f(x);
  let evaluations = 1;
  const losses = [loss];
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const done = (iterations: number, converged: boolean, reason: string): LbfgsResult => ({ x, loss, iterations, evaluations, converged, reason, losses });
  if (!Number.isFinite(loss)) return done(0, false, 'the loss at the start is not finite');
  for (let it = 0; it < maxIter; it++) {
    if (maxAbs(g) <= tolGrad) return done(it, true, `gradient ≤ ${tolGrad}`);
    if (o.deadline !== undefined && clock() >= o.deadline) return done(it, false, 'the deadline');
    let d = direction(g, S, Y, rho);
    let gtd = dot(g, d);
    if (!(gtd < 0)) {
      // Not a descent direction (stale curvature): start again from steepest descent.
      S.length = Y.length = rho.length = 0;
      d = g.map((v) => -v);
      gtd = -dot(g, g);
    }
    // The first step is scaled to the gradient; later ones try the full quasi-Newton step.
    let t = S.length ? 1 : Math.min(1, 1 / Math.max(1e-12, g.reduce((a, v) => a + Math.abs(v), 0)));
    let next: { loss: number; grad: Float64Array } | null = null;
    let xn = x;
    for (let b = 0; b < MAX_BACKTRACKS; b++) {
      xn = x.map((v, j) => v + t * d[j]);
      const r = f(xn);
      evaluations++;
      if (Number.isFinite(r.loss) && r.loss <= loss + ARMIJO * t * gtd) {
        next = r;
        break;
      }
      // The minimum of the quadratic through loss, gtd and the tried point, kept within [0.1, 0.5] of the step.
      const q = Number.isFinite(r.loss) ? (-gtd * t * t) / (2 * (r.loss - loss - gtd * t)) : 0.1 * t;
      t = Math.min(0.5 * t, Math.max(0.1 * t, q));
    }
    if (!next) return done(it, true, 'no step lowers the loss further (the precision of the arithmetic)');
    const s = xn.map((v, j) => v - x[j]);
    const y = next.grad.map((v, j) => v - g[j]);
    const sy = dot(s, y);
    // Only pairs with positive curvature keep the approximation positive definite.
    if (sy > 1e-10 * Math.max(1e-30, dot(y, y))) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    const change = loss - next.loss;
    x = xn;
    loss = next.loss;
    g = next.grad;
    losses.push(loss);
    if (change <= tolChange * Math.max(1, Math.abs(loss))) return done(it + 1, true, `loss change ≤ ${tolChange} of the loss`);
  }
  return done(maxIter, false, `the iteration cap (${maxIter})`);
}
