// A table of numbers, a category, a date and two text columns, end to end from
// the command line: plan lists every input path, auto trains one network over
// all of them, predict and serve use every field (a number changes the
// prediction), export reproduces predict through ONNX Runtime from raw rows,
// and interpret's permutation importance covers every column.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { Rng, type Row } from '../../src/data/index.js';
import { onnxFeeds, type OnnxSidecar } from '../../src/export/index.js';
import { ProcessGroup } from '../../src/distributed/index.js';
import { cli, root, runCli } from '../serve/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sixstep-mixed-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * verdict = keep when the title says "solid" and the size is above 25, or the
 * size is above 75: each path alone gets 0.75 of the rows right, both 1.0.
 */
function listings(n: number, seed: number): Row[] {
  const rng = new Rng(seed);
  const filler = ['the', 'lamp', 'chair', 'table', 'old', 'new', 'wooden', 'blue', 'small'];
  const notes = ['arrived', 'quickly', 'box', 'was', 'fine', 'colour', 'as', 'shown', 'seller', 'friendly', 'would', 'buy', 'again'];
  return Array.from({ length: n }, (_, i) => {
    const solid = rng.next() < 0.5;
    const size = Math.round(rng.next() * 100);
    const title = [filler[rng.int(filler.length)], ...(solid ? ['solid'] : []), filler[rng.int(filler.length)]].join(' ');
    const review = Array.from({ length: 5 + rng.int(8) }, () => notes[rng.int(notes.length)]).join(' ');
    const day = String(1 + (i % 28)).padStart(2, '0');
    return { size, shop: ['north', 'south', 'east'][rng.int(3)], listed: `2026-0${1 + rng.int(9)}-${day}`, title, review: i % 17 === 0 ? '' : review, verdict: (solid && size > 25) || size > 75 ? 'keep' : 'return' };
  });
}

const csv = (rows: Row[]) => [Object.keys(rows[0]).join(','), ...rows.map((r) => Object.values(r).join(','))].join('\n') + '\n';

