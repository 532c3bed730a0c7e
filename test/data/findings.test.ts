// What `plan` suspects before training: each finding fires on a constructed
// table where its cause is planted, and stays silent on a clean table of the
// same shape (same columns and sizes, the cause left out) and on the bundled
// datasets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Rng, inferSchema, readTable, splitTable, tableFromRows, type Row, type Table } from '../../src/data/index.js';
import { findSuspects, keyColumnFinding, leakFinding, nearDuplicateFinding, timeFindings, type Finding } from '../../src/data/findings/index.js';
import { PENGUINS, VEGA } from './helpers.js';

const TOKENS = new Set(['']);
const day = (i: number) => new Date(Date.UTC(2015, 0, 1) + i * 86400000).toISOString().slice(0, 10);

/** 400 daily rows; label drifting from mostly "a" to mostly "b" when `drift`; in date order when `sorted`. */
function daily(o: { sorted: boolean; drift: boolean }, seed = 1): Table {
  const rng = new Rng(seed);
  const rows: Row[] = Array.from({ length: 400 }, (_, i) => {
    const pb = o.drift ? 0.1 + 0.8 * (i / 399) : 0.5;
    return { date: day(i), x: rng.normal(), label: rng.next() < pb ? 'b' : 'a' };
  });
  return tableFromRows(o.sorted ? rows : (rng.shuffle(rows.slice()) as Row[]), 'daily.csv');
}

const kinds = (fs: Finding[]) => fs.map((f) => `${f.kind}:${f.column}`).sort();

test('time order: rows sorted by a date fire time-order with the sorted share; the same rows shuffled stay silent', () => {
  const sorted = timeFindings({ train: daily({ sorted: true, drift: false }), column: 'date', target: 'label', classification: true, tokens: TOKENS });
  assert.deepEqual(kinds(sorted), ['time-order:date']);
  assert.equal(sorted[0].value, 1);
  assert.equal(sorted[0].option, '--split-by time:date');
  assert.match(sorted[0].message, /100 % of consecutive training rows in time order/);
  assert.deepEqual(timeFindings({ train: daily({ sorted: false, drift: false }), column: 'date', target: 'label', classification: true, tokens: TOKENS }), []);
});

test('time drift: labels that change along a date fire time-drift (rows shuffled, so not for order); stationary labels stay silent', () => {
  const drift = timeFindings({ train: daily({ sorted: false, drift: true }), column: 'date', target: 'label', classification: true, tokens: TOKENS });
  assert.deepEqual(kinds(drift), ['time-drift:date']);
  assert.ok(drift[0].value >= 0.5, `total variation ${drift[0].value}`);
  assert.ok(Number(drift[0].detail!.p) < 1e-6);
  // Regression: a target with a trend against one without.
  const rng = new Rng(3);
  const trend = tableFromRows(rng.shuffle(Array.from({ length: 300 }, (_, i) => ({ date: day(i), y: i / 30 + rng.normal() }))) as Row[]);
  const flat = tableFromRows(rng.shuffle(Array.from({ length: 300 }, (_, i) => ({ date: day(i), y: rng.normal() }))) as Row[]);
  assert.deepEqual(kinds(timeFindings({ train: trend, column: 'date', target: 'y', classification: false, tokens: TOKENS })), ['time-drift:date']);
  assert.deepEqual(timeFindings({ train: flat, column: 'date', target: 'y', classification: false, tokens: TOKENS }), []);
  // A dozen distinct times are an attribute, not a time line.
  const years = tableFromRows(Array.from({ length: 300 }, (_, i) => ({ date: `${2000 + Math.floor(i / 25)}-01-01`, y: i })));
  assert.deepEqual(timeFindings({ train: years, column: 'date', target: 'y', classification: false, tokens: TOKENS }), []);
});

/** 80 patients × 5 visits: patient-level sex and birth year, visit-level pressure; `keyed` ties `code` to the patient. */
function visits(keyed: boolean, value: (p: number) => string | number, seed = 2): Table {
  const rng = new Rng(seed);
  const rows: Row[] = [];
  const perRow = rng.permutation(400);
  for (let p = 0; p < 80; p++) {
    const sex = rng.next() < 0.5 ? 'f' : 'm';
    const born = 1940 + rng.int(50);
    for (let v = 0; v < 5; v++) rows.push({ code: keyed ? value(p) : value(perRow[p * 5 + v] % 80), sex, born, pressure: Math.round(120 + 15 * rng.normal()), y: rng.next() < 0.5 ? 'yes' : 'no' });
  }
  return tableFromRows(rng.shuffle(rows) as Row[], 'visits.csv');
}

