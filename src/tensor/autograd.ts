// Grad mode: turning graph recording off for evaluation and updates.
import { native } from './native.js';

/** Runs fn without recording an autograd graph (PyTorch's torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  const previous = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/** Runs fn with graph recording on, even inside noGrad(). */
export function enableGrad<T>(fn: () => T): T {
  const previous = native.setGradEnabled(true);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