describe('a mixed table from the command line', () => {
  const data = join(dir, 'listings.csv');
  writeFileSync(data, csv(listings(480, 1)));
  const fresh = listings(40, 2).map(({ verdict: _, ...r }) => r);
  writeFileSync(join(dir, 'fresh.csv'), csv(fresh));
  const project = join(dir, 'project');
  // Titles of two or three words, 150 distinct, would be read as categories: --kind says they are text.
  const common = ['--data', data, '--target', 'verdict', '--project', project, '--kind', 'title=text', '--json'];
  let model = '';
  let run = '';

  it('plan: every input path in the schema and the layer table, joined', () => {
    const r = runCli(['plan', ...common]);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    const features = j.schema.filter((c: any) => c.role === 'feature').map((c: any) => c.name).sort();
    assert.deepEqual(features, ['listed', 'review', 'shop', 'size', 'title']);
    assert.deepEqual(j.schema.find((c: any) => c.name === 'listed').derived, ['listed_year', 'listed_month', 'listed_day', 'listed_weekday']);
    const reads = j.architecture.map((l: any) => l.reads ?? '').join('\n');
    for (const c of ['size', 'listed', 'shop', 'title', 'review']) assert.match(reads, new RegExp(c), `the layer table names ${c}`);
    assert.match(reads, /join: 5 \(features\) \+ \d \(shop\) \+ 64 \(title\) \+ 64 \(review\)/);
    assert.equal(j.model.family, 'tabular');
    assert.deepEqual(j.model.options.texts.map((t: any) => [t.column, t.encoder]), [['title', 'bag'], ['review', 'bag']]);
  });

  it('bad column options: an unknown column exits 2 naming the closest, a kind the values contradict exits 3 naming the line', () => {
    const base = ['plan', '--data', data, '--target', 'verdict', '--project', join(dir, 'bad')];
    const unknown = runCli([...base, '--ignore', 'reveiw']);
    assert.equal(unknown.status, 2, unknown.stderr);
    assert.match(unknown.stderr, /a column to ignore \(--ignore\) named "reveiw".*did you mean "review"\?/);
    const kind = runCli([...base, '--kind', 'sise=numeric']);
    assert.equal(kind.status, 2, kind.stderr);
    assert.match(kind.stderr, /did you mean "size"\?/);
    const value = runCli([...base, '--kind', 'title=whatever']);
    assert.equal(value.status, 2, value.stderr);
    assert.match(value.stderr, /--kind takes <column>=<numeric\|categorical\|text\|identifier\|datetime>, got "title=whatever"/);
    const contradicts = runCli([...base, '--kind', 'title=numeric']);
    assert.equal(contradicts.status, 3, contradicts.stderr);
    assert.match(contradicts.stderr, /listings\.csv:2: expected a number in column "title" \(--kind title=numeric\), found "[^"]+"/);
    const target = runCli([...base, '--ignore', 'verdict']);
    assert.equal(target.status, 2, target.stderr);
    assert.match(target.stderr, /--ignore to name input columns only, found the target column "verdict"/);
  });

  it('auto (a one-minute budget): one network over every column, saved', () => {
    const r = runCli(['auto', ...common, '--budget', '1']);
    // What it learns in a minute depends on the machine's load (test/steps/mixed_inputs.test.ts measures learning); 5: no signal yet.
    assert.ok(r.status === 0 || r.status === 5, r.stderr);
    const j = JSON.parse(r.stdout);
    model = j.model;
    run = j.run;
    assert.ok(model, 'a model directory');
    assert.deepEqual(j.model_spec.options.texts.map((t: any) => t.column), ['title', 'review']);
  });

  it('predict and serve use every field: changing the number changes the prediction', async () => {
    const p = runCli(['predict', '--model', model, '--data', join(dir, 'fresh.csv'), '--json']);
    assert.equal(p.status, 0, p.stderr);
    assert.equal(JSON.parse(p.stdout).predictions.length, fresh.length);
    const child = spawn(process.execPath, [cli, 'serve', '--model', model, '--project', project, '--port', '0', '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const { url } = JSON.parse(line);
      const row = { size: 50, shop: 'north', listed: '2026-03-04', title: 'solid oak table', review: 'arrived quickly' };
      const ask = async (rows: Row[]) => {
        const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows }) });
        assert.equal(res.status, 200, await res.clone().text());
        return ((await res.json()) as { predictions: Array<{ probabilities: Record<string, number> }> }).predictions;
      };
      // A field the model ignored would leave the probabilities exactly as they were.
      const [mid, small, plain, quiet] = await ask([row, { ...row, size: 5 }, { ...row, title: 'oak table' }, { ...row, review: 'seller was friendly' }]);
      assert.notEqual(mid.probabilities.keep, small.probabilities.keep, 'the size moves the prediction');
      assert.notEqual(mid.probabilities.keep, plain.probabilities.keep, "the title's word moves it");
      assert.notEqual(mid.probabilities.keep, quiet.probabilities.keep, 'the second text column is read too');
      const missing = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: [{ ...row, review: undefined }] }) });
      assert.equal(missing.status, 400, 'every field is required, the text too');
      assert.match(await missing.text(), /missing field \\"review\\"/);
      const drift = (await (await fetch(`${url}/drift`)).json()) as { features: Record<string, { unseen: number | null; psi: number | null }> };
      assert.ok(drift.features.title && drift.features.review, 'drift covers the text columns');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('export: one graph, a token input per text column; ONNX Runtime on raw rows gives predict\'s probabilities (≤ 1e-5)', async () => {
    const file = join(dir, 'listings.onnx');
    const r = runCli(['export', '--model', model, '--out', file, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).inputs, ['features', 'tokens_title', 'tokens_review']);
    const sidecar = JSON.parse(readFileSync(join(dir, 'listings.inputs.json'), 'utf8')) as OnnxSidecar;
    const session = await ort.InferenceSession.create(file);
    try {
      const feeds = Object.fromEntries(Object.entries(onnxFeeds(sidecar, fresh)).map(([k, f]) => [k, new ort.Tensor(f.type, f.data, f.dims)]));
      const out = await session.run(feeds);
      const p = JSON.parse(runCli(['predict', '--model', model, '--data', join(dir, 'fresh.csv'), '--json']).stdout).predictions as Array<{ probabilities: Record<string, number> }>;
      const onnx = out.probabilities.data as Float32Array;
      let worst = 0;
      p.forEach((x, i) => sidecar.classes!.forEach((c, k) => (worst = Math.max(worst, Math.abs(x.probabilities[c] - onnx[i * sidecar.classes!.length + k])))));
      assert.ok(worst <= 1e-5, `max |diff| ${worst}`);
    } finally {
      await session.release();
    }
  });

  it('fit --nproc 2: the mixed network trains data-parallel (each rank its share of the packed rows)', { skip: ProcessGroup.available() ? false : 'this addon was built without Gloo' }, () => {
    const r = runCli(['fit', '--data', data, '--target', 'verdict', '--project', join(dir, 'ddp'), '--kind', 'title=text', '--nproc', '2', '--epochs', '2', '--optimizer', 'adam', '--lr', '3e-3', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.parallel.worldSize, 2);
    assert.ok(Number.isFinite(j.metrics.validation.loss));
  });

  it('interpret: permutation importance for every column, none exactly 0 (a column the model does not read would be)', () => {
    const r = runCli(['interpret', '--run', run, '--project', project, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const f = JSON.parse(r.stdout).featureImportance.features as Array<{ feature: string; values: number[] }>;
    assert.deepEqual(f.map((x) => x.feature).sort(), ['listed', 'review', 'shop', 'size', 'title']);
    for (const x of f) assert.ok(x.values.some((v) => v !== 0), `${x.feature}: ${x.values}`);
  });
});
