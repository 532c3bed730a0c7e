// AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay.
import { Optimizer, type Params } from './optimizer.js';

export interface AdamWOptions {
  params: Params;
  /** Default 1e-3. */
  lr?: number;
  /** Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled decay: w ← w·(1 − lr·wd) each step; default 1e-2. */
  weightDecay?: number;
  /** Default false. */
  amsgrad?: boolean;
}

export class AdamW extends Optimizer {
  constructor(o: AdamWOptions) {
    super('adamw', o.params, { lr: o.lr ?? 1e-3, betas: o.betas ?? [0.9, 0.999], eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 1e-2, amsgrad: o.amsgrad ?? false });
  }
}
