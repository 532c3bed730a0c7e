// A decision of the playbook: which step, what was done, why, and the
// numbers that triggered it — kept in order so a run can be audited.
export interface Decision {
  step: 1 | 2 | 3 | 4 | 5 | 6;
  action: string;
  reason: string;
  numbers?: Record<string, unknown>;
}

export type DecisionLog = (d: Decision) => void;
