// The recent window is kept as codes, not rows: its report must equal the
// report of a fresh monitor fed exactly the last `window` rows, for every
// kind of feature (numeric with a range, datetime, categorical with unseen
// categories, boolean, text, missing cells) and of prediction (classes,
// multilabel sets, values), including after the ring has wrapped many times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriftMonitor, type Prediction } from '../../src/serve/index.js';
import type { Row } from '../../src/data/index.js';

const profile = {
  format: 'sixstep-reference',
  version: 1,
  source: 'data',
  modelKey: 'k',
  rows: 100,
  features: {
    x: { kind: 'numeric', edges: [1, 2, 3], proportions: [0.25, 0.25, 0.25, 0.25], min: 0, max: 4, missing: 0 },
    when: { kind: 'datetime', edges: [Date.UTC(2020, 0, 1)], proportions: [0.5, 0.5], min: Date.UTC(2019, 0, 1), max: Date.UTC(2021, 0, 1), missing: 0 },
    colour: { kind: 'categorical', vocabulary: ['red', 'green'], proportions: { red: 0.5, green: 0.5 }, missing: 0.1 },
    flag: { kind: 'boolean', vocabulary: null, proportions: { true: 0.3, false: 0.7 }, missing: null },
    note: { kind: 'text', missing: 0 },
  },
  predictions: { kind: 'classes', proportions: { a: 0.5, b: 0.3, c: 0.2 }, basis: 'validation predictions' },
} as const;

function stream(n: number, seed: number): { rows: Row[]; predictions: Prediction[] } {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const colours = ['red', 'green', 'blue', 'teal', null, '?'];
  const rows: Row[] = [];
  const predictions: Prediction[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      x: r() < 0.1 ? null : r() * 6 - 1, // some outside [0, 4]
      when: r() < 0.05 ? 'not a date' : new Date(Date.UTC(2018 + Math.floor(r() * 4), 5, 1)).toISOString(),
      colour: colours[Math.floor(r() * colours.length)],
      flag: r() < 0.5,
      note: r() < 0.2 ? null : 'some words',
    });
    const k = r();
    predictions.push(k < 0.4 ? { id: `${i}`, label: 'a' } : k < 0.7 ? { id: `${i}`, label: 'b' } : { id: `${i}`, label: 'c' });
  }
  return { rows, predictions };
}

test('the recent window reports exactly what a monitor of the last `window` rows reports, after wrapping', () => {
  const window = 37;
  const monitor = new DriftMonitor(profile as never, { window, missingTokens: ['?'] });
  const all = stream(1000, 7);
  // Uneven request sizes, so the ring wraps at every offset.
  for (let i = 0, size = 1; i < all.rows.length; i += size, size = (size % 13) + 1) monitor.observe(all.rows.slice(i, i + size), all.predictions.slice(i, i + size));
  const fresh = new DriftMonitor(profile as never, { window: 0, missingTokens: ['?'] });
  fresh.observe(all.rows.slice(-window), all.predictions.slice(-window));
  const { recent, ...since } = monitor.report();
  assert.deepEqual(recent, { window, ...fresh.report() });
  const whole = new DriftMonitor(profile as never, { window: 0, missingTokens: ['?'] });
  whole.observe(all.rows, all.predictions);
  assert.deepEqual(since, whole.report());
  assert.ok(recent!.features.colour.unseen! > 0 && recent!.features.x.outOfRange! > 0 && recent!.features.x.missing > 0, 'the stream exercises unseen, out-of-range and missing cells');
});

test('multilabel sets and regression values in the window', () => {
  const window = 10;
  const multi = { ...profile, predictions: { kind: 'classes', proportions: { a: 0.6, b: 0.6 }, basis: 'validation predictions' } };
  const m = new DriftMonitor(multi as never, { window });
  const rows = stream(25, 3).rows;
  const sets = rows.map((_, i) => ({ id: `${i}`, labels: i % 3 === 0 ? ['a', 'b'] : i % 3 === 1 ? ['b'] : [] }));
  m.observe(rows, sets);
  const f = new DriftMonitor(multi as never, { window: 0 });
  f.observe(rows.slice(-window), sets.slice(-window));
  assert.deepEqual(m.report().recent, { window, ...f.report() });

  const reg = { ...profile, predictions: { kind: 'numeric', edges: [0, 1], proportions: [0.3, 0.4, 0.3], basis: 'validation predictions' } };
  const g = new DriftMonitor(reg as never, { window });
  const values = rows.map((_, i) => ({ id: `${i}`, value: Math.sin(i) * 2 }));
  g.observe(rows, values);
  const h = new DriftMonitor(reg as never, { window: 0 });
  h.observe(rows.slice(-window), values.slice(-window));
  const recent = g.report().recent!;
  assert.equal(recent.predictions.psi, h.report().predictions.psi);
  assert.ok(Math.abs(recent.predictions.mean! - h.report().predictions.mean!) < 1e-12);
  assert.ok(Math.abs(recent.predictions.std! - h.report().predictions.std!) < 1e-12);
});
