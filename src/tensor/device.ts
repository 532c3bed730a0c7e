// Which device a computation runs on, from what the user asked for and what
// this machine has: 'auto' takes the first CUDA device when there is one,
// else the CPU; 'cuda' or 'cuda:n' must exist, or the error says what is
// missing (a CUDA build of libtorch, a GPU, or that index).
import { cudaDeviceCount, engineInfo } from './runtime.js';

/** What device picking needs to know about the machine (injectable, so the rules are tested on any machine). */
export interface DeviceProbe {
  /** libtorch was built with CUDA. */
  cudaBuild: boolean;
  /** Visible CUDA devices. */
  cudaDevices: number;
}

export class DeviceUnavailableError extends Error {
  override name = 'DeviceUnavailableError';
}

export function probeDevices(): DeviceProbe {
  return { cudaBuild: engineInfo().cuda || cudaDeviceCount() > 0, cudaDevices: cudaDeviceCount() };
}

/** 'cpu' or 'cuda:n' for a request of auto, cpu, cuda or cuda:n; DeviceUnavailableError when it cannot be had. */
export function resolveDevice(request: string, probe: DeviceProbe = probeDevices()): string {
  const r = request.trim().toLowerCase();
  if (r === 'cpu') return 'cpu';
  if (r === 'auto') return probe.cudaDevices > 0 ? 'cuda:0' : 'cpu';
  const m = /^cuda(?::(\d+))?$/.exec(r);
  if (!m) throw new DeviceUnavailableError(`device ${JSON.stringify(request)}: expected auto, cpu, cuda or cuda:<index>`);
  const index = Number(m[1] ?? 0);
  if (probe.cudaDevices === 0) {
    throw new DeviceUnavailableError(
      probe.cudaBuild
        ? `device ${request}: libtorch has CUDA support but sees no GPU (check the NVIDIA driver, nvidia-smi, and CUDA_VISIBLE_DEVICES)`
        : `device ${request}: this libtorch is a CPU-only build (${engineInfo().torchVersion}); install a CUDA build of libtorch and rebuild the addon (node scripts/build-native.mjs), or use --device cpu`,
    );
  }
  if (index >= probe.cudaDevices) throw new DeviceUnavailableError(`device ${request}: there ${probe.cudaDevices === 1 ? 'is 1 CUDA device' : `are ${probe.cudaDevices} CUDA devices`} (cuda:0${probe.cudaDevices > 1 ? `…cuda:${probe.cudaDevices - 1}` : ''})`);
  return `cuda:${index}`;
}
