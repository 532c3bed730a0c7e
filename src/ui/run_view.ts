// One line's worth of a run — what `runs list` and the dashboard's run table
// show: its final and best losses, its final metrics, its sealed-test figures
// when it has them, and a note on what matters for its kind (the suggested
// rate of an lr-find, the test loss of an auto run, the error of a failed one).
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
  /** The figures of its sealed-test evaluation (loss, accuracy, …), or null when it has none. */
  test: Record<string, number> | null;
  note: string;
  /** The note less the test figures (shown apart from it): the chosen configuration, a suggested rate, an error. */
  remark: string;
}

const obj = (v: unknown): Record<string, any> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {});
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function testFigures(c: RunComparison): Record<string, number> | null {
  const test = obj(obj(obj(c.run.summary).metrics).test);
  if (finite(test.loss) === null) return null;
  return Object.fromEntries(Object.entries(test).filter(([, v]) => finite(v) !== null)) as Record<string, number>;
}

function remark(c: RunComparison): string {
  const s = obj(c.run.summary);
  if (typeof s.error === 'string') return `error: ${s.error}`;
  if (c.run.kind === 'lr-find') return s.suggestion != null ? `suggested lr ${fmt(s.suggestion)} (${c.steps} points)` : `${c.steps} points`;
  const linear = linearNote(s.linearReference);
  if (typeof s.chosenConfiguration === 'string') return `${s.chosenConfiguration}${linear}`;
  return linear.replace(/^; /, '');
}

/** An auto run's linear reference: its validation loss, and whether the run kept it. */
export function linearNote(v: unknown): string {
  const r = obj(v);
  if (finite(r.loss) === null) return '';
  return `; linear reference ${fmt(r.loss)}${r.kept === true ? ' (kept: the deep model did not beat it)' : ''}`;
}

function note(c: RunComparison, test: Record<string, number> | null): string {
  const s = obj(c.run.summary);
  if (!test || typeof s.error === 'string' || c.run.kind === 'lr-find') return remark(c);
  const rest = Object.entries(test).filter(([k]) => k !== 'loss');
  return `test loss ${fmt(test.loss)}${rest.length ? ` (${rest.map(([k, v]) => `${k} ${fmt(v)}`).join(', ')})` : ''}`;
}

export function runRow(c: RunComparison): RunRow {
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.final?.metrics ?? {})) if (typeof v === 'number') metrics[k] = v;
  const test = testFigures(c);
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
    test,
    note: note(c, test),
    remark: remark(c),
  };
}
