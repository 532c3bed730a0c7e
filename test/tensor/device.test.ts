// Device picking: the rules on constructed machines (no GPU here, one, two;
// a CPU-only build), this machine's answer, and the CLI's exit 2 naming what
// is missing when CUDA is asked for and absent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDevice, probeDevices, DeviceUnavailableError } from '../../src/tensor/index.js';
import { deviceOf, cpuOnly } from '../../src/cli/device.js';
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
    assert.equal(cpuOnly({ device: 'cpu' }, 'x', two), 'cpu');
    assert.throws(() => cpuOnly({ device: 'cuda' }, 'sixstep tune', two), /sixstep tune computes on the CPU only for now; use --device cpu/);
  });

  it('fit --device cuda on a machine without CUDA exits 2 naming what is missing', () => {
    if (probeDevices().cudaDevices > 0) return; // on a GPU machine cuda exists: nothing to refuse
    const r = runCli(['fit', '--data', 'data/penguins.json', '--target', 'Species', '--device', 'cuda', '--project', '/tmp/sixstep-device-test']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--device: device cuda: this libtorch is a CPU-only build|sees no GPU/);
  });
});
