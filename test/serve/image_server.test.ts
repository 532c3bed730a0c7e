// Image models in step 6: a model trained by the CLI on an image folder,
// predicted with exactly the training preprocessing, served over HTTP
// (multipart, base64 JSON, raw bodies; 413, 415, 422), with image drift and
// feedback, and predicted in batch from a file, a folder or a glob.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImagePredictor, createImageServer, readImageReference, isImageModel, servedDrift, type ImageServed } from '../../src/serve/index.js';
import { ImageDriftMonitor } from '../../src/serve/image_drift.js';
import { prepare } from '../../src/data/index.js';
import { collectPredictions, predictedClasses } from '../../src/metrics/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { readImageFolder, DataLoader, Normalizer, resolveImagePaths, globToRegExp } from '../../src/data/index.js';
import { readModelDir } from '../../src/artifact/index.js';
import { buildModel } from '../../src/models/index.js';
import { liveTensors, noGrad, tidy } from '../../src/tensor/index.js';
import { runCli, maxDiff } from './helpers.js';

const COLORS: Record<string, [number, number, number]> = { red: [200, 30, 30], green: [30, 180, 40], blue: [30, 40, 200] };
let dir: string;
let folder: string;
let project: string;
let model: string;
let store: Store;
let predictor: ImagePredictor;
let baseline: number;
const servers: ImageServed[] = [];

/** A noisy w×h PNG of one colour (seeded by i). */
function png(rgb: [number, number, number], i: number, w = 20, h = 14): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3);
  for (let k = 0; k < raw.length; k++) raw[k] = Math.max(0, Math.min(255, rgb[k % 3] + (((k * 31 + i * 17) % 41) - 20)));
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sixstep-images-'));
  folder = join(dir, 'colors');
  for (const [name, rgb] of Object.entries(COLORS)) {
    mkdirSync(join(folder, name), { recursive: true });
    for (let i = 0; i < 10; i++) writeFileSync(join(folder, name, `${i}.png`), await png(rgb, i));
  }
  project = join(dir, 'project');
  const r = runCli(['fit', '--data', folder, '--epochs', '2', '--batch-size', '8', '--lr', '1e-2', '--project', project, '--json']);
  assert.ok([0, 5].includes(r.status ?? -1), `fit failed (${r.status}): ${r.stderr}`);
  model = JSON.parse(r.stdout).model;
  store = openStore(project);
  baseline = liveTensors();
  predictor = ImagePredictor.load(model);
});

after(async () => {
  for (const s of servers) await s.close();
  predictor?.dispose();
  store?.close();
  assert.equal(liveTensors(), baseline, 'every tensor of the predictor was released');
  rmSync(dir, { recursive: true, force: true });
});

async function start(o: { bodyLimit?: number } = {}): Promise<string> {
  const s = createImageServer({ predictor, store, bodyLimit: o.bodyLimit, driftSaveMs: 0 });
  servers.push(s);
  return s.app.listen({ host: '127.0.0.1', port: 0 });
}

async function send(url: string, init: RequestInit): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method: 'POST', ...init });
  return { status: r.status, json: await r.json() };
}

test('the saved model directory is an image model with a training reference', () => {
  assert.equal(isImageModel(model), true);
  const ref = readImageReference(model)!;
  assert.equal(ref.channels.length, 3);
  assert.ok(ref.images > 0 && ref.width.min === 20 && ref.height.max === 14, 'original sizes measured before resizing');
  assert.ok(Math.abs(Object.values(ref.classes).reduce((a, b) => a + b, 0) - 1) < 1e-9);
});

test("the prediction reference is the saved model's predictions on the validation split, written with the model directory", async () => {
  const ref = readImageReference(model)!;
  assert.equal(ref.predictions?.basis, 'validation predictions');
  // Recomputed here from the same split (the project's manifest) and the saved weights.
  const p = await prepare({ data: folder, projectDir: project, seed: 0 });
  assert.ok(p.reusedSplit);
  const m = readModelDir<any, any>(model);
  const net = buildModel(m.manifest.architecture);
  const source = p.loader('validation', { batchSize: 64 });
  try {
    m.loadWeights(net);
    const pred = await collectPredictions(net, source, 'multiclass', p.classes!.length);
    assert.equal(pred.task, 'multiclass');
    const classes = predictedClasses(pred as Extract<typeof pred, { k: number }>);
    assert.equal(ref.predictions!.images, p.counts.validation);
    for (const [k, c] of p.classes!.entries()) assert.equal(ref.predictions!.shares[c], classes.filter((x) => x === k).length / classes.length, c);
  } finally {
    source.dispose();
    net.dispose();
  }
});