test('key column: identifier-like strings, or integers whose rows agree on other columns (and neighbours do not), fire with --group; the same columns dealt at random stay silent', () => {
  const others = ['sex', 'born', 'pressure'];
  const ids = keyColumnFinding({ train: visits(true, (p) => `P${String(p).padStart(3, '0')}`), column: 'code', others, tokens: TOKENS, seed: 0 });
  assert.equal(ids?.kind, 'key-column');
  assert.equal(ids?.option, '--group code');
  assert.match(ids!.message, /80 values shared by 5 training rows each/);
  const ints = keyColumnFinding({ train: visits(true, (p) => 1000 + 7 * p), column: 'code', others, tokens: TOKENS, seed: 0 });
  assert.match(ints?.message ?? '', /rows of one value agree on "(sex|born)"/);
  // The same values, not tied to a patient: the rows of one value are unrelated (and each string value is one row's).
  assert.equal(keyColumnFinding({ train: visits(false, (p) => 1000 + 7 * p), column: 'code', others, tokens: TOKENS, seed: 0 }), null);
  const unique = visits(false, (p) => p);
  unique.rows.forEach((r, i) => (r.code = `P${String(i).padStart(4, '0')}`));
  assert.equal(keyColumnFinding({ train: unique, column: 'code', others, tokens: TOKENS, seed: 0 }), null);
  // A measured integer (rows of one value alike, and so are rows of the next value) is not a key.
  const rng = new Rng(5);
  const measured = tableFromRows(Array.from({ length: 400 }, () => {
    const size = 150 + rng.int(60);
    return { code: size, heavy: size > 180 ? 'yes' : 'no', other: rng.normal() };
  }));
  assert.equal(keyColumnFinding({ train: measured, column: 'code', others: ['heavy', 'other'], tokens: TOKENS, seed: 0 }), null);
});

test('leak: a column that is the target in disguise fires with --ignore (classes and regression); the same column independent of the target stays silent', () => {
  const rng = new Rng(7);
  const rows = Array.from({ length: 600 }, () => {
    const y = rng.next() < 0.4 ? 'sick' : 'well';
    const t = rng.normal() * 10 + 50;
    return { y, code: rng.next() < 0.005 ? 'Z1' : y === 'sick' ? 'C34' : 'Z00', noise: ['C34', 'Z00', 'Z1'][rng.int(3)], t, total: 2 * t + 0.01 * rng.normal(), w: rng.normal() * 20 + 100 };
  });
  const t = tableFromRows(rows);
  const leak = leakFinding({ train: t, column: 'code', kind: 'categorical', target: 'y', task: 'binary', tokens: TOKENS, seed: 0 });
  assert.equal(leak?.kind, 'leak');
  assert.equal(leak?.option, '--ignore code');
  assert.ok(leak!.value >= 0.98, String(leak!.value));
  assert.equal(leakFinding({ train: t, column: 'noise', kind: 'categorical', target: 'y', task: 'binary', tokens: TOKENS, seed: 0 }), null);
  const r2 = leakFinding({ train: t, column: 'total', kind: 'numeric', target: 't', task: 'regression', tokens: TOKENS, seed: 0 });
  assert.ok(r2 && r2.value >= 0.98 && /R²/.test(r2.measure), JSON.stringify(r2));
  assert.equal(leakFinding({ train: t, column: 'w', kind: 'numeric', target: 't', task: 'regression', tokens: TOKENS, seed: 0 }), null);
  // Unique values cannot look perfect by heart: measured out of fold.
  const ids = tableFromRows(rows.map((r, i) => ({ ...r, rowId: `r${i}` })));
  assert.equal(leakFinding({ train: ids, column: 'rowId', kind: 'categorical', target: 'y', task: 'binary', tokens: TOKENS, seed: 0 }), null);
});

