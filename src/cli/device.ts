// --device for the commands that compute, resolved once at the edge: the
// device, the reason it was picked (printed in the plan), and for search
// workers the share of several GPUs each one takes.
import type { Command } from 'commander';
import { resolveDevice, probeDevices, engineInfo, DeviceUnavailableError, type DeviceProbe } from '../tensor/index.js';
import { UsageError } from './errors.js';

export function addDeviceOption(c: Command): Command {
  return c.option('--device <device>', "where to compute: auto (a GPU when there is one), cpu, cuda or cuda:<index>", 'auto');
}

/** The device to use; UsageError (exit 2) naming what is missing when it cannot be had. */
export function deviceOf(o: { device?: string }, probe?: DeviceProbe): string {
  try {
    return resolveDevice(o.device ?? 'auto', probe);
  } catch (e) {
    if (e instanceof DeviceUnavailableError) throw new UsageError(`--device: ${e.message}`);
    throw e;
  }
}

export interface DeviceChoice {
  /** 'cpu' or 'cuda:n'. */
  device: string;
  /** Why, in words: "as asked", or what auto found. */
  reason: string;
}

/** Why `resolved` was picked for `request` ("auto: no GPU (this libtorch is a CPU-only build, 2.x)"). */
export function deviceReason(request: string, resolved: string, probe: DeviceProbe = probeDevices()): string {
  if (request.trim().toLowerCase() !== 'auto') return `as asked (--device ${request})`;
  if (resolved !== 'cpu') return `auto: the first of ${probe.cudaDevices} CUDA device${probe.cudaDevices === 1 ? '' : 's'}`;
  return probe.cudaBuild ? 'auto: libtorch has CUDA support but sees no GPU' : `auto: no GPU (this libtorch is a CPU-only build, ${engineInfo().torchVersion})`;
}

/** The device and its reason; UsageError when it cannot be had. */
export function chooseDevice(o: { device?: string }, probe: DeviceProbe = probeDevices()): DeviceChoice {
  const device = deviceOf(o, probe);
  return { device, reason: deviceReason(o.device ?? 'auto', device, probe) };
}

/**
 * The device of search worker `index`: an unindexed request (auto, cuda) on a
 * machine with several GPUs spreads the workers over them in turn; an explicit
 * cuda:n or cpu holds for every worker.
 */
export function workerDevice(request: string, resolved: string, index: number, probe: DeviceProbe = probeDevices()): string {
  const r = request.trim().toLowerCase();
  if (resolved === 'cpu' || (r !== 'auto' && r !== 'cuda') || probe.cudaDevices < 2) return resolved;
  return `cuda:${index % probe.cudaDevices}`;
}

/** Data-parallel ranks compute on CPUs (Gloo): auto means the CPU there, and an explicit GPU is refused. */
export function parallelDevice(o: { device?: string; nproc?: string | number; nnodes?: string | number }, probe?: DeviceProbe): DeviceChoice | null {
  if (!(Number(o.nproc ?? 1) > 1 || Number(o.nnodes ?? 1) > 1)) return null;
  if ((o.device ?? 'auto') !== 'auto' && deviceOf(o, probe) !== 'cpu') throw new UsageError(`--device ${o.device}: data-parallel training runs on CPUs (Gloo); drop --nproc/--nnodes or use --device cpu`);
  return { device: 'cpu', reason: 'data-parallel ranks compute on CPUs (Gloo)' };
}
