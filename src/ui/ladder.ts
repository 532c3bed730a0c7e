// The regularization ladder of an auto run, read back from its step-4
// decisions: each rung's decision lists the probes it tried with their
// losses, and the starting point's decision gives the score to beat.
import type { Decision } from '../store/index.js';

export interface LadderProbe {
  /** The rung the probe belongs to, e.g. 'weight decay (L2)' or 'dropout before the last linear layer' (the same for its kept and rejected probes). */
  rung: string;
  /** The rung's decision, e.g. 'keep weight decay 1e-4' or 'reject dropout before the last linear layer'. */
  decision: string;
  label: string;
  trainLoss: number | null;
  validLoss: number | null;
  outcome: 'start' | 'kept' | 'rejected';
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The rung a decision tried: recorded in its numbers; for older records, from "reject <rung>" or the reason's "<rung>: …". */
function rungOf(d: Decision, n: Record<string, unknown>): string {
  if (typeof n.rung === 'string') return n.rung;
  if (d.action.startsWith('reject ')) return d.action.slice(7);
  const colon = d.reason.indexOf(':');
  return colon > 0 ? d.reason.slice(0, colon) : d.action;
}

export function ladderOf(decisions: readonly Decision[]): LadderProbe[] {
  const probes: LadderProbe[] = [];
  for (const d of decisions) {
    if (d.step !== 4) continue;
    const n = d.numbers as Record<string, unknown>;
    if (d.action === 'probe the starting point') {
      probes.push({ rung: 'starting point', decision: d.action, label: 'starting point', trainLoss: num(n.trainLoss), validLoss: num(n.validLoss), outcome: 'start' });
      continue;
    }
    if (!Array.isArray(n.tried)) continue;
    const kept = d.action.startsWith('keep ') ? d.action.slice(5) : null;
    const rung = rungOf(d, n);
    for (const t of n.tried as Array<Record<string, unknown>>) {
      const label = String(t.label ?? '?');
      probes.push({ rung, decision: d.action, label, trainLoss: num(t.trainLoss), validLoss: num(t.validLoss), outcome: label === kept ? 'kept' : 'rejected' });
    }
  }
  return probes;
}
