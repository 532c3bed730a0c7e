// --device on every command that computes, on this machine (CPU-only libtorch
// here; on a GPU machine scripts/gpu_check.sh runs the CUDA side): each
// command takes the option, an unavailable GPU stops it with exit 2 naming
// what is missing before any data is read, auto picks the CPU and the plan
// says why, and the device each command reports is the one its model's
// parameters were on.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { probeDevices } from '../../src/tensor/index.js';
import { runCli, cli, root, PENGUINS } from '../serve/helpers.js';

const noGpu = probeDevices().cudaDevices === 0;

describe('--device on every command that computes', () => {
  let dir: string;
  let project: string;
  let model: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sixstep-device-cli-'));
    project = join(dir, 'project');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a GPU that is not there: exit 2 naming what is missing, on fit, tune, auto, lr-find, test, predict and serve', () => {
    // Here a CPU-only libtorch; on a GPU machine, the index one past the last device.
    const missing = `cuda:${probeDevices().cudaDevices}`;
    const data = ['--data', PENGUINS, '--target', 'Species', '--project', project];
    const model = ['--model', join(dir, 'no-such-model')];
    const commands: string[][] = [['fit', ...data], ['tune', ...data], ['auto', ...data], ['lr-find', ...data], ['test', ...data, ...model], ['predict', ...model, '--data', PENGUINS], ['serve', ...model]];
    for (const c of commands) {
      const r = runCli([...c, '--device', missing]);
      assert.equal(r.status, 2, `${c[0]}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`--device: device ${missing}: (this libtorch is a CPU-only build .*install a CUDA build of libtorch|libtorch has CUDA support but sees no GPU|there (is 1 CUDA device|are \\d+ CUDA devices))`), c[0]);
    }
    const bad = runCli(['lr-find', ...data, '--device', 'gpu']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /expected auto, cpu, cuda or cuda:<index>/);
  });

  it('fit: auto picks the CPU and the plan says why; the saved model was on the device reported', () => {
    const r = runCli(['fit', '--data', PENGUINS, '--target', 'Species', '--epochs', '2', '--lr', '1e-2', '--optimizer', 'adam', '--project', project]);
    assert.ok([0, 5].includes(r.status ?? -1), r.stderr);
    assert.match(r.stdout, noGpu ? /device: cpu — auto: (no GPU \(this libtorch is a CPU-only build|libtorch has CUDA support but sees no GPU)/ : /device: cuda:0 — auto: the first of \d+ CUDA device/);
    const j = runCli(['fit', '--data', PENGUINS, '--target', 'Species', '--epochs', '2', '--lr', '1e-2', '--optimizer', 'adam', '--project', project, '--device', 'cpu', '--json']);
    assert.ok([0, 5].includes(j.status ?? -1), j.stderr);
    const out = JSON.parse(j.stdout);
    assert.equal(out.device, 'cpu');
    model = out.model;
  });

  it('lr-find, test, tune and auto compute on the device asked for', () => {
    const data = ['--data', PENGUINS, '--target', 'Species', '--project', project, '--device', 'cpu', '--json'];
    const lr = runCli(['lr-find', ...data, '--iterations', '20']);
    assert.equal(lr.status, 0, lr.stderr);
    assert.equal(JSON.parse(lr.stdout).device, 'cpu');
    const t = runCli(['test', ...data, '--model', model]);
    assert.equal(t.status, 0, t.stderr);
    assert.equal(JSON.parse(t.stdout).device, 'cpu');
    const tune = runCli(['tune', ...data, '--trials', '1', '--epochs', '1', '--study', 'device-check']);
    assert.equal(tune.status, 0, tune.stderr);
    assert.equal(JSON.parse(tune.stdout).device, 'cpu');
    const auto = runCli(['auto', '--data', PENGUINS, '--target', 'Species', '--project', join(dir, 'auto-project'), '--device', 'cpu', '--json', '--budget', '0.3']);
    assert.ok([0, 5].includes(auto.status ?? -1), auto.stderr);
    const a = JSON.parse(auto.stdout);
    assert.equal(a.device, 'cpu');
    assert.equal(a.deviceReason, 'as asked (--device cpu)');
  });

  it('predict and serve a table model on the device asked for', async () => {
    const p = runCli(['predict', '--model', model, '--data', PENGUINS, '--json', '--device', 'cpu']);
    assert.equal(p.status, 0, p.stderr);
    assert.equal(JSON.parse(p.stdout).device, 'cpu');
    const child = spawn(process.execPath, [cli, 'serve', '--model', model, '--project', project, '--port', '0', '--json', '--device', 'cpu', '--engine', 'torch'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const s = JSON.parse(line);
      assert.equal(s.device, 'cpu');
      assert.equal(s.engine, 'torch');
      const r = await fetch(`${s.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows: [{ Island: 'Biscoe', 'Beak Length (mm)': 45, 'Beak Depth (mm)': 15, 'Flipper Length (mm)': 220, 'Body Mass (g)': 5000, Sex: 'MALE' }] }) });
      assert.equal(r.status, 200, await r.clone().text());
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
