// Device picking: the rules on constructed machines (no GPU here, one, two;
// a CPU-only build), this machine's answer, and the CLI's exit 2 naming what
// is missing when CUDA is asked for and absent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDevice, probeDevices, DeviceUnavailableError } from '../../src/tensor/index.js';
import { deviceOf, chooseDevice, deviceReason, workerDevice, parallelDevice } from '../../src/cli/device.js';
import { tableServeEngine } from '../../src/cli/serve_engine.js';
import { UsageError } from '../../src/cli/errors.js';
import { runCli } from '../serve/helpers.js';

const none = { cudaBuild: false, cudaDevices: 0 };
const driverless = { cudaBuild: true, cudaDevices: 0 };
const two = { cudaBuild: true, cudaDevices: 2 };

describe('device selection', () => {
  it('auto takes the first GPU when there is one, else the CPU', () => {
    assert.equal(resolveDevice('auto', none), 'cpu');
    assert.equal(resolveDevice('auto', two), 'cuda:0');
    assert.equal(resolveDevice('CPU', two), 'cpu');
    assert.equal(resolveDevice('cuda', two), 'cuda:0');
    assert.equal(resolveDevice('cuda:1', two), 'cuda:1');
  });

  it('says what is missing: a CUDA build, a visible GPU, or that index', () => {
    assert.throws(() => resolveDevice('cuda', none), (e: unknown) => e instanceof DeviceUnavailableError && /CPU-only build .*install a CUDA build of libtorch/.test(e.message));
    assert.throws(() => resolveDevice('cuda:0', driverless), /has CUDA support but sees no GPU \(check the NVIDIA driver/);
    assert.throws(() => resolveDevice('cuda:2', two), /there are 2 CUDA devices \(cuda:0…cuda:1\)/);
    assert.throws(() => resolveDevice('gpu', two), /expected auto, cpu, cuda or cuda:<index>/);
  });

  it("this machine's answer follows its probe; CLI errors are usage errors", () => {
    const here = probeDevices();
    assert.equal(resolveDevice('auto'), here.cudaDevices > 0 ? 'cuda:0' : 'cpu');
    assert.throws(() => deviceOf({ device: 'cuda:5' }, two), UsageError);
    assert.equal(deviceOf({}, none), 'cpu');
  });

  it('says why: as asked, or what auto found (the plan prints it)', () => {
    assert.deepEqual(chooseDevice({ device: 'auto' }, none).device, 'cpu');
    assert.match(chooseDevice({ device: 'auto' }, none).reason, /^auto: no GPU \(this libtorch is a CPU-only build/);
    assert.equal(deviceReason('auto', 'cpu', driverless), 'auto: libtorch has CUDA support but sees no GPU');
    assert.deepEqual(chooseDevice({ device: 'auto' }, two), { device: 'cuda:0', reason: 'auto: the first of 2 CUDA devices' });
    assert.deepEqual(chooseDevice({ device: 'cuda:1' }, two), { device: 'cuda:1', reason: 'as asked (--device cuda:1)' });
    assert.throws(() => chooseDevice({ device: 'cuda' }, none), UsageError);
  });

  it('search workers spread over several GPUs unless one was named', () => {
    assert.deepEqual([0, 1, 2].map((i) => workerDevice('auto', 'cuda:0', i, two)), ['cuda:0', 'cuda:1', 'cuda:0']);
    assert.deepEqual([0, 1].map((i) => workerDevice('cuda', 'cuda:0', i, two)), ['cuda:0', 'cuda:1']);
    assert.deepEqual([0, 1].map((i) => workerDevice('cuda:1', 'cuda:1', i, two)), ['cuda:1', 'cuda:1']);
    assert.equal(workerDevice('auto', 'cpu', 1, none), 'cpu');
    assert.equal(workerDevice('cuda', 'cuda:0', 1, { cudaBuild: true, cudaDevices: 1 }), 'cuda:0');
  });

  it('data-parallel ranks compute on CPUs: auto means the CPU, an explicit GPU is refused', () => {
    assert.equal(parallelDevice({ device: 'auto' }, two), null);
    assert.deepEqual(parallelDevice({ device: 'auto', nproc: '2' }, two)?.device, 'cpu');
    assert.throws(() => parallelDevice({ device: 'cuda', nproc: '2' }, two), /data-parallel training runs on CPUs \(Gloo\)/);
  });

  it('table serving: ONNX stays on the CPU under auto; an explicit GPU takes libtorch there, or is refused with --engine onnx', () => {
    assert.deepEqual(tableServeEngine({ engine: 'onnx', engineGiven: false, device: 'auto', resolved: 'cpu' }), { engine: 'onnx', device: 'cpu' });
    const auto = tableServeEngine({ engine: 'onnx', engineGiven: false, device: 'auto', resolved: 'cuda:0' });
    assert.equal(auto.engine, 'onnx');
    assert.equal(auto.device, 'cpu');
    assert.match(auto.note!, /ONNX engine computes on the CPU \(cuda:0 is not used\)/);
    assert.deepEqual({ ...tableServeEngine({ engine: 'onnx', engineGiven: false, device: 'cuda', resolved: 'cuda:0' }), note: undefined }, { engine: 'torch', device: 'cuda:0', note: undefined });
    assert.deepEqual(tableServeEngine({ engine: 'torch', engineGiven: true, device: 'cuda:1', resolved: 'cuda:1' }), { engine: 'torch', device: 'cuda:1' });
    assert.throws(() => tableServeEngine({ engine: 'onnx', engineGiven: true, device: 'cuda', resolved: 'cuda:0' }), /use --engine torch to serve on cuda:0/);
  });

  it('table serving without onnxruntime-node: the default falls back to libtorch with a note; an explicit --engine onnx is refused naming the install command', () => {
    const fallback = tableServeEngine({ engine: 'onnx', engineGiven: false, device: 'auto', resolved: 'cpu', onnxRuntime: false });
    assert.equal(fallback.engine, 'torch');
    assert.equal(fallback.device, 'cpu');
    assert.match(fallback.note!, /serving with libtorch \(--engine torch\): onnxruntime-node \(an optional dependency\) is not installed; `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@~1\.30\.0` adds it/);
    assert.throws(() => tableServeEngine({ engine: 'onnx', engineGiven: true, device: 'auto', resolved: 'cpu', onnxRuntime: false }), (e: unknown) => e instanceof UsageError && /^--engine onnx: onnxruntime-node .* is not installed/.test(e.message));
    assert.deepEqual(tableServeEngine({ engine: 'torch', engineGiven: true, device: 'auto', resolved: 'cpu', onnxRuntime: false }), { engine: 'torch', device: 'cpu' });
  });

  it('fit --device cuda on a machine without CUDA exits 2 naming what is missing', () => {
    if (probeDevices().cudaDevices > 0) return; // on a GPU machine cuda exists: nothing to refuse
    const r = runCli(['fit', '--data', 'data/penguins.json', '--target', 'Species', '--device', 'cuda', '--project', '/tmp/sixstep-device-test']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--device: device cuda: this libtorch is a CPU-only build|sees no GPU/);
  });
});
