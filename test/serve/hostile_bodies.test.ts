// Hostile request bodies on the table server: nesting thousands of levels
// deep in any field, the feedback label or the rows themselves, and a seeded
// fuzz of a few hundred bodies (random values at random places, prototype
// keys, huge numbers, broken JSON). Every one is answered 4xx naming the
// field, or 200 with finite predictions: never a 500, never a null. A
// non-finite output names the field it comes from (422) or, for an input
// within the training range, is the model's fault (500, logged); micro-batched
// requests are answered from their own rows only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { rmSync } from 'node:fs';
import { Predictor, createServer, listen, MicroBatcher, InputError, ServeFault, type Served, type CheckedRows } from '../../src/serve/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { PENGUINS, completeRows, trainModel } from './helpers.js';

let trained: { project: string; model: string };
let predictor: Predictor;
let store: Store;
let served: Served;
let url: string;
const rows = completeRows(PENGUINS, 'Species');
let fields: string[];

before(async () => {
  trained = trainModel(PENGUINS, 'Species');
  predictor = Predictor.load(trained.model);
  store = openStore(trained.project);
  served = createServer({ predictor, store, driftSaveMs: 0 });
  url = await listen(served);
  fields = predictor.fields.map((f) => f.name);
});

after(async () => {
  await served.close();
  predictor.dispose();
  store.close();
  rmSync(dirname(trained.project), { recursive: true, force: true });
});

async function post(path: string, body: string): Promise<{ status: number; json: any; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, json, ms: performance.now() - t0 };
}

const deep = (levels: number, inner = '1') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;
const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
/** A good row as JSON text, with one field's value replaced by raw JSON text. */
const rowWith = (field: string | null, raw: string) => {
  const text = JSON.stringify(rows[0]);
  if (field === null) return text;
  const o = { ...rows[0], [field]: '__X__' };
  return JSON.stringify(o).replace('"__X__"', raw);
};

test('a value nested 5,000 levels deep in any field is a 422 naming that field', async () => {
  for (const f of fields) {
    for (const value of [deep(5000), deepObject(5000)]) {
      const r = await post('/predict', `{"rows":[${rowWith(f, value)}]}`);
      assert.equal(r.status, 422, `${f}: ${JSON.stringify(r.json).slice(0, 200)}`);
      assert.equal(r.json.field, f);
      assert.equal(r.json.row, 0);
      assert.ok(r.json.error.length < 400, 'the message stays short');
    }
  }
});

test('deep nesting as the rows, an extra field, or a feedback label: 4xx, never 500', async () => {
  assert.equal((await post('/predict', `{"rows":${deep(5000)}}`)).status, 400);
  assert.equal((await post('/predict', `{"rows":[${deep(5000)}]}`)).status, 400);
  // An extra field is dropped before any work: the row predicts.
  const extra = await post('/predict', `{"rows":[${rowWith(null, '').replace(/}$/, `,"extra":${deep(5000)}}`)}]}`);
  assert.equal(extra.status, 200, JSON.stringify(extra.json).slice(0, 200));
  const fb = await post('/feedback', `{"labels":[{"id":"x","label":${deep(5000)}}]}`);
  assert.equal(fb.status, 422);
  assert.equal(fb.json.field, 'labels[0].label');
  const fbObj = await post('/feedback', `{"labels":[{"id":"x","label":${deepObject(5000)}}]}`);
  assert.equal(fbObj.status, 422);
});

