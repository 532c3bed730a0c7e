// A callback implements any of the loop's events; the loop calls them in
// `order` (lower first), then in the order they were added.
import type { EventName } from './events.js';
import type { Learner } from './learner.js';

export type Callback = {
  /** A name for logs; defaults to the class name. */
  readonly name?: string;
  /** Lower runs first; default 0. The recorder runs at 50, checkpoints at 90. */
  readonly order?: number;
} & { [E in EventName]?: (learner: Learner) => void };
