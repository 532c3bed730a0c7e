// The linear reference of a plan (`sixstep plan`): fitted on the default
// split with the same protocol the runs use; the autopilot fits its own on
// its protocol's split or folds (auto/linear_stage.ts) and keeps its weights.
import { fitLinearReference, linearSpec, type LinearReference, type LinearReferenceOptions } from '../steps/linear_reference.js';
import { protocolFor } from '../steps/protocol_of.js';
import { tuning } from '../steps/tuning_guard.js';
import { planSplit, type ProjectPlan } from './project.js';

/** The plan's linear reference, or why there is none (images). */
export async function planLinearReference(p: ProjectPlan, o: LinearReferenceOptions = {}): Promise<{ reference: LinearReference | null; reason: string | null }> {
  const lin = linearSpec(p.prepared);
  if (!lin.spec) return { reference: null, reason: lin.reason };
  const pr = protocolFor(p, await planSplit(p));
  const reference = await tuning(() => fitLinearReference(pr, p.prepared, o));
  return { reference, reason: reference ? null : 'no penalty finished an epoch within the cap' };
}
