// The guards every training of the playbook runs with (fit, tune, probes, the
// final training): gradient norms measured every step (recorded and charted),
// clipping turned on when they explode, and the NaN guard — which on a
// non-finite loss or gradient rolls back and first turns clipping on, and
// halves the learning rate only when clipping is already on. Each event
// becomes a decision labelled with the step the training belongs to.
import { NanGuard, GradWatch, type Callback } from '../train/index.js';
import type { Decision, DecisionLog } from './decisions.js';

export interface GuardOptions {
  /** The playbook step the training belongs to (3: fitting the training set, 4: the ladder and the final training). */
  step: Decision['step'];
  onDecision?: DecisionLog;
  /** What the training is, for the log (e.g. 'probe: dropout 0.3'); default none. */
  what?: string;
}

export function trainingGuards(o: GuardOptions): Callback[] {
  const where = o.what ? ` (${o.what})` : '';
  const watch = new GradWatch({
    onEvent: (e) =>
      o.onDecision?.({
        step: o.step,
        action: `clip gradients at norm ${e.clipAt.toPrecision(3)}`,
        reason: `${e.reason} at step ${e.step}${where}; clipping is the blunt fix for exploding gradients, tried before lowering the learning rate`,
        numbers: { norm: e.norm, median: e.median, clipAt: e.clipAt, step: e.step, epoch: e.epoch },
      }),
  });
  const nan = new NanGuard({
    firstRemedy: (l, reason) => (watch.turnOn(l, null, reason, false) ? `clip gradients at norm ${watch.clipAt!.toPrecision(3)}` : null),
    onEvent: (e) =>
      o.onDecision?.({
        step: o.step,
        action: e.kind === 'rollback' ? `roll back and ${e.remedy}` : 'stop: training diverged',
        reason: `${e.reason} at step ${e.step}${where}`,
        numbers: { lrs: e.lrs, step: e.step, epoch: e.epoch },
      }),
  });
  return [nan, watch];
}
