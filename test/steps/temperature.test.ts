// The temperature that puts a smoothed model and a plain one on one footing:
// constructed logits whose right temperature is known are recovered, the row
// losses are the cross-entropy at that temperature, and an under-confident
// model no longer loses to a worse, confident one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/index.js';
import { calibrate, fitTemperature, rowLossesAt, type RowLogits } from '../../src/steps/temperature.js';

/** n rows of k classes whose labels are drawn from softmax(z): z is calibrated, z·scale is not. */
function drawn(n: number, k: number, scale: number, seed = 5): { x: RowLogits; z: Float32Array } {
  const rng = new Rng(seed);
  const z = new Float32Array(n * k);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) z[i * k + j] = rng.uniform(-3, 3);
    const e = Array.from({ length: k }, (_, j) => Math.exp(z[i * k + j]));
    const total = e.reduce((a, v) => a + v, 0);
    let u = rng.uniform(0, 1) * total;
    let c = 0;
    while (c < k - 1 && (u -= e[c]) > 0) c++;
    labels[i] = c;
  }
  return { x: { logits: Float32Array.from(z, (v) => v * scale), labels, classes: k }, z };
}

describe('temperature', () => {
  it('recovers the temperature of logits scaled from calibrated ones', () => {
    for (const scale of [0.4, 1, 2.5]) {
      const t = fitTemperature(drawn(6000, 5, scale).x);
      assert.ok(Math.abs(t / scale - 1) < 0.08, `scale ${scale}: fitted ${t}`);
    }
  });

  it('row losses are the cross-entropy at the temperature; calibrating never raises the mean', () => {
    const x: RowLogits = { logits: Float32Array.from([2, 0, -1, 0.5, 0.5, 3]), labels: Int32Array.from([0, 2]), classes: 3 };
    const direct = (t: number) => [[2, 0, -1, 0], [0.5, 0.5, 3, 2]].map(([a, b, c, y]) => {
      const r = [a / t, b / t, c / t];
      return Math.log(r.reduce((s, v) => s + Math.exp(v), 0)) - r[y];
    });
    for (const t of [1, 0.5, 3]) rowLossesAt(x, t).forEach((v, i) => assert.ok(Math.abs(v - direct(t)[i]) < 1e-6));
    const { x: d } = drawn(2000, 4, 0.3);
    const cal = calibrate(d);
    const plain = rowLossesAt(d, 1).reduce((s, v) => s + v, 0) / 2000;
    assert.ok(cal.validLoss < plain, `calibrated ${cal.validLoss} against plain ${plain}`);
    assert.equal(cal.rowLosses.length, 2000);
  });

  it('an under-confident model that ranks better beats a confident worse one once both are calibrated', () => {
    // "smooth": the true logits shrunk (what label smoothing does); "sharp": noisier logits, confident.
    const { x: smooth, z } = drawn(4000, 5, 0.35, 9);
    const rng = new Rng(3);
    const sharp: RowLogits = { logits: Float32Array.from(z, (v) => 1.6 * (v + rng.uniform(-2.5, 2.5))), labels: smooth.labels, classes: 5 };
    const mean = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;
    const [cs, ch] = [calibrate(smooth), calibrate(sharp)];
    assert.ok(cs.validLoss < ch.validLoss, `calibrated: smooth ${cs.validLoss} against sharp ${ch.validLoss}`);
    assert.ok(cs.temperature < 1, `the under-confident model is sharpened (T ${cs.temperature})`);
    assert.ok(mean(rowLossesAt(smooth, 1)) > 0 && Number.isFinite(mean(rowLossesAt(sharp, 1))));
  });

  it('no rows: temperature 1', () => {
    assert.equal(fitTemperature({ logits: new Float32Array(0), labels: new Int32Array(0), classes: 3 }), 1);
  });
});
