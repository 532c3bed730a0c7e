// Gradient-norm monitoring per layer: vanishing gradients show as norms
// collapsing toward zero in early layers, exploding ones as norms growing
// without bound. Sampled every `every` steps (one sync per parameter).
import { gradNorms } from '../../optim/index.js';
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';

export class GradNormMonitor implements Callback {
  readonly name = 'gradNorms';
  readonly order = 15;
  /** step → parameter name → L2 norm of its gradient. */
  readonly samples: Array<{ step: number; norms: Record<string, number> }> = [];
  constructor(readonly every = 50) {}
  afterBackward(l: Learner): void {
    if (l.step % this.every !== 0) return;
    const named = l.model.namedParameters();
    const norms = gradNorms(named.map(([, p]) => p));
    const out: Record<string, number> = {};
    named.forEach(([n], i) => {
      if (norms[i] !== null) out[n] = norms[i]!;
    });
    this.samples.push({ step: l.step, norms: out });
  }
}