test('a huge but finite number is a 422 naming the field; a non-finite output is never a null prediction', async () => {
  const numeric = predictor.fields.find((f) => f.kind === 'numeric')!.name;
  for (const v of ['1e308', '-1e308', '3e38', '1.7976931348623157e308']) {
    const r = await post('/predict', `{"rows":[${rowWith(numeric, v)}]}`);
    if (r.status === 200) {
      for (const p of Object.values(r.json.predictions[0].probabilities)) assert.ok(Number.isFinite(p), `${v}: finite probabilities`);
    } else {
      assert.equal(r.status, 422, `${v}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.field, numeric);
    }
  }
});

/** A seeded source of hostile JSON text. */
function fuzzer(seed: number) {
  let s = seed >>> 0 || 1;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'rows', 'labels', 'id', 'label', '', 'a'.repeat(300), ...fields];
  const value = (depth: number): string => {
    const k = Math.floor(rand() * (depth > 3 ? 7 : 10));
    switch (k) {
      case 0:
        return 'null';
      case 1:
        return pick(['true', 'false']);
      case 2:
        return pick(['0', '-0', '1e308', '-1e308', '5e-324', '123456789012345678901234567890', '3.4e38', '-1', '0.5']);
      case 3:
        return JSON.stringify(pick(['', 'NA', 'Infinity', 'NaN', '12', 'x'.repeat(rand() < 0.1 ? 100_000 : 5), '\u0000', '\ud800', '💥']));
      case 4:
        return deep(1 + Math.floor(rand() * 3000));
      case 5:
        return deepObject(1 + Math.floor(rand() * 3000));
      case 6:
        return JSON.stringify(pick(rows.slice(0, 20)));
      case 7:
        return `[${Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1)).join(',')}]`;
      default:
        return `{${Array.from({ length: Math.floor(rand() * 5) }, () => `${JSON.stringify(pick(KEYS))}:${value(depth + 1)}`).join(',')}}`;
    }
  };
  const row = () => {
    // Mostly a good row with one field broken, else anything.
    if (rand() < 0.6) return rowWith(pick(fields), value(2));
    return value(1);
  };
  const body = (): { path: string; text: string } => {
    const path = rand() < 0.75 ? '/predict' : '/feedback';
    const r = rand();
    let text: string;
    if (path === '/predict') text = r < 0.7 ? `{"rows":[${Array.from({ length: 1 + Math.floor(rand() * 3) }, row).join(',')}]}` : r < 0.85 ? `{"rows":${value(0)}}` : value(0);
    else text = r < 0.8 ? `{"labels":[{"id":${pick(['"x"', '1', 'null', value(2)])},"label":${value(1)}}]}` : value(0);
    // Some bodies are cut short or carry a stray byte.
    if (rand() < 0.05) text = text.slice(0, Math.floor(rand() * text.length));
    if (rand() < 0.03) text = `${text}}`;
    return { path, text };
  };
  return { body };
}

test('a seeded fuzz of 400 bodies: every answer is 4xx with an error (and a field where one is at fault) or 200 with finite predictions', async () => {
  const f = fuzzer(27);
  const statuses = new Map<number, number>();
  for (let i = 0; i < 400; i++) {
    const { path, text } = f.body();
    const r = await post(path, text);
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    const where = `${path} #${i}: ${text.slice(0, 120)} → ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`;
    assert.ok(r.status < 500, where);
    if (r.status >= 400) {
      assert.equal(typeof r.json.error, 'string', where);
      assert.ok(r.json.error.length < 1000, `${where}: a short message`);
      if (r.json.problem === 'type' || r.json.problem === 'missing') assert.equal(typeof r.json.field, 'string', where);
    } else if (path === '/predict') {
      for (const p of r.json.predictions) for (const v of Object.values(p.probabilities)) assert.ok(Number.isFinite(v), where);
    }
  }
  assert.ok((statuses.get(422) ?? 0) > 50 && (statuses.get(400) ?? 0) > 20, `a mix of answers: ${JSON.stringify([...statuses])}`);
});

test('a non-finite output names the field far outside training (422), or is the model at fault (500), in the row numbering of its own request', () => {
  const numeric = predictor.fields.find((f) => f.kind === 'numeric')!.name;
  const checked = predictor.check([rows[0], { ...rows[0], [numeric]: 1e30 }]);
  const out = new Array(2);
  const nan = new Float64Array(6).fill(0.2);
  nan[3] = NaN; // row 1's second class
  const blamed = predictor.describeRows(checked, 0, 2, nan, 0, 3, out);
  assert.ok(blamed instanceof InputError && blamed.field === numeric && blamed.row === 1 && blamed.status === 422, String(blamed));
  const ordinary = predictor.check([rows[0], rows[1]]);
  const fault = predictor.describeRows(ordinary, 0, 2, nan, 0, 3, out);
  assert.ok(fault instanceof ServeFault && fault.status === 500 && /^row 1:/.test(fault.message), String(fault));
});

test('micro-batching: a row whose output is not finite fails its own request only, named by its index there', async () => {
  const batcher = new MicroBatcher(predictor);
  const original = predictor.forward.bind(predictor);
  // Joined rows: request 0 has rows 0–1, request 1 rows 2–4, request 2 rows 5–6; row 3 (request 1's row 1) comes out NaN.
  predictor.forward = (r: CheckedRows) => {
    const y = original(r);
    if (r.length === 7) y.values[3 * y.width] = NaN;
    return y;
  };
  try {
    const requests = [rows.slice(0, 2), rows.slice(2, 5), rows.slice(5, 7)].map((r) => batcher.predict(predictor.check(r)));
    const [a, b, c] = await Promise.allSettled(requests);
    assert.equal(a.status, 'fulfilled');
    assert.equal(c.status, 'fulfilled');
    assert.equal((a as PromiseFulfilledResult<unknown[]>).value.length, 2);
    assert.equal(b.status, 'rejected');
    const e = (b as PromiseRejectedResult).reason;
    assert.ok(e instanceof ServeFault && /^row 1:/.test(e.message), String(e));
  } finally {
    predictor.forward = original;
  }
});

test('a model whose output is not finite for an ordinary row is answered 500 with the reason, and logged', async () => {
  const original = predictor.forward.bind(predictor);
  predictor.forward = (r: CheckedRows) => {
    const y = original(r);
    y.values.fill(NaN);
    return y;
  };
  const logged: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (logged.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const r = await post('/predict', `{"rows":[${rowWith(null, '')}]}`);
    assert.equal(r.status, 500);
    assert.equal(r.json.problem, 'non-finite-output');
    assert.match(r.json.error, /not finite/);
  } finally {
    process.stderr.write = write;
    predictor.forward = original;
  }
  assert.ok(logged.some((l) => /500 non-finite-output/.test(l)), logged.join(''));
});
