// Every finding `plan` makes about a table before training, on the training
// rows (and, for near-duplicates, the held-out rows' near keys): which
// columns to check with which rule, and the columns the findings take out of
// the features by default.
import type { Schema } from '../schema.js';
import type { Table } from '../table.js';
import type { SplitBy } from '../split_by.js';
import type { Finding } from './finding.js';
import { timeFindings } from './time_order.js';
import { keyColumnFinding } from './key_column.js';
import { leakFinding } from './leak.js';
import { nearDuplicateFinding } from './near_duplicates.js';

export { fig, type Finding, type FindingKind } from './finding.js';
export { timeFindings, sortedShare, labelDrift } from './time_order.js';
export { keyColumnFinding, keyEvidence } from './key_column.js';
export { leakFinding, oneColumnScore } from './leak.js';
export { nearDuplicateFinding, nearDuplicates } from './near_duplicates.js';

export interface SuspectInput {
  train: Table;
  schema: Schema;
  by: SplitBy;
  seed?: number;
  /** The duplicate check's columns and the held-out near keys; absent: no near-duplicate check. */
  near?: { columns: string[]; validation: Array<{ key: string; line: number }>; test: Array<{ key: string; line: number }> };
}

/** Time and key findings first: a key column found here leaves the features before the leak check looks at them. */
export function findSuspects(o: SuspectInput): Finding[] {
  const s = o.schema;
  const seed = o.seed ?? 0;
  const tokens = new Set(s.missingTokens);
  const target = s.target.length === 1 ? s.target[0] : null;
  const classification = s.task === 'binary' || s.task === 'multiclass';
  const out: Finding[] = [];
  const splitColumn = o.by.kind === 'random' ? null : o.by.column;
  for (const c of s.columns) {
    if (c.kind !== 'datetime' || c.role === 'target' || o.by.kind === 'time') continue;
    out.push(...timeFindings({ train: o.train, column: c.name, target, classification, tokens }));
  }
  const features = s.columns.filter((c) => c.role === 'feature');
  for (const c of features) {
    if (c.name === splitColumn || (c.kind !== 'categorical' && c.kind !== 'numeric')) continue;
    const f = keyColumnFinding({ train: o.train, column: c.name, others: features.filter((x) => x.name !== c.name).map((x) => x.name), tokens, seed });
    if (f) out.push(f);
  }
  const keys = new Set(out.filter((f) => f.kind === 'key-column').map((f) => f.column));
  if (target !== null && s.task && s.task !== 'multilabel') {
    for (const c of features) {
      if (keys.has(c.name) || c.name === splitColumn || c.kind === 'text') continue;
      const f = leakFinding({ train: o.train, column: c.name, kind: c.kind, target, task: s.task, tokens, seed });
      if (f) out.push(f);
    }
  }
  if (o.near) {
    const f = nearDuplicateFinding({ train: o.train, columns: o.near.columns, validation: o.near.validation, test: o.near.test, seed });
    if (f) out.push(f);
  }
  return out;
}

/** Columns the findings leave out of the features by default (a key column), unless the user set the column's kind. */
export function withoutKeyColumns(schema: Schema, findings: readonly Finding[]): Schema {
  const keys = new Set(findings.filter((f) => f.kind === 'key-column').map((f) => f.column));
  if (!keys.size) return schema;
  return {
    ...schema,
    columns: schema.columns.map((c) => (keys.has(c.name) && c.role === 'feature' && !c.overridden ? { ...c, role: 'dropped', note: `repeats like a key (see the warning): left out of the features${c.note ? `; ${c.note}` : ''}` } : c)),
  };
}
