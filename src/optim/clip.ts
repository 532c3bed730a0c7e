// Gradient clipping and gradient health: the seed's blunt, effective answer
// to exploding gradients, and the checks the NaN guard relies on.
import type { Tensor } from '../tensor/index.js';
import { native } from '../tensor/native.js';

/** Scales all gradients so their joint norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(params: Tensor[], maxNorm: number, normType = 2): number {
  return native.clipGradNorm(params.map((p) => p._h), maxNorm, normType);
}

/** Clamps every gradient element into [−clipValue, clipValue]. */
export function clipGradValue(params: Tensor[], clipValue: number): void {
  native.clipGradValue(params.map((p) => p._h), clipValue);
}

/** L2 norm of each parameter's gradient (null where it has none) — for per-layer monitoring. */
export function gradNorms(params: Tensor[]): Array<number | null> {
  return native.gradNorms(params.map((p) => p._h));
}

/** Whether every gradient is finite (no NaN or Inf). */
export function gradsFinite(params: Tensor[]): boolean {
  return native.gradsFinite(params.map((p) => p._h));
}
