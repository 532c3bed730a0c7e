// plan(): steps 1 and 2 as `sixstep plan` runs them — the data read, split
// (the manifest saved in the project) and recorded, the cost function, the
// initial architecture and the naive baseline — returning what
// `sixstep plan --json` prints.
import { plan as cliPlan } from '../cli/common.js';
import { planResult } from '../cli/commands/plan.js';
import { makeOut } from '../cli/output.js';
import { cliDataOptions, type DataOptions } from './options.js';

/** What `sixstep plan --json` prints. */
export type PlanResult = Awaited<ReturnType<typeof planResult>>['result'];

export type PlanOptions = DataOptions;

export async function plan(o: PlanOptions): Promise<PlanResult> {
  const p = await cliPlan(cliDataOptions(o), makeOut(true), { quiet: true });
  try {
    return (await planResult(p)).result;
  } finally {
    p.store.close();
  }
}
