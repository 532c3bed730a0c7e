// Bookkeeping threads (the serve records writer) yield the CPU to the event
// loop: on a 2-core machine a writer's SQLite burst (a few ms, four times a
// second) running beside the event loop and the clients pushed requests
// into the p99 tail. Linux schedules threads as tasks, so the calling
// thread's id (from /proc/thread-self) takes a nice value of its own; where
// that is not available the thread keeps the process's priority.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The lowest priority (nice 19) for the calling thread; returns false where the platform gives no per-thread priority. */
export function lowerThreadPriority(): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, 19);
    return true;
  } catch {
    return false;
  }
}
