// A small generic stage runner. A run is a list of stages, each owning its
// decisions and writing its typed result into the run's state; the runner
// runs the stage of the state's phase, moves to the phase the stage names,
// and persists the state after every stage (atomically: a kill mid-write
// leaves the previous state), so a run that stops — interrupted, or killed —
// resumes at the stage it was in. Every decision goes through the runner's
// log: kept with the state, written to the store, handed to the caller.
import { writeJsonAtomic } from '../files/index.js';
import type { Decision } from '../steps/decisions.js';
import type { Store } from '../store/index.js';

/** What a stage returns: the phase to run next (its own: it stopped and runs again on resume). */
export interface StageOutcome<P extends string> {
  next: P;
}

export interface Stage<C, S extends RunState<P>, P extends string> {
  /** The phase this stage runs in. */
  readonly phase: P;
  run(ctx: C, state: S): Promise<StageOutcome<P>>;
}

/** The part of a run's state the runner reads and writes. */
export interface RunState<P extends string> {
  phase: P;
  decisions: Decision[];
}

/** Decisions kept in the state, written to the store when there is one, and shown to the caller. */
export function decisionLog(state: RunState<string>, o: { store?: Pick<Store, 'addDecision'> | null; runId: string; onDecision?: (d: Decision) => void }): (d: Decision) => void {
  return (d) => {
    state.decisions.push(d);
    o.store?.addDecision({ runId: o.runId, step: d.step, action: d.action, reason: d.reason, numbers: (d.numbers ?? {}) as any });
    o.onDecision?.(d);
  };
}

/** Writes the state, leaving out per-row losses of probes (they are for in-memory comparisons; `keep` names the ones resume needs). */
export function saveState(file: string, state: unknown): void {
  writeJsonAtomic(file, JSON.parse(JSON.stringify(state, (k, v) => (k === 'probes' && Array.isArray(v) ? v.map(({ rowLosses: _r, ...m }) => m) : v))));
}

/** Runs stages from the state's phase until a stage stops, the caller asks to stop, or no stage has the phase (done). */
export async function runStages<C, S extends RunState<P>, P extends string>(stages: readonly Stage<C, S, P>[], ctx: C, state: S, o: { save(state: S): void; stopped(): boolean }): Promise<S> {
  for (;;) {
    const stage = stages.find((s) => s.phase === state.phase);
    if (!stage || o.stopped()) return state;
    const { next } = await stage.run(ctx, state);
    const moved = next !== state.phase;
    state.phase = next;
    o.save(state);
    if (!moved) return state;
  }
}
