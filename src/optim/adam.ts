// Adam (Kingma & Ba 2015): the seed's switch when SGD trains too slowly.
import { Optimizer, type Params } from './optimizer.js';

export interface AdamOptions {
  params: Params;
  /** Default 1e-3. */
  lr?: number;
  /** Default [0.9, 0.999] (the seed leaves them alone). */
  betas?: [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number;
  /** Default false. */
  amsgrad?: boolean;
}

export class Adam extends Optimizer {
  constructor(o: AdamOptions) {
    super('adam', o.params, { lr: o.lr ?? 1e-3, betas: o.betas ?? [0.9, 0.999], eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, amsgrad: o.amsgrad ?? false });
  }
}
