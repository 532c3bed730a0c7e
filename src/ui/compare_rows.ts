// Several runs side by side as rows of text, one column per run: how they
// were configured, what they reached, and which rows differ — the same table
// for `runs compare` and the dashboard's compare view.
import type { Json, RunComparison } from '../store/index.js';
import { duration, fmt, when } from './format.js';

export interface CompareRow {
  section: 'run' | 'config' | 'summary' | 'result' | 'metric';
  label: string;
  /** One per run, in the order asked for. */
  values: string[];
  /** True when not every run has the same value. */
  differs: boolean;
}

/** Nested objects become dotted keys; arrays stay whole (as JSON), since their parts mean little alone. */
function flatten(v: Json, prefix: string, out: Map<string, string>): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x as Json, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out.set(prefix, fmt(v));
}

function flat(v: Json): Map<string, string> {
  const m = new Map<string, string>();
  flatten(v, '', m);
  return m;
}

/** Scalar top-level summary fields (the objects — metrics, decisions, plots — have rows or views of their own). */
function summaryScalars(v: Json): Map<string, string> {
  const m = new Map<string, string>();
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) if (x === null || typeof x !== 'object') if (!['run', 'status', 'epochs'].includes(k)) m.set(k, fmt(x));
  }
  return m;
}

export function comparisonRows(cs: readonly RunComparison[]): CompareRow[] {
  const rows: CompareRow[] = [];
  const add = (section: CompareRow['section'], label: string, values: string[]) => rows.push({ section, label, values, differs: new Set(values).size > 1 });
  const keyed = (section: CompareRow['section'], prefix: string, maps: Map<string, string>[]) => {
    const keys = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort();
    for (const k of keys) add(section, `${prefix}${k}`, maps.map((m) => m.get(k) ?? '–'));
  };
  add('run', 'kind', cs.map((c) => c.run.kind));
  add('run', 'status', cs.map((c) => c.run.status));
  add('run', 'started', cs.map((c) => when(c.run.startedAt)));
  add('run', 'duration', cs.map((c) => (c.run.endedAt === null ? 'running' : duration(c.run.endedAt - c.run.startedAt))));
  keyed('config', 'config.', cs.map((c) => flat(c.run.config)));
  keyed('summary', 'summary.', cs.map((c) => summaryScalars(c.run.summary)));
  add('result', 'epochs', cs.map((c) => String(c.epochs.length)));
  add('result', 'steps', cs.map((c) => String(c.steps)));
  add('result', 'final train loss', cs.map((c) => fmt(c.final?.trainLoss)));
  add('result', 'final valid loss', cs.map((c) => fmt(c.final?.validLoss)));
  add('result', 'linear reference valid loss', cs.map((c) => linearCell((c.run.summary as Record<string, any> | null)?.linearReference)));
  add('result', 'best valid loss', cs.map((c) => (c.best ? `${fmt(c.best.validLoss)} (epoch ${c.best.epoch + 1})` : '–')));
  keyed('metric', 'final ', cs.map((c) => new Map(Object.entries(c.final?.metrics ?? {}).map(([k, v]) => [k, fmt(v)]))));
  return rows;
}

function linearCell(v: unknown): string {
  const r = v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  return r && typeof r.loss === 'number' ? `${fmt(r.loss)}${r.kept === true ? ' (kept)' : ''}` : '–';
}