test('image drift compares served predictions with the validation predictions; an older reference falls back to the training targets, said so', () => {
  const ref = readImageReference(model)!;
  const skewed = { ...ref, classes: { blue: 0.8, green: 0.1, red: 0.1 }, predictions: { basis: 'validation predictions' as const, images: 10, shares: { blue: 0.2, green: 0.3, red: 0.5 } } };
  const served = Array.from({ length: 10 }, (_, i) => ({ pixels: new Uint8Array(3 * 4).fill(100), channels: 3, width: 20, height: 14 + (i % 2) }));
  const labels = ['blue', 'blue', 'green', 'green', 'green', 'red', 'red', 'red', 'red', 'red'];
  const now = new ImageDriftMonitor(skewed, 3);
  now.observe(served, labels);
  const r = now.report().predictions;
  assert.equal(r.basis, 'validation predictions');
  assert.equal(r.approximate, false);
  assert.deepEqual(r.reference, skewed.predictions.shares);
  assert.ok(r.psi !== null && r.psi < 0.01, `served shares equal the validation predictions': PSI ${r.psi}`);
  const { predictions: _omit, ...older } = skewed;
  const old = new ImageDriftMonitor(older, 3);
  old.observe(served, labels);
  const o = old.report().predictions;
  assert.equal(o.basis, 'training targets');
  assert.equal(o.approximate, true);
  assert.ok(o.psi !== null && o.psi > 0.25, `against the skewed training targets: PSI ${o.psi}`);
});

test('a served image gets exactly what the training loader computes for it', async () => {
  const m = readModelDir<any, any>(model);
  const [C, H, W] = m.manifest.preprocessing.shape;
  const set = await readImageFolder(folder, { size: [H, W], channels: C });
  const loader = DataLoader.fromImages(set, { batchSize: set.shape[0], shuffle: false, normalizer: Normalizer.fromJSON(m.manifest.preprocessing.normalizer) });
  const net = buildModel(m.manifest.architecture);
  try {
    m.loadWeights(net);
    net.eval();
    const expected = noGrad(() => tidy(() => {
      const b = loader.batch(Int32Array.from({ length: set.shape[0] }, (_, i) => i));
      return net.forward(b.x).softmax(1).toArray();
    }));
    const served = await predictor.predictBytes(set.sources.map((f) => readFileSync(f)));
    const k = predictor.classes.length;
    served.forEach((p, i) => assert.ok(maxDiff(predictor.classes.map((c) => p.probabilities![c]), expected.slice(i * k, (i + 1) * k)) < 1e-6, `image ${i}`));
    assert.deepEqual(served[0].top.map((t) => t.label).length, 3);
    assert.ok(served[0].top[0].probability >= served[0].top[1].probability);
  } finally {
    net.dispose();
    loader.dispose();
  }
});

test('POST /predict takes multipart files under any field names, base64 JSON and raw image bodies', async () => {
  const url = await start();
  const form = new FormData();
  form.append('photo', new Blob([new Uint8Array(await png(COLORS.red, 99))], { type: 'image/png' }), 'a.png');
  form.append('another', new Blob([new Uint8Array(await png(COLORS.blue, 98, 40, 40))], { type: 'image/png' }), 'b.png');
  const r = await send(`${url}/predict`, { body: form });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.predictions.length, 2);
  assert.deepEqual(r.json.predictions.map((p: any) => p.part), ['photo (a.png)', 'another (b.png)']);
  for (const p of r.json.predictions) {
    assert.ok(predictor.classes.includes(p.label));
    assert.equal(p.top[0].label, p.label);
    assert.ok(Math.abs(Object.values<number>(p.probabilities).reduce((a, b) => a + b, 0) - 1) < 1e-6);
  }
  const b64 = (await png(COLORS.green, 97)).toString('base64');
  const j = await send(`${url}/predict`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images: [b64, { name: 'g.png', data: `data:image/png;base64,${b64}` }] }) });
  assert.equal(j.status, 200, JSON.stringify(j.json));
  assert.equal(j.json.predictions[1].part, 'images[1] (g.png)');
  assert.deepEqual(j.json.predictions[0].probabilities, j.json.predictions[1].probabilities);
  const raw = await send(`${url}/predict`, { headers: { 'content-type': 'image/png' }, body: new Uint8Array(await png(COLORS.green, 97)) });
  assert.equal(raw.status, 200);
  // One image against a batch of two: the same up to float rounding of another kernel path.
  const probs = (p: any) => predictor.classes.map((c) => p.probabilities[c]);
  assert.ok(maxDiff(probs(raw.json.predictions[0]), probs(j.json.predictions[0])) < 1e-6);
});

