// Tables that mix numbers, categories and text, as the data layer hands them
// to the network: one input row per example (the encoded features, then each
// text column's token ids at its length), the text statistics the encoder is
// chosen by, the user's --ignore and --kind checked against the table and
// recorded in the split manifest, and folds whose vocabularies come from their
// own training rows. Every native tensor is released.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepare } from '../../src/data/prepare.js';
import { makeFolds } from '../../src/data/folds.js';
import { manifestPath } from '../../src/data/manifest.js';
import { inputLayout, packRows } from '../../src/data/model_input.js';
import { Tokenizer, Rng, DataError, UnknownColumnError, ColumnOptionError, MAX_TOKEN_ID } from '../../src/data/index.js';
import { tidy } from '../../src/tensor/index.js';
import { noLeaks } from '../helpers.js';

const WORDS = ['red', 'green', 'blue', 'small', 'large', 'box', 'lamp', 'chair', 'new', 'old'];

/** price (number), colour (category), title (text), notes (text, some empty or missing) → sold. */
function write(n = 120, seed = 3): { dir: string; file: string } {
  const rng = new Rng(seed);
  const lines = ['price,colour,title,notes,sold'];
  for (let i = 0; i < n; i++) {
    const title = Array.from({ length: 3 + rng.int(3) }, () => WORDS[rng.int(WORDS.length)]).join(' ');
    const notes = i % 10 === 0 ? '' : i % 10 === 1 ? 'NA' : Array.from({ length: 4 + rng.int(10) }, () => WORDS[rng.int(WORDS.length)]).join(' ');
    lines.push(`${(rng.next() * 100).toFixed(2)},${['a', 'b', 'c'][i % 3]},${title},${notes},${rng.next() < 0.5 ? 'yes' : 'no'}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-mixed-data-'));
  const file = join(dir, 'items.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { dir, file };
}

describe('mixed tables in the data layer', () => {
  it('one input row per example: features, then each text column\'s ids, exactly', () => noLeaks(async () => {
    const { dir, file } = write();
    const p = await prepare({ data: file, target: 'sold', projectDir: dir });
    assert.equal(p.kind, 'sequence');
    assert.ok(p.archInput.kind === 'tabular');
    if (p.archInput.kind !== 'tabular' || p.preprocessing.kind === 'image') return;
    const layout = inputLayout(p.preprocessing.preprocessor);
    assert.deepEqual(layout.texts.map((t) => t.column), ['title', 'notes']);
    assert.deepEqual(p.archInput.texts.map((t) => [t.column, t.start, t.length]), layout.texts.map((t) => [t.column, t.start, t.length]));
    assert.equal(layout.texts[0].start, layout.features);
    assert.equal(layout.width, layout.features + layout.texts[0].length + layout.texts[1].length);
    const source = p.loader('validation', { batchSize: 1000 });
    try {
      const [b] = [...source.batches(0)];
      assert.deepEqual(b.x.shape, [p.counts.validation, layout.width]);
      const ids = tidy(() => b.x.narrow(1, layout.texts[0].start, layout.texts[0].length).toArray());
      assert.ok(ids.every((v) => Number.isInteger(v) && v >= 0 && v < layout.texts[0].vocabulary), 'token ids, exact');
      b.x.dispose();
      b.y.dispose();
    } finally {
      source.dispose();
    }
    // The Predictor's packing of the same rows is the same row.
    const rows = packRows({ x: Float32Array.of(1, 2), n: 1, text: { title: Int32Array.from({ length: layout.texts[0].length }, (_, i) => i), notes: new Int32Array(layout.texts[1].length).fill(7) } }, { ...layout, features: 2, texts: [{ ...layout.texts[0], start: 2 }, { ...layout.texts[1], start: 2 + layout.texts[0].length }], width: 2 + layout.texts[0].length + layout.texts[1].length });
    assert.deepEqual(Array.from(rows.subarray(0, 4)), [1, 2, 0, 1]);
    assert.equal(rows[rows.length - 1], 7);
  }));

  it('text statistics from the training rows; the length covers 95 % of them; empty and missing texts are said', async () => {
    const tok = Tokenizer.fit(['a b c', 'a b', '', 'd e f g h i j k l m n', 'b c']);
    assert.deepEqual({ ...tok.stats, meanTokens: Math.round(tok.stats!.meanTokens * 10) / 10 }, { rows: 5, emptyRows: 1, meanTokens: 3.6, medianTokens: 2, p95Tokens: 11, maxTokens: 11, distinctTokens: 14, distinctBigrams: 12, repeatedBigrams: 2, cutRows: 0 });
    assert.equal(tok.maxLength, 16, '95th percentile 11, rounded up to a multiple of 8');
    assert.throws(() => Tokenizer.fit(['a'], { maxVocabulary: MAX_TOKEN_ID }), /float32/);
    const { dir, file } = write();
    const p = await prepare({ data: file, target: 'sold', projectDir: dir });
    assert.ok(p.notes.some((n) => /text column "notes": \d+ of \d+ training rows .* have no words \(missing or empty\)/.test(n)), p.notes.join('\n'));
  });

  it('--ignore and --kind: checked against the table, recorded in the split manifest; other overrides later keep the rows in their splits', async () => {
    const { dir, file } = write();
    await assert.rejects(prepare({ data: file, target: 'sold', projectDir: dir, ignore: ['titel'] }), (e: unknown) => e instanceof UnknownColumnError && /did you mean "title"/.test((e as Error).message));
    await assert.rejects(prepare({ data: file, target: 'sold', projectDir: dir, kinds: { prise: 'text' } }), (e: unknown) => e instanceof UnknownColumnError && /did you mean "price"/.test((e as Error).message));
    await assert.rejects(prepare({ data: file, target: 'sold', projectDir: dir, ignore: ['sold'] }), ColumnOptionError);
    await assert.rejects(prepare({ data: file, target: 'sold', projectDir: dir, ignore: ['price', 'colour', 'title', 'notes'] }), /at least one input column/);
    // Letters in a column forced numeric: the line that has them.
    await assert.rejects(prepare({ data: file, target: 'sold', projectDir: dir, kinds: { title: 'numeric' } }), (e: unknown) => e instanceof DataError && !(e instanceof ColumnOptionError) && /items\.csv:2: expected a number in column "title" \(--kind title=numeric\)/.test((e as Error).message));
    const p = await prepare({ data: file, target: 'sold', projectDir: dir, ignore: ['notes'], kinds: { colour: 'text', price: 'text' } });
    assert.ok(p.notes.some((n) => /"price" is text by --kind, but every value is a number/.test(n)), p.notes.join('\n'));
    assert.ok(p.preprocessing.kind !== 'image' && p.preprocessing.schema.columns.find((c) => c.name === 'notes')!.role === 'dropped');
    const manifest = JSON.parse(readFileSync(manifestPath(dir, file), 'utf8'));
    assert.deepEqual(manifest.overrides, { ignore: ['notes'], kinds: { colour: 'text', price: 'text' } });
    const again = await prepare({ data: file, target: 'sold', projectDir: dir });
    assert.equal(again.fingerprint, p.fingerprint, 'the same rows in each split');
    assert.ok(again.notes.some((n) => /was made with --ignore notes --kind colour=text,price=text; this run has no column overrides: the same rows in each split, other model inputs/.test(n)), again.notes.join('\n'));
  });

  it('folds: each fold\'s vocabulary from its own training rows (other words read <unknown>), the layout the same', () => noLeaks(async () => {
    const { dir, file } = write(90, 5);
    const p = await prepare({ data: file, target: 'sold', projectDir: dir });
    const folds = makeFolds(p, 3, 0);
    const layout = p.preprocessing.kind !== 'image' ? inputLayout(p.preprocessing.preprocessor) : null;
    for (const f of folds.folds) {
      const pre = f.prepared.preprocessing;
      assert.equal(pre.kind, 'sequence');
      if (pre.kind !== 'sequence') continue;
      assert.deepEqual(inputLayout(pre.preprocessor), layout, 'one model spec fits every fold');
      const title = pre.preprocessor.features.find((x) => x.kind === 'text' && x.column === 'title');
      const own = new Set(f.prepared.trainTable!.rows.flatMap((r) => String(r.title).split(' ')));
      const unseen = title?.kind === 'text' ? (title.tokenizer.vocabulary.unseen ?? []) : [];
      assert.ok(unseen.every((w) => !own.has(w)), 'unseen: only words the fold\'s training rows lack');
      const src = f.prepared.loader('train', { batchSize: 500 });
      for (const b of src.batches(0)) {
        b.x.dispose();
        b.y.dispose();
      }
      src.dispose();
    }
  }));
});
