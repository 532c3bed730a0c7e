// The device a command resolves reaches every batch and every model built for
// the data: checked on this CPU-only machine with libtorch's 'meta' device (a
// real non-CPU device whose tensors have shapes but no storage), so a batch or
// a parameter left on the CPU anywhere in the path shows up here. (libtorch
// 1.13 has few computing kernels for 'meta', so forward passes and
// augmentation there are checked on a GPU by scripts/gpu_check.sh.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { prepare, type Prepared } from '../../src/data/index.js';
import { onDevice } from '../../src/data/device_source.js';
import { makePlan } from '../../src/steps/plan.js';
import { buildModel, parameterDevice } from '../../src/models/index.js';
import { liveTensors } from '../../src/tensor/index.js';
import { PENGUINS } from '../serve/helpers.js';

const DEVICE = 'meta';

/** Every batch of one pass, its x and y devices; the tensors released. */
function devicesOf(source: { batches(e: number): Iterable<{ x: { device: string; dispose(): void }; y: { device: string; dispose(): void } }>; dispose(): void }): string[] {
  const seen = new Set<string>();
  try {
    for (const b of source.batches(0)) {
      seen.add(b.x.device).add(b.y.device);
      b.x.dispose();
      b.y.dispose();
    }
  } finally {
    source.dispose();
  }
  return [...seen];
}

function checkPrepared(p: Prepared): void {
  assert.equal(p.device, DEVICE);
  assert.deepEqual(devicesOf(p.loader('train', { batchSize: 32 })), [DEVICE], 'training batches');
  assert.deepEqual(devicesOf(p.loader('validation', { batchSize: 64 })), [DEVICE], 'validation batches');
  assert.deepEqual(devicesOf(p.test.unseal('test: the sealed split loads on the device too')()), [DEVICE], 'test batches');
  // Batches already there are passed through, not copied.
  assert.deepEqual(devicesOf(onDevice(p.loader('validation', { batchSize: 64 }), DEVICE)), [DEVICE]);
  const model = buildModel(makePlan(p).proposal.spec, p.device);
  try {
    assert.equal(parameterDevice(model), DEVICE, 'every parameter on the device');
    assert.ok(model.namedBuffers().every(([, b]) => b.device === DEVICE), 'and every buffer');
  } finally {
    model.dispose();
  }
}

test('a table prepared for a device: every loader, the sealed test split and the model are there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-device-'));
  const before = liveTensors();
  try {
    checkPrepared(await prepare({ data: PENGUINS, target: 'Species', projectDir: dir, device: DEVICE }));
    assert.equal(liveTensors(), before, 'every tensor released');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('images prepared for a device: batches are cut on the host, then scaled and normalized there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-device-'));
  const folder = join(dir, 'images');
  for (const [c, v] of [['dark', 40], ['light', 210]] as const) {
    mkdirSync(join(folder, c), { recursive: true });
    for (let i = 0; i < 12; i++) writeFileSync(join(folder, c, `${i}.png`), await sharp(Buffer.alloc(8 * 8 * 3, v + i), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer());
  }
  const before = liveTensors();
  try {
    checkPrepared(await prepare({ data: folder, projectDir: join(dir, 'project'), device: DEVICE, imageSize: 8 }));
    assert.equal(liveTensors(), before, 'every tensor released');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
