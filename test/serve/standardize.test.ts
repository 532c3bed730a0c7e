// The served rows' standardization in JavaScript gives the very float32
// values libtorch's Normalizer.applyArray gives (bit for bit), so the
// prediction path changes speed, not numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Normalizer } from '../../src/data/index.js';
import { standardizeInPlace } from '../../src/serve/standardize.js';
import { liveTensors } from '../../src/tensor/index.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

for (const scale of [1, 1 / 255]) {
  test(`bit-identical to Normalizer.applyArray (scale ${scale === 1 ? 1 : '1/255'}), on values of very different magnitudes`, () => {
    const before = liveTensors();
    const r = rng(scale === 1 ? 1 : 2);
    const n = 500;
    const d = 7;
    const x = Float32Array.from({ length: n * d }, (_, k) => (r() - 0.3) * 10 ** ((k % d) - 3) * (k % 11 === 0 ? 1e6 : 1));
    const norm = Normalizer.fromJSON({ axis: 'feature', mean: Array.from({ length: d }, () => r() * 100 - 50), std: Array.from({ length: d }, (_, j) => (j === 3 ? 1 : 0.001 + r() * 40)), scale });
    const expected = norm.applyArray(x, n);
    const got = x.slice();
    standardizeInPlace(got, n, norm);
    let differ = 0;
    for (let k = 0; k < got.length; k++) if (!Object.is(got[k], expected[k])) differ++;
    assert.equal(differ, 0, `${differ} of ${got.length} values differ`);
    assert.equal(liveTensors(), before);
  });
}
