// One line's worth of a run — what `runs list` and the dashboard's run table
// show: its final and best losses, its final metrics and a note on what
// matters for its kind (the suggested rate of an lr-find, the test loss of an
// auto run, the error of a failed one).
import type { RunComparison } from '../store/index.js';
import { fmt } from './format.js';

export interface RunRow {
  id: string;
  kind: string;
  status: string;
  startedAt: number;
  endedAt: number | null;
  parentRunId: string | null;
  epochs: number;
  steps: number;
  trainLoss: number | null;
  validLoss: number | null;
  /** 1-based, as the progress lines and summaries count epochs. */
  best: { epoch: number; validLoss: number } | null;
  metrics: Record<string, number>;
  note: string;
}

const obj = (v: unknown): Record<string, any> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {});
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function note(c: RunComparison): string {
  const s = obj(c.run.summary);
  if (typeof s.error === 'string') return `error: ${s.error}`;
  if (c.run.kind === 'lr-find') return s.suggestion != null ? `suggested lr ${fmt(s.suggestion)} (${c.steps} points)` : `${c.steps} points`;
  const test = obj(obj(s.metrics).test);
  if (finite(test.loss) !== null) return `test loss ${fmt(test.loss)}${Object.keys(test).length > 1 ? ` (${Object.entries(test).filter(([k]) => k !== 'loss').map(([k, v]) => `${k} ${fmt(v)}`).join(', ')})` : ''}`;
  if (typeof s.chosenConfiguration === 'string') return s.chosenConfiguration;
  return '';
}

export function runRow(c: RunComparison): RunRow {
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.final?.metrics ?? {})) if (typeof v === 'number') metrics[k] = v;
  return {
    id: c.run.id,
    kind: c.run.kind,
    status: c.run.status,
    startedAt: c.run.startedAt,
    endedAt: c.run.endedAt,
    parentRunId: c.run.parentRunId,
    epochs: c.epochs.length,
    steps: c.steps,
    trainLoss: finite(c.final?.trainLoss),
    validLoss: c.final?.validLoss ?? null,
    best: c.best && { epoch: c.best.epoch + 1, validLoss: c.best.validLoss },
    metrics,
    note: note(c),
  };
}