test('near-duplicates: held-out rows equal to training rows up to formatting fire with --drop-near-duplicates, which removes them; the table without the copies stays silent', async () => {
  const rng = new Rng(11);
  const base: Row[] = Array.from({ length: 300 }, (_, i) => ({ city: ['Oslo', 'Lima', 'Pune', 'Kobe'][i % 4], street: `${rng.int(900)} Elm St.`, area: Number((50 + 100 * rng.next()).toFixed(5)), price: Math.round(1000 * rng.next()) }));
  const copies: Row[] = base.slice(0, 60).map((r) => ({ ...r, city: String(r.city).toUpperCase(), street: String(r.street).replace('.', '').toLowerCase(), area: Number((r.area as number).toFixed(2)) }));
  const clean = tableFromRows(base);
  const dirty = tableFromRows([...base, ...copies]);
  const run = async (t: Table, nearDuplicates = false) => {
    const schema = inferSchema(t, { target: 'price' });
    const s = await splitTable(t, { schema, seed: 1, nearDuplicates });
    return { s, f: nearDuplicateFinding({ train: s.train, columns: s.fingerprintColumns, validation: s.heldOutNear.validation, test: s.heldOutNear.test, seed: 0 }) };
  };
  const d = await run(dirty);
  assert.equal(d.f?.kind, 'near-duplicates');
  assert.ok(d.f!.value >= 5, String(d.f!.value));
  assert.match(d.f!.message, /line \d+ ~ \d+/);
  assert.equal((await run(clean)).f, null);
  const dropped = await run(dirty, true);
  assert.equal(dropped.f, null, 'removed from the held-out splits');
  assert.ok(dropped.s.leakage.removed.validation + dropped.s.leakage.removed.test >= d.f!.value);
  assert.equal(dropped.s.manifest.nearDuplicates, true);
});

test('findSuspects: a key column leaves the features (unless its kind was set) and is not also called a leak', () => {
  const t = visits(true, (p) => `P${p}`);
  t.rows.forEach((r) => (r.y = Number(String(r.code).slice(1)) % 2 ? 'yes' : 'no'));
  const schema = inferSchema(t, { target: 'y' });
  const fs = findSuspects({ train: t, schema, by: { kind: 'random' } });
  assert.deepEqual(kinds(fs), ['key-column:code']);
  assert.deepEqual(findSuspects({ train: t, schema, by: { kind: 'group', column: 'code' } }).filter((f) => f.column === 'code'), [], 'the --group column is not a suspect');
});

/** Findings on a bundled dataset's training rows, as plan computes them. */
async function bundled(file: string, target: string): Promise<string[]> {
  const t = await readTable(file);
  const whole = inferSchema(t, { target });
  const s = await splitTable(t, { schema: whole, seed: 0 });
  const schema = inferSchema(s.train, { target, task: whole.task! });
  return kinds(findSuspects({ train: s.train, schema, by: { kind: 'random' }, near: { columns: s.fingerprintColumns, validation: s.heldOutNear.validation, test: s.heldOutNear.test } }));
}

test('no false alarms on the bundled datasets; the time-ordered ones are named', async () => {
  const expect: Array<[string, string, string[]]> = [
    [PENGUINS, 'Species', []],
    [join(VEGA, 'penguins.json'), 'Sex', []],
    [join(VEGA, 'cars.json'), 'Miles_per_Gallon', []],
    [join(VEGA, 'cars.json'), 'Horsepower', []],
    [join(VEGA, 'cars.json'), 'Origin', []],
    [join(VEGA, 'movies.json'), 'IMDB Rating', []],
    [join(VEGA, 'gapminder.json'), 'life_expect', []],
    [join(VEGA, 'barley.json'), 'yield', []],
    [join(VEGA, 'population.json'), 'people', []],
    [join(VEGA, 'flights-2k.json'), 'delay', []],
    // Daily weather, 2012–2015, in date order, its labels drifting by year: named, as they should be.
    [join(VEGA, 'seattle-weather.csv'), 'weather', ['time-drift:date', 'time-order:date']],
    // Income groups per state: `id` is the state's code, seven rows each.
    [join(VEGA, 'income.json'), 'total', ['key-column:id']],
  ];
  for (const [file, target, want] of expect) assert.deepEqual(await bundled(file, target), want, `${file} → ${target}`);
});
