// Cross-validation folds (data/folds.ts): they partition the non-test rows
// exactly, each class spread evenly, from the seed; the sealed test rows are
// in no fold (checked by row identity: the source line); a fold refuses to
// read the test split; each fold's standardization comes from its own
// training rows. And balanced sampling (data/sampler.ts): classes drawn
// equally on an imbalanced set, deterministic, reaching the loaders.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assignFolds, foldPreprocessor, makeFolds } from '../../src/data/folds.js';
import { Preprocessor } from '../../src/data/preprocessor.js';
import { inferSchema } from '../../src/data/schema.js';
import { tableFromRows } from '../../src/data/index.js';
import { prepare } from '../../src/data/prepare.js';
import { DataLoader, Rng } from '../../src/data/index.js';
import { balancedDraw, rowsByClass } from '../../src/data/sampler.js';
import { tensor, tidy } from '../../src/tensor/index.js';
import { noLeaks } from '../helpers.js';

const penguins = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'data', 'penguins.json');

describe('cross-validation folds', () => {
  it('assignFolds: every row in exactly one fold, classes spread within one row, sizes within one, the same from the same seed', () => {
    const strata = Array.from({ length: 103 }, (_, i) => (i % 10 === 0 ? 'rare' : i % 3 === 0 ? 'b' : 'a'));
    const f = assignFolds(103, strata, 5, 7);
    assert.deepEqual([...assignFolds(103, strata, 5, 7)], [...f], 'deterministic');
    assert.notDeepEqual([...assignFolds(103, strata, 5, 8)], [...f], 'another seed deals differently');
    const sizes = [0, 1, 2, 3, 4].map((k) => f.filter((x) => x === k).length);
    assert.equal(sizes.reduce((a, b) => a + b), 103);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
    for (const c of ['rare', 'a', 'b']) {
      const per = [0, 1, 2, 3, 4].map((k) => strata.filter((s, i) => s === c && f[i] === k).length);
      assert.ok(Math.max(...per) - Math.min(...per) <= 1, `${c}: ${per}`);
    }
    assert.throws(() => assignFolds(10, null, 1, 0), /number of folds from 2/);
    assert.throws(() => assignFolds(3, null, 4, 0), /number of folds from 2 to the 3 rows/);
  });

  it('makeFolds on penguins: the folds partition the non-test rows exactly, the test rows are in none, a fold cannot read the test split', () => noLeaks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sixstep-folds-'));
    const p = await prepare({ data: penguins, target: 'Species', projectDir: dir, seed: 3 });
    const set = makeFolds(p, 5, 3);
    assert.equal(set.k, 5);
    const nonTest = [...p.trainTable!.lines, ...p.validationTable!.lines];
    assert.equal(set.rows, nonTest.length);
    const seen = new Map<number, number>();
    for (const f of set.folds) for (const l of f.validationLines) seen.set(l, (seen.get(l) ?? 0) + 1);
    assert.deepEqual([...seen.keys()].sort((a, b) => a - b), [...nonTest].sort((a, b) => a - b), 'the validation folds cover exactly the non-test rows');
    assert.ok([...seen.values()].every((n) => n === 1), 'each row validates in exactly one fold');
    const file = new Set(nonTest);
    for (const f of set.folds) {
      const trainLines = new Set(f.prepared.trainTable!.lines);
      assert.ok(f.validationLines.every((l) => !trainLines.has(l)), 'no fold trains on its validation rows');
      assert.equal(trainLines.size + f.validationLines.length, nonTest.length, 'train + validation = the non-test rows');
      assert.ok([...trainLines].every((l) => file.has(l)), 'no test row in any fold');
      assert.throws(() => f.prepared.test.unseal('a fold tries to read the test split')(), /no test evaluation inside a cross-validation fold/);
      // Standardization from the fold's own training rows: a fold's normalizer differs from the default split's.
      assert.notDeepEqual((f.prepared.preprocessing as any).preprocessor.normalizer.mean, (p.preprocessing as any).preprocessor.normalizer.mean);
      assert.equal((f.prepared.preprocessing as any).preprocessor.featureNames.join(), (p.preprocessing as any).preprocessor.featureNames.join(), 'one layout for every fold');
      const b = [...f.prepared.targets('validation')];
      for (let c = 0; c < 3; c++) assert.ok(b.includes(c), `fold ${f.index} validates on class ${c}`);
      const s = f.prepared.loader('train', { batchSize: 512 });
      try {
        assert.equal(s.size, trainLines.size);
      } finally {
        s.dispose();
      }
    }
    // Stratified: each fold's class shares within a row of the non-test shares.
    const counts = set.classCounts!;
    for (const f of set.folds) {
      const v = [...f.prepared.targets('validation')];
      for (const [k, cls] of (p.classes ?? []).entries()) {
        const expected = counts[cls] / 5;
        const got = v.filter((x) => x === k).length;
        assert.ok(Math.abs(got - expected) <= 1, `fold ${f.index} class ${cls}: ${got} against ${expected}`);
      }
    }
  }));
});

