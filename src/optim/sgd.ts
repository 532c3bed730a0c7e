// Stochastic gradient descent with momentum: where the seed starts step 3.
import { Optimizer, type Params } from './optimizer.js';

export interface SGDOptions {
  params: Params;
  lr: number;
  /** Default 0. */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number;
  /** Default false; needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  constructor(o: SGDOptions) {
    super('sgd', o.params, { lr: o.lr, momentum: o.momentum ?? 0, dampening: o.dampening ?? 0, weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ?? false });
  }
}
