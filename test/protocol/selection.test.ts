// The acceptance rule, pinned by simulation. Each simulated decision trains
// (in distribution) an incumbent and k candidates on the same validation rows:
// every model has its own per-row idiosyncrasy and keeps its best of 4 epochs
// on those rows (as KeepBest does), the best candidate by validation loss is
// chosen, and the rule decides. Among candidates no better than the incumbent
// the rule accepts at the nominal 5 % whatever k; the uncorrected one-sided
// test (the rule before) accepts far more often as k grows. A candidate whose
// loss is truly 10 % lower is accepted at a stated rate.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/index.js';
import { acceptBestOf, normalQuantile, tQuantile, zForBestOf } from '../../src/protocol/selection.js';

const ROWS = 200;
const EPOCHS = 4;
const DECISIONS = 1500;

/** One trained model on the rows `base` (their difficulty): its best epoch's row losses, `scale` × the typical model's. */
function model(rng: Rng, base: number[], scale = 1): { validLoss: number; rowLosses: number[] } {
  const own = base.map(() => 0.3 * rng.normal());
  let best: { validLoss: number; rowLosses: number[] } | null = null;
  for (let e = 0; e < EPOCHS; e++) {
    const rows = base.map((d, i) => Math.max(0, (d + own[i] + 0.1 * rng.normal()) * scale));
    const v = rows.reduce((a, b) => a + b, 0) / rows.length;
    if (!best || v < best.validLoss) best = { validLoss: v, rowLosses: rows };
  }
  return best!;
}

/** Acceptances of the best of k (the first candidate `1 − effect` × the others' loss), by the rule and uncorrected. */
function simulate(k: number, effect: number, seed: number): { rule: number; uncorrected: number } {
  const rng = new Rng(seed);
  let rule = 0;
  let uncorrected = 0;
  for (let t = 0; t < DECISIONS; t++) {
    const base = Array.from({ length: ROWS }, () => Math.abs(1 + 0.5 * rng.normal()));
    const incumbent = model(rng, base);
    const candidates = Array.from({ length: k }, (_, i) => model(rng, base, i === 0 ? 1 - effect : 1));
    const top = candidates.reduce((a, b) => (b.validLoss < a.validLoss ? b : a));
    if (acceptBestOf(top, incumbent, k).accept) rule++;
    if (acceptBestOf(top, incumbent, 1).accept) uncorrected++;
  }
  return { rule: rule / DECISIONS, uncorrected: uncorrected / DECISIONS };
}

/** Two binomial standard errors around a rate of 5 %: what a fixed count of decisions can tell from 5 %. */
const tolerance = (n: number) => 2 * Math.sqrt((0.05 * 0.95) / n);

describe('accepting the best of k', () => {
  it('thresholds: the normal and t quantiles, Bonferroni for k', () => {
    assert.ok(Math.abs(normalQuantile(0.95) - 1.6448536) < 1e-6);
    assert.ok(Math.abs(normalQuantile(0.975) - 1.9599640) < 1e-6);
    // scipy.stats.t.ppf values.
    assert.ok(Math.abs(tQuantile(0.975, 10) - 2.2281389) < 1e-4);
    assert.ok(Math.abs(tQuantile(0.95, 199) - 1.6525467) < 1e-5);
    assert.ok(Math.abs(tQuantile(0.995, 30) - 2.7499957) < 1e-4);
    assert.ok(Math.abs(zForBestOf(8) - normalQuantile(1 - 0.05 / 8)) < 1e-12);
    assert.ok(zForBestOf(1, 0.05, ROWS) < zForBestOf(2, 0.05, ROWS) && zForBestOf(2, 0.05, ROWS) < zForBestOf(8, 0.05, ROWS));
    const a = acceptBestOf({ validLoss: 0, rowLosses: [0.5, 0.4, 0.6] }, { validLoss: 0, rowLosses: [1, 1, 1] }, 3);
    assert.match(a.why, /^the best of 3: .*Bonferroni for 3 candidates at 5 %/);
    assert.equal(a.k, 3);
  });

  it(`among equal candidates the rule accepts at most 5 % of ${DECISIONS} decisions for k = 1, 2, 3 and 8; uncorrected, far more`, () => {
    const ks = [1, 2, 3, 8];
    const runs = ks.map((k) => ({ k, ...simulate(k, 0, 1000 + k) }));
    for (const r of runs) assert.ok(r.rule <= 0.05 + tolerance(DECISIONS), `k = ${r.k}: ${(r.rule * 100).toFixed(2)} % accepted`);
    const pooled = runs.reduce((a, r) => a + r.rule, 0) / runs.length;
    assert.ok(pooled <= 0.05, `over all ${runs.length * DECISIONS} decisions: ${(pooled * 100).toFixed(2)} % accepted`);
    // The one-sided 5 % test on the rows that chose the winner: its false acceptances grow with k.
    const loose = runs.filter((r) => r.k > 1);
    for (const r of loose) assert.ok(r.uncorrected > 0.05 + tolerance(DECISIONS), `uncorrected, k = ${r.k}: ${(r.uncorrected * 100).toFixed(2)} %`);
    assert.ok(runs.find((r) => r.k === 8)!.uncorrected > 0.15);
  });

  it('a candidate 10 % better (about 3.5 standard errors on 200 rows) is accepted at least 85 % of the time as the best of 2, 75 % as the best of 8', () => {
    const two = simulate(2, 0.1, 2002);
    const eight = simulate(8, 0.1, 2008);
    assert.ok(two.rule >= 0.85, `best of 2: ${(two.rule * 100).toFixed(1)} %`);
    assert.ok(eight.rule >= 0.75, `best of 8: ${(eight.rule * 100).toFixed(1)} %`);
  });
});
