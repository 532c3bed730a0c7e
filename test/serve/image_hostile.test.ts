// Hostile requests to the image server, on a small image model built here:
// malformed multipart (no boundary, a bogus one, no closing one) is 400; an
// image's declared size is read from its header and refused before decoding
// (a 1 × 49,000,000 PNG, a 65,500² JPEG, a request whose images add up past
// the decoding budget), each naming the part; deep JSON is 4xx with a short
// message; a network whose output is NaN is refused at load or answered 500,
// never 200 with null probabilities; and a large request lets the event loop
// turn between images.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImagePredictor, createImageServer, type ImageServed } from '../../src/serve/index.js';
import { saveModelDir, ModelDirError } from '../../src/artifact/index.js';
import { ResNet, type ResNetOptions } from '../../src/models/index.js';
import { headerSize, readImageSize, type DecodedImage } from '../../src/data/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { liveTensors, noGrad, manualSeed } from '../../src/tensor/index.js';

const CLASSES = ['cat', 'constructor', 'dog'];
const SHAPE: [number, number, number] = [3, 8, 8];
let dir: string;
let store: Store;
let predictor: ImagePredictor;
let served: ImageServed;
let url: string;
let baseline: number;

/** A small ResNet saved as an image model directory; `tamper` may change the module before saving. */
function saveImageModel(name: string, tamper?: (m: ResNet) => void): string {
  manualSeed(0);
  const options: ResNetOptions = { inChannels: 3, classes: CLASSES.length, blocks: [1], widths: [4] };
  const m = new ResNet(options);
  try {
    if (tamper) noGrad(() => tamper(m));
    return saveModelDir(join(dir, name), m, {
      architecture: { family: 'resnet', options },
      preprocessing: { kind: 'image', shape: SHAPE, classes: CLASSES, normalizer: { axis: 'channel', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], scale: 1 / 255 } },
      task: 'multiclass',
      classes: CLASSES,
      costFunction: 'crossEntropy',
      metrics: {},
      dataFingerprint: null,
    });
  } finally {
    m.dispose();
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sixstep-image-hostile-'));
  store = openStore(join(dir, 'project'));
  baseline = liveTensors();
  predictor = ImagePredictor.load(saveImageModel('model'));
  served = createImageServer({ predictor, store, driftSaveMs: 0 });
  url = await served.app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await served.close();
  predictor.dispose();
  store.close();
  assert.equal(liveTensors(), baseline, 'every tensor was released');
  rmSync(dir, { recursive: true, force: true });
});

function png(width: number, height: number, rest: Buffer = Buffer.alloc(16)): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(13);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), len, Buffer.from('IHDR'), ihdr, Buffer.alloc(4), rest]);
}

function jpeg(width: number, height: number): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from([0xff, 0xe0, 0x00, 0x04, 0, 0]), sof, Buffer.alloc(32)]);
}

async function realPng(): Promise<Buffer> {
  return sharp(Buffer.alloc(8 * 8 * 3, 120), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer();
}

async function send(init: Omit<RequestInit, 'body'> & { path?: string; body: string | Buffer }): Promise<{ status: number; json: any; ms: number }> {
  const t0 = performance.now();
  const body = typeof init.body === 'string' ? init.body : new Uint8Array(init.body);
  const r = await fetch(`${url}${init.path ?? '/predict'}`, { method: 'POST', ...init, body });
  const text = await r.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the message
  }
  return { status: r.status, json, ms: performance.now() - t0 };
}

test('the header sizes of PNG, JPEG, GIF and WebP are read from their bytes', async () => {
  assert.deepEqual(headerSize(png(1, 49_000_000), 'png'), { width: 1, height: 49_000_000 });
  assert.deepEqual(headerSize(jpeg(65_500, 300), 'jpeg'), { width: 65_500, height: 300 });
  const raw = { raw: { width: 37, height: 21, channels: 3 as const } };
  const pixels = Buffer.alloc(37 * 21 * 3, 90);
  for (const [format, bytes] of [
    ['png', await sharp(pixels, raw).png().toBuffer()],
    ['jpeg', await sharp(pixels, raw).jpeg().toBuffer()],
    ['gif', await sharp(pixels, raw).gif().toBuffer()],
    ['webp', await sharp(pixels, raw).webp().toBuffer()],
    ['webp', await sharp(pixels, raw).webp({ lossless: true }).toBuffer()],
  ] as const) {
    assert.deepEqual(await readImageSize(bytes), { format, width: 37, height: 21 }, format);
  }
});

