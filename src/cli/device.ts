// --device for the commands that compute, resolved once at the edge.
import type { Command } from 'commander';
import { resolveDevice, DeviceUnavailableError, type DeviceProbe } from '../tensor/index.js';
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

/** For commands whose computation does not take a device yet: refuse a GPU rather than ignore it. */
export function cpuOnly(o: { device?: string }, what: string, probe?: DeviceProbe): 'cpu' {
  const d = deviceOf(o, probe);
  if (d !== 'cpu') {
    if ((o.device ?? 'auto') === 'auto') {
      process.stderr.write(`note: --device auto: ${what} computes on the CPU only for now (${d} is not used)\n`);
      return 'cpu';
    }
    throw new UsageError(`--device ${o.device}: ${what} computes on the CPU only for now; use --device cpu`);
  }
  return 'cpu';
}
