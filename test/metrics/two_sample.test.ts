// The two-sample tests against scipy 1.10 (values computed with
// scipy.stats.chi2_contingency(correction=False), ks_2samp's statistic with
// kstwobign.sf(sqrt(n·m/(n+m))·D) for p, and chi2.sf; the inputs are in this file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chiSquareHomogeneity, chiSquareSurvival, ksTwoSample, totalVariation } from '../../src/metrics/two_sample.js';

const close = (a: number, b: number, rel = 1e-9, what = '') => assert.ok(Math.abs(a - b) <= rel * Math.abs(b) + 1e-15, `${what}: ${a} against scipy's ${b}`);

test('χ² survival function as scipy.stats.chi2.sf', () => {
  // for x, df in [(3.84,1),(10,4),(0.5,3),(50,10),(200,150)]: chi2.sf(x, df)
  const ref: Array<[number, number, number]> = [[3.84, 1, 0.05004352124870519], [10, 4, 0.04042768199451279], [0.5, 3, 0.9188914116546758], [50, 10, 2.669083424904495e-7], [200, 150, 0.003973185970821635]];
  for (const [x, df, p] of ref) close(chiSquareSurvival(x, df), p, 1e-9, `chi2.sf(${x}, ${df})`);
});

test('χ² test of homogeneity as scipy.stats.chi2_contingency without correction', () => {
  const a = chiSquareHomogeneity([[10, 20, 30], [20, 20, 20]]);
  close(a.statistic, 5.333333333333334, 1e-12, 'statistic');
  close(a.p, 0.0694834512228015, 1e-9, 'p');
  assert.equal(a.df, 2);
  // A category empty in every row is left out, as scipy would refuse it: [[5,0,7,100],[9,0,3,80],[1,0,3,4]].
  const b = chiSquareHomogeneity([[5, 0, 7, 100], [9, 0, 3, 80], [1, 0, 3, 4]]);
  close(b.statistic, 17.769241155819607, 1e-12, 'statistic');
  close(b.p, 0.0013690468576077082, 1e-9, 'p');
  assert.equal(b.df, 4);
  assert.deepEqual(chiSquareHomogeneity([[3, 4]]), { statistic: 0, df: 0, p: 1 }, 'one sample: nothing to compare');
});

test('two-sample Kolmogorov–Smirnov: D as scipy.stats.ks_2samp, p as kstwobign.sf(√(nm/(n+m))·D)', () => {
  const a = ksTwoSample([0.1, 0.5, 0.3, 2.0, 1.5, 0.7, 0.9, 3.1, 0.2, 0.4, 0.6, 1.1], [1.2, 2.2, 0.8, 3.3, 2.9, 1.7, 4.1, 0.95, 2.5, 1.8]);
  close(a.d, 0.5833333333333334, 1e-12, 'D');
  close(a.p, 0.04885060067158036, 1e-9, 'p');
  // x = [3 sin(1.7 i) for i < 300], y = [2 cos(0.9 j) + 0.5 for j < 200]
  const x = Array.from({ length: 300 }, (_, i) => Math.sin(i * 1.7) * 3);
  const y = Array.from({ length: 200 }, (_, j) => Math.cos(j * 0.9) * 2 + 0.5);
  const b = ksTwoSample(x, y);
  close(b.d, 0.33666666666666667, 1e-12, 'D');
  close(b.p, 3.0694599369522757e-12, 1e-6, 'p');
  assert.deepEqual(ksTwoSample([], [1, 2]), { d: 0, p: 1 });
});

test('total variation distance of two count vectors', () => {
  assert.equal(totalVariation([1, 1], [1, 1]), 0);
  assert.equal(totalVariation([10, 0], [0, 5]), 1);
  close(totalVariation([30, 10], [20, 20]), 0.25, 1e-12, 'tv');
});