test('bad images: 415 not an image, 422 corrupt (naming the part), 413 too large before decoding', async () => {
  const url = await start({ bodyLimit: 4000 });
  const form = new FormData();
  form.append('doc', new Blob(['hello, not an image'], { type: 'text/plain' }), 'notes.txt');
  const a = await send(`${url}/predict`, { body: form });
  assert.equal(a.status, 415);
  assert.equal(a.json.part, 'doc (notes.txt)');
  assert.match(a.json.error, /not a PNG, JPEG, WebP, GIF or TIFF image/);
  const good = await png(COLORS.red, 1);
  const corrupt = Buffer.concat([good.subarray(0, 40), Buffer.alloc(60, 7)]);
  const f2 = new FormData();
  f2.append('x', new Blob([new Uint8Array(corrupt)]), 'broken.png');
  const b = await send(`${url}/predict`, { body: f2 });
  assert.equal(b.status, 422);
  assert.equal(b.json.problem, 'corrupt');
  assert.match(b.json.error, /x \(broken\.png\): a PNG image that/);
  const big = Buffer.concat([good, Buffer.alloc(6000)]);
  const f3 = new FormData();
  f3.append('x', new Blob([new Uint8Array(big)]), 'big.png');
  assert.equal((await send(`${url}/predict`, { body: f3 })).status, 413);
  assert.equal((await send(`${url}/predict`, { headers: { 'content-type': 'image/png' }, body: new Uint8Array(big) })).status, 413);
  const t = await send(`${url}/predict`, { headers: { 'content-type': 'text/plain' }, body: 'hi' });
  assert.equal(t.status, 415);
  const j = await send(`${url}/predict`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images: ['%%%'] }) });
  assert.equal(j.status, 422);
  const none = await send(`${url}/predict`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: [] }) });
  assert.equal(none.status, 400);
  assert.match(none.json.error, /"images"/);
});

test('/drift compares served images with the training images; feedback measures the real world', async () => {
  const url = await start();
  const same = await send(`${url}/predict`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images: await Promise.all([0, 1, 2, 3].map(async (i) => (await png(COLORS.red, i)).toString('base64'))) }) });
  assert.equal(same.status, 200);
  let d = await (await fetch(`${url}/drift`)).json();
  assert.equal(d.rows, 4);
  assert.deepEqual(Object.keys(d.features), ['red mean', 'green mean', 'blue mean', 'width', 'height', 'aspect']);
  assert.equal(d.features.width.outOfRange, 0);
  // Wide white photos: brightness, size and aspect all move.
  const white = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => png([250, 250, 250], i, 90, 20)));
  await send(`${url}/predict`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images: white.map((b) => b.toString('base64')) }) });
  d = await (await fetch(`${url}/drift`)).json();
  assert.equal(d.rows, 10);
  for (const f of ['red mean', 'width', 'aspect']) assert.ok(d.drifted.includes(f), `${f} drifted: ${JSON.stringify(d.features[f])}`);
  assert.equal(d.features.width.outOfRange, 0.6);
  assert.equal(d.predictions.n, 10);
  assert.equal(typeof d.predictions.psi, 'number');
  const ids = same.json.predictions.map((p: any) => p.id);
  const fb = await send(`${url}/feedback`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ labels: ids.map((id: string) => ({ id, label: 'red' })) }) });
  assert.equal(fb.status, 200, JSON.stringify(fb.json));
  assert.equal(fb.json.accepted, 4);
  assert.equal(fb.json.realWorld.n, 4);
  const bad = await send(`${url}/feedback`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ labels: [{ id: ids[0], label: 'purple' }] }) });
  assert.equal(bad.status, 422);
  assert.match(bad.json.error, /must be one of \["blue","green","red"\]/);
  assert.ok(servedDrift(store).some((s) => s.report.rows >= 4), 'drift saved to the store');
});

test('predict --data takes a file, a folder or a glob; a non-image stops with its name unless --lenient', async () => {
  const photos = join(dir, 'new-photos');
  mkdirSync(join(photos, 'sub'), { recursive: true });
  writeFileSync(join(photos, 'one.png'), await png(COLORS.red, 50));
  writeFileSync(join(photos, 'sub', 'two.png'), await png(COLORS.blue, 51, 30, 30));
  writeFileSync(join(photos, 'readme.txt'), 'not an image');
  assert.deepEqual((await resolveImagePaths(photos)).map((f) => f.slice(photos.length)), ['/one.png', '/sub/two.png']);
  assert.deepEqual((await resolveImagePaths(`${photos}/*.png`)).map((f) => f.slice(photos.length)), ['/one.png']);
  assert.deepEqual((await resolveImagePaths(`${photos}/**/*.png`)).map((f) => f.slice(photos.length)), ['/one.png', '/sub/two.png']);
  assert.ok(globToRegExp('a/**/*.jpg').test('a/x/y/z.jpg') && !globToRegExp('*.jpg').test('x/z.jpg'));
  const one = runCli(['predict', '--model', model, '--data', join(photos, 'one.png'), '--json']);
  assert.equal(one.status, 0, one.stderr);
  assert.equal(JSON.parse(one.stdout).predictions.length, 1);
  const csv = runCli(['predict', '--model', model, '--data', `${photos}/**/*.png`]);
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  assert.equal(lines[0], 'file,id,prediction,p_blue,p_green,p_red');
  assert.equal(lines.length, 3);
  writeFileSync(join(photos, 'fake.png'), 'not really a png');
  const stop = runCli(['predict', '--model', model, '--data', photos]);
  assert.equal(stop.status, 3);
  assert.match(stop.stderr, /fake\.png/);
  const out = join(dir, 'p.json');
  const lenient = runCli(['predict', '--model', model, '--data', photos, '--lenient', '--out', out, '--json']);
  assert.equal(lenient.status, 0, lenient.stderr);
  assert.equal(JSON.parse(lenient.stdout).skipped.length, 1);
  assert.ok(existsSync(out));
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).length, 2);
});
