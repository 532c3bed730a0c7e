// What the engine runs with, in one object: libtorch's version, its intra-op
// threads and the BLAS actually mapped. `sixstep doctor` and the bench print it.
import { engineInfo } from './runtime.js';
import { blasInfo, type BlasKind } from './blas.js';

export interface EngineReport {
  libtorch: string;
  cuda: boolean;
  threads: number;
  blas: string;
  blasKind: BlasKind;
  /** Set when the BLAS slows libtorch down (the pthread OpenBLAS, the reference BLAS). */
  warning: string | null;
}

export function engineReport(): EngineReport {
  const e = engineInfo();
  const b = blasInfo();
  return { libtorch: e.torchVersion, cuda: e.cuda, threads: e.threads, blas: b.name, blasKind: b.kind, warning: b.warning };
}

/** "libtorch 1.13.0, OpenMP OpenBLAS, 2 threads" */
export function describeEngine(r: EngineReport): string {
  return `libtorch ${r.libtorch}${r.cuda ? ' (CUDA)' : ''}, ${r.blas}, ${r.threads} thread${r.threads === 1 ? '' : 's'}`;
}