test('malformed multipart (no boundary, a bogus one, no closing one) is 400, not 500', async () => {
  const image = await realPng();
  const part = (boundary: string) => Buffer.concat([Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="f"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n`), image, Buffer.from('\r\n')]);
  const cases: Array<[string, string, Buffer]> = [
    ['no boundary', 'multipart/form-data', Buffer.concat([part('xyz'), Buffer.from('--xyz--\r\n')])],
    ['a bogus boundary', 'multipart/form-data; boundary=abc', Buffer.concat([part('xyz'), Buffer.from('--xyz--\r\n')])],
    ['no closing boundary', 'multipart/form-data; boundary=xyz', part('xyz')],
    ['garbage', 'multipart/form-data; boundary=xyz', Buffer.from('\u0000\u0001garbage')],
  ];
  for (const [name, type, body] of cases) {
    const r = await send({ headers: { 'content-type': type }, body });
    assert.ok(r.status >= 400 && r.status < 500, `${name}: ${r.status} ${JSON.stringify(r.json)}`);
    assert.equal(typeof r.json.error, 'string', name);
  }
  // A well-formed form still predicts.
  const ok = await send({ headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, body: Buffer.concat([part('xyz'), Buffer.from('--xyz--\r\n')]) });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
});

test('declared sizes are refused before decoding: a 1 × 49,000,000 PNG, a 65,500² JPEG, images past the request budget', async () => {
  const sliver = await send({ headers: { 'content-type': 'image/png' }, body: png(1, 49_000_000, Buffer.alloc(90_000)) });
  assert.equal(sliver.status, 413, JSON.stringify(sliver.json));
  assert.equal(sliver.json.problem, 'decode-budget');
  assert.ok(sliver.ms < 1000, `refused in ${sliver.ms.toFixed(0)} ms`);
  const huge = await send({ headers: { 'content-type': 'image/jpeg' }, body: jpeg(65_500, 65_500) });
  assert.equal(huge.status, 413);
  assert.equal(huge.json.problem, 'too-large');
  assert.match(huge.json.error, /65500×65500/);
  const images = [0, 1, 2].map(() => png(6000, 6000).toString('base64'));
  const many = await send({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images }) });
  assert.equal(many.status, 413, JSON.stringify(many.json));
  assert.equal(many.json.problem, 'decode-budget');
  assert.equal(many.json.part, 'images[2]', 'the image that crossed the budget is named');
  const model = (await (await fetch(`${url}/model`)).json()) as { limits: Record<string, number> };
  assert.equal(model.limits.decodePixelsPerRequest, 100_000_000);
});

test('a header that lies about a small size, or bytes that are no image: 422 / 415 naming the part', async () => {
  const corrupt = await send({ headers: { 'content-type': 'image/png' }, body: png(8, 8, Buffer.from('not deflate data at all')) });
  assert.equal(corrupt.status, 422, JSON.stringify(corrupt.json));
  const text = await send({ headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from('hello') });
  assert.equal(text.status, 415);
  assert.equal(text.json.part, 'body');
});

test('deep JSON in the images list or a feedback label: 4xx with a short message', async () => {
  const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
  for (const body of [`{"images":[${deep}]}`, `{"images":${deep}}`, `{"images":[{"name":${deep},"data":"x"}]}`]) {
    const r = await send({ headers: { 'content-type': 'application/json' }, body });
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
    assert.ok(JSON.stringify(r.json).length < 1000);
  }
  const fb = await send({ path: '/feedback', headers: { 'content-type': 'application/json' }, body: `{"labels":[{"id":"x","label":${deep}}]}` });
  assert.equal(fb.status, 422);
  assert.equal(fb.json.part, 'labels[0].label');
});

test('a network whose output is NaN is refused at load (exit 4 for the CLI), naming the weights', () => {
  const broken = saveImageModel('negative-variance', (m) => void m.stemBn.runningVar!.fill_(-1));
  assert.throws(() => ImagePredictor.load(broken), (e: unknown) => e instanceof ModelDirError && /model\.safetensors: the network's output on a neutral input .* is NaN/.test(e.message));
});

test('a network whose output turns NaN while serving is answered 500 with the reason, never 200 with null', async () => {
  const model = (predictor as unknown as { model: { forward(x: unknown): { mul(v: number): unknown } } }).model;
  const forward = model.forward.bind(model);
  model.forward = (x) => forward(x).mul(Number.NaN) as never;
  const write = process.stderr.write.bind(process.stderr);
  const logged: string[] = [];
  process.stderr.write = ((c: string) => (logged.push(String(c)), true)) as typeof process.stderr.write;
  try {
    const r = await send({ headers: { 'content-type': 'image/png' }, body: await realPng() });
    assert.equal(r.status, 500);
    assert.equal(r.json.problem, 'non-finite-output');
  } finally {
    process.stderr.write = write;
    model.forward = forward as never;
  }
  assert.ok(logged.some((l) => /non-finite-output/.test(l)));
});

test('a large request lets the event loop turn between images (so /health and /ready are answered meanwhile)', async () => {
  const p = ImagePredictor.load(join(dir, 'model'), { turnMs: 0 });
  try {
    const image = await p.decode(await realPng());
    const images: DecodedImage[] = Array.from({ length: 32 }, () => image);
    let turns = 0;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    let done = false;
    setImmediate(tick);
    const out = await p.predictInTurns(images);
    done = true;
    assert.equal(out.length, 32);
    assert.ok(turns >= 31, `${turns} turns of the event loop during 32 images`);
  } finally {
    p.dispose();
  }
});
