// Steps a learning-rate schedule after every optimizer step (per batch, as
// the seed's cosine-within-an-epoch decay requires).
import type { Callback } from '../callback.js';
import type { Learner } from '../learner.js';
import type { StepSchedule } from '../schedule.js';

export class ScheduleCallback implements Callback {
  readonly name = 'schedule';
  readonly order = 60;
  constructor(readonly schedule: StepSchedule) {}
  afterStep(l: Learner): void {
    if (!l.skipStep) this.schedule.step();
  }
}
