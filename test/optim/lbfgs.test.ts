// L-BFGS against known optima: a quadratic (the minimum is A⁻¹b), Rosenbrock's
// valley (1, 1), and PyTorch's L-BFGS optimum of a penalized multinomial
// logistic regression (test/fixtures/generate_lbfgs.py); the deadline and the
// iteration cap stop it without calling it converged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { minimizeLbfgs, type LbfgsObjective } from '../../src/optim/lbfgs.js';
import { fixturePath } from '../helpers.js';

const ref = JSON.parse(readFileSync(fixturePath('lbfgs-reference.json'), 'utf8')) as {
  rows: number; features: number; classes: number; labels: number[];
  cases: Array<{ penalty: number; loss: number; weight: number[][]; bias: number[] }>;
};

/** The fixture's data, by its formula. */
function features(): number[][] {
  return Array.from({ length: ref.rows }, (_, i) => Array.from({ length: ref.features }, (_, j) => Math.sin(1.3 * i + 0.7 * j + 0.1 * i * j) * (1 + j / 4)));
}

/** Mean cross-entropy + penalty/2·‖θ‖², θ = [W (classes × features) row-major, b]. */
function logistic(penalty: number): LbfgsObjective {
  const x = features();
  const { classes: k, features: f, labels } = ref;
  return (t) => {
    const grad = new Float64Array(t.length);
    let loss = 0;
    for (let i = 0; i < x.length; i++) {
      const z = Array.from({ length: k }, (_, c) => x[i].reduce((s, v, j) => s + t[c * f + j] * v, t[k * f + c]));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      loss += m + Math.log(sum) - z[labels[i]];
      for (let c = 0; c < k; c++) {
        const d = (e[c] / sum - (c === labels[i] ? 1 : 0)) / x.length;
        for (let j = 0; j < f; j++) grad[c * f + j] += d * x[i][j];
        grad[k * f + c] += d;
      }
    }
    loss /= x.length;
    for (let q = 0; q < t.length; q++) {
      loss += (penalty / 2) * t[q] * t[q];
      grad[q] += penalty * t[q];
    }
    return { loss, grad };
  };
}

describe('L-BFGS', () => {
  it('finds the minimum of a quadratic, A⁻¹b', () => {
    // A = tridiagonal (4, −1), SPD; b chosen so that the minimum is [1, −2, 3, 0.5, −1].
    const n = 5;
    const A = (i: number, j: number) => (i === j ? 4 : Math.abs(i - j) === 1 ? -1 : 0);
    const xs = [1, -2, 3, 0.5, -1];
    const b = xs.map((_, i) => xs.reduce((s, v, j) => s + A(i, j) * v, 0));
    const f: LbfgsObjective = (x) => {
      const ax = Array.from(x, (_, i) => Array.from(x).reduce((s, v, j) => s + A(i, j) * v, 0));
      return { loss: 0.5 * ax.reduce((s, v, i) => s + v * x[i], 0) - b.reduce((s, v, i) => s + v * x[i], 0), grad: Float64Array.from(ax, (v, i) => v - b[i]) };
    };
    const r = minimizeLbfgs(f, new Float64Array(n), { tolGrad: 1e-10, tolChange: 0 });
    assert.ok(r.converged, r.reason);
    r.x.forEach((v, i) => assert.ok(Math.abs(v - xs[i]) < 1e-8, `x[${i}] ${v} against ${xs[i]}`));
    for (let i = 1; i < r.losses.length; i++) assert.ok(r.losses[i] <= r.losses[i - 1], 'the loss never rises');
  });

  it("follows Rosenbrock's valley to (1, 1)", () => {
    const f: LbfgsObjective = ([a, b]) => ({ loss: (1 - a) ** 2 + 100 * (b - a * a) ** 2, grad: Float64Array.from([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)]) });
    const r = minimizeLbfgs(f, Float64Array.from([-1.2, 1]), { tolGrad: 1e-9, tolChange: 0 });
    assert.ok(Math.abs(r.x[0] - 1) < 1e-5 && Math.abs(r.x[1] - 1) < 1e-5, `ended at ${Array.from(r.x)} (${r.reason}, ${r.iterations} iterations)`);
    assert.ok(r.iterations < 200, `${r.iterations} iterations`);
  });

  it("reaches PyTorch's L-BFGS optimum of a penalized multinomial logistic regression", () => {
    for (const c of ref.cases) {
      const r = minimizeLbfgs(logistic(c.penalty), new Float64Array(ref.classes * (ref.features + 1)), { tolGrad: 1e-9, tolChange: 0 });
      assert.ok(Math.abs(r.loss - c.loss) < 1e-8, `penalty ${c.penalty}: loss ${r.loss} against PyTorch's ${c.loss}`);
      const expected = [...c.weight.flat(), ...c.bias];
      // Softmax is unchanged by a shift shared by the classes: without a penalty only the differences are fixed.
      const centred = (v: number[]) => {
        const k = ref.classes;
        return v.map((x, q) => {
          const group = q < k * ref.features ? Array.from({ length: k }, (_, cc) => v[cc * ref.features + (q % ref.features)]) : v.slice(k * ref.features);
          return x - group.reduce((s, a) => s + a, 0) / k;
        });
      };
      const [got, want] = [centred(Array.from(r.x)), centred(expected)];
      got.forEach((v, q) => assert.ok(Math.abs(v - want[q]) < 1e-4, `penalty ${c.penalty}, θ[${q}] ${v} against ${want[q]}`));
    }
  });

  it('the deadline and the iteration cap stop it, not converged', () => {
    let now = 0;
    const slow: LbfgsObjective = (x) => {
      now += 10;
      return logistic(0)(x);
    };
    const byDeadline = minimizeLbfgs(slow, new Float64Array(ref.classes * (ref.features + 1)), { deadline: 35, clock: () => now });
    assert.equal(byDeadline.converged, false);
    assert.equal(byDeadline.reason, 'the deadline');
    const byCap = minimizeLbfgs(logistic(0), new Float64Array(ref.classes * (ref.features + 1)), { maxIter: 3, tolChange: 0 });
    assert.equal(byCap.converged, false);
    assert.equal(byCap.iterations, 3);
  });

  it('a loss that is not finite at the start is refused, not followed', () => {
    const r = minimizeLbfgs(() => ({ loss: NaN, grad: new Float64Array(2) }), new Float64Array(2));
    assert.equal(r.converged, false);
    assert.match(r.reason, /not finite/);
  });
});
