// Agreement between ranks. One clock for all ranks. Budgets and deadlines decide when training stops;
// if each rank read its own clock they could decide differently and the
// others would wait forever in the next collective. Rank 0's time is
// broadcast instead — a collective, so every rank must ask at the same point.
import { tensor } from '../tensor/index.js';
import type { ProcessGroup } from './process_group.js';

export type Clock = () => number;

/** ms since epoch, as rank 0 sees it; Date.now without a group. */
export function agreedClock(group: ProcessGroup | null): Clock {
  if (!group || group.worldSize === 1) return Date.now;
  return () => {
    const t = tensor([group.rank === 0 ? Date.now() : 0], { dtype: 'float64' });
    try {
      group.broadcast([t], 0);
      return t.item() as number;
    } finally {
      t.dispose();
    }
  };
}

/** True on every rank when `local` is true on any (e.g. Ctrl-C reached one rank before the others). A collective. */
export function agreedFlag(group: ProcessGroup | null, local: boolean): boolean {
  if (!group || group.worldSize === 1) return local;
  const t = tensor([local ? 1 : 0], { dtype: 'float64' });
  try {
    group.allreduce([t], 'max');
    return (t.item() as number) > 0;
  } finally {
    t.dispose();
  }
}