describe('a fold\'s categories', () => {
  it('a category only the fold\'s validation rows carry encodes as <unknown> there; its one-hot slot stays', () => noLeaks(() => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ x: i, c: i === 0 ? 'rare' : i % 2 ? 'a' : 'b', y: i % 3 }));
    const table = tableFromRows(rows);
    const schema = inferSchema(table, { target: 'y' });
    const layout = Preprocessor.fit(table, schema).toJSON();
    const foldTrain = tableFromRows(rows.slice(1));
    const pre = foldPreprocessor(layout, foldTrain, schema);
    assert.deepEqual(pre.featureNames, layout.featureNames, 'one layout');
    const enc = pre.transform(tableFromRows([rows[0], rows[1]]));
    const at = (name: string, r: number) => enc.x[r * enc.features.length + enc.features.indexOf(name)];
    assert.equal(at('c=rare', 0), 0, 'not known to the fold');
    assert.equal(at('c=<unknown>', 0), 1);
    assert.equal(enc.report.unknown.c, 1);
    assert.equal(at('c=a', 1), 1, 'categories its training rows saw encode as before');
    // The default split's layout, fitted with the rare row, still knows it.
    assert.equal(Preprocessor.fromJSON(layout).transform(tableFromRows([rows[0]])).x[layout.featureNames.indexOf('c=rare')], 1);
  }));
});

describe('balanced sampling', () => {
  it('draws every class about equally from an imbalanced set, with replacement, from the seed', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => (i < 900 ? 0 : i < 980 ? 1 : 2));
    const groups = rowsByClass(labels);
    const draw = balancedDraw(groups, 30_000, new Rng(1));
    const freq = [0, 1, 2].map((c) => Array.from(draw).filter((i) => labels[i] === c).length / draw.length);
    for (const f of freq) assert.ok(Math.abs(f - 1 / 3) < 0.015, `class frequencies ${freq}`);
    assert.deepEqual([...balancedDraw(groups, 50, new Rng(1))], [...draw.subarray(0, 50)], 'deterministic');
    assert.ok(new Set(Array.from(draw).filter((i) => labels[i] === 2)).size === 20, 'the rare class is drawn with replacement');
  });

  it('a DataLoader with sampling balanced draws classes equally each epoch, a different draw per epoch; regression targets are refused', () => noLeaks(() => {
    const n = 400;
    const y = Int32Array.from({ length: n }, (_, i) => (i < 360 ? 0 : 1));
    const loader = tidy(() => new DataLoader({ x: tensor(new Float32Array(n), { shape: [n, 1] }), y: tensor(y, { shape: [n] }).to('int64') }, { batchSize: 100, sampling: 'balanced', seed: 5 }));
    try {
      const rows = (e: number) => Array.from(loader.order(e));
      const e0 = rows(0);
      assert.equal(e0.length, n);
      const rare = e0.filter((i) => y[i] === 1).length / n;
      assert.ok(Math.abs(rare - 0.5) < 0.08, `rare class share ${rare}`);
      assert.notDeepEqual(rows(1), e0);
      let seen = 0;
      for (const b of loader.epoch(0)) {
        seen += b.x.shape[0];
        b.x.dispose();
        b.y!.dispose();
      }
      assert.equal(seen, n);
    } finally {
      loader.dispose();
    }
    // Data-parallel ranks: one shared balanced draw, disjoint slices of it — each rank trains on different rows.
    const ranks = [0, 1].map((rank) => tidy(() => new DataLoader({ x: tensor(new Float32Array(n), { shape: [n, 1] }), y: tensor(y, { shape: [n] }).to('int64') }, { batchSize: 100, sampling: 'balanced', seed: 5, shard: { rank, worldSize: 2 } })));
    try {
      const drawn = ranks.map((l) => {
        const rows: number[][] = [];
        for (const b of l.epoch(0)) {
          rows.push(Array.from(b.indices));
          b.x.dispose();
          b.y!.dispose();
        }
        return rows;
      });
      const single = Array.from(ranks[0].order(0));
      for (let k = 0; k < 4; k++) assert.deepEqual([...drawn[0][k], ...drawn[1][k]], single.slice(k * 100, (k + 1) * 100), `batch ${k}: the ranks split the one draw`);
      assert.notDeepEqual(drawn[0][0], drawn[1][0]);
    } finally {
      for (const l of ranks) l.dispose();
    }
    const x = tensor(new Float32Array(4), { shape: [4, 1] });
    const yr = tensor(new Float32Array(4), { shape: [4] });
    assert.throws(() => new DataLoader({ x, y: yr }, { sampling: 'balanced' }), /class-index targets for balanced sampling/);
    x.dispose();
    yr.dispose();
  }));
});
