// Process-wide engine settings: seeds, random state, threads and devices.
import { availableParallelism } from 'node:os';
import { native } from './native.js';
import { Tensor } from './tensor.js';

/** Seeds libtorch's generators (CPU and CUDA) so runs repeat exactly. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/** Intra-op threads libtorch uses for one operation. */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** The CPU generator's state, to restore later with setRngState(). */
export function getRngState(): Tensor {
  return new Tensor(native.getRngState());
}
export function setRngState(state: Tensor): void {
  native.setRngState(state._h);
}

export function cudaAvailable(): boolean {
  return native.cudaDeviceCount() > 0;
}
export function cudaDeviceCount(): number {
  return native.cudaDeviceCount();
}

/** The libtorch this addon runs on, and how. */
export function engineInfo(): { torchVersion: string; cuda: boolean; threads: number } {
  const i = native.info();
  return { torchVersion: i.torchVersion, cuda: i.cudaAvailable, threads: i.threads };
}

// libtorch's OpenMP default counts physical cores, which leaves one of two
// hyperthreads idle on small machines; use what the process may run on,
// unless SIXSTEP_THREADS (or OMP_NUM_THREADS) says otherwise.
const fromEnv = Number(process.env.SIXSTEP_THREADS ?? process.env.OMP_NUM_THREADS ?? NaN);
native.setNumThreads(Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.max(1, availableParallelism()));
