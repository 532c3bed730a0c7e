// Augmentation as a choice: names parsed and checked, the config each list
// means, the flip rule on constructed data whose answer is known, and
// data-parallel ranks drawing different augmentations for their rows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAugment, augmentConfig, flipEvidence, chooseAugment, DataLoader, type ImageSet, type Augmenter, type Batch, type Rng } from '../../src/data/index.js';
import { noLeaks } from '../helpers.js';

/** n images per class of 1×8×8 bytes: class k has a bright bar where bar(k, x, y) says. */
function bars(bar: Array<(x: number, y: number) => boolean>, n: number): ImageSet {
  const K = bar.length;
  const images = new Uint8Array(K * n * 64);
  const labels = new Int32Array(K * n);
  for (let k = 0; k < K; k++)
    for (let i = 0; i < n; i++) {
      const j = k * n + i;
      labels[j] = k;
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) images[j * 64 + y * 8 + x] = bar[k](x, y) ? 200 + i : 10 + ((x + y + i) % 3);
    }
  return { images, shape: [K * n, 1, 8, 8], labels, classes: bar.map((_, k) => `c${k}`), sources: [], report: { rows: K * n, skipped: [] } };
}

describe('augmentation choices', () => {
  it('parses lists, none and auto; names a bad transform', () => {
    assert.deepEqual(parseAugment('flip,rotate'), ['flip', 'rotate']);
    assert.deepEqual(parseAugment(' none '), []);
    assert.equal(parseAugment('auto'), 'auto');
    assert.deepEqual(parseAugment('crop,crop'), ['crop']);
    assert.throws(() => parseAugment('flip,mirror'), /unknown transform "mirror": expected a comma-separated list of flip, rotate, crop, brightness, contrast, erase/);
  });

  it('each list switches exactly its transforms on', () => {
    const c = augmentConfig(['flip', 'brightness']);
    assert.deepEqual(c.hflip, { p: 0.5 });
    assert.equal(c.affine, null);
    assert.equal(c.crop, null);
    assert.deepEqual(c.color, { brightness: 0.2, contrast: 0 });
    assert.equal(c.erase, null);
    assert.deepEqual(augmentConfig([]), { hflip: null, affine: null, crop: null, color: null, erase: null });
  });

  it('flips by default only when mirroring keeps the classes apart', () => {
    // Top bar against bottom bar: mirror-symmetric classes, flips are safe.
    const updown = flipEvidence(bars([(_, y) => y < 2, (_, y) => y > 5], 6));
    assert.ok(updown.asymmetry < 0.05 && updown.flip, JSON.stringify(updown));
    // Left bar against right bar: a mirrored left is a right; moved/spread is 4 by construction.
    const leftright = flipEvidence(bars([(x) => x < 2, (x) => x > 5], 6));
    assert.ok(Math.abs(leftright.asymmetry - 4) < 0.05 && !leftright.flip, JSON.stringify(leftright));
    const auto = chooseAugment('auto', bars([(x) => x < 2, (x) => x > 5], 6));
    assert.deepEqual(auto.names, ['rotate', 'crop', 'brightness', 'contrast', 'erase']);
    assert.match(auto.reason, /moves them by 4\.0\d\d of their spread \(at or above 0\.5\), so flips are off/);
    assert.deepEqual(chooseAugment(['erase'], bars([(x) => x < 2], 2)).names, ['erase']);
  });

  it('data-parallel ranks draw different augmentations; each rank is reproducible', () => noLeaks(() => {
    const set = bars([(x) => x < 2, (x) => x > 5], 8);
    const draws = (rank: number | null) => {
      const seen: number[] = [];
      const rec: Augmenter = { apply: (b: Batch, rng: Rng) => (seen.push(rng.next()), b), toJSON: () => null };
      const loader = DataLoader.fromImages(set, { batchSize: 8, seed: 3, augment: rec, ...(rank === null ? {} : { shard: { rank, worldSize: 2 } }) });
      for (const b of loader.epoch(0)) (b.x.dispose(), b.y?.dispose());
      loader.dispose();
      return seen;
    };
    const r0 = draws(0);
    const r1 = draws(1);
    assert.equal(r0.length, 2);
    assert.notDeepEqual(r0, r1, 'rank 0 and rank 1 draw differently for the same global batch');
    assert.deepEqual(draws(1), r1);
    assert.notDeepEqual(draws(null), r0);
  }));
});
