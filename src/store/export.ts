// Run export as text, for spreadsheets (CSV: one series, one row per step or
// epoch) and for other tools (JSONL: the whole run, one typed record a line).
import type { Db } from './db.js';
import { artifactsOf } from './artifacts.js';
import { decisionsOf } from './decisions.js';
import { epochSeries, stepSeries } from './metrics.js';
import { getRun } from './runs.js';

export type ExportFormat = 'csv' | 'jsonl';

export interface ExportOptions {
  /** CSV only: which series becomes the rows. Default 'steps'. */
  series?: 'steps' | 'epochs';
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/**
 * The run as text. CSV 'steps': step,epoch,loss,grad_norm,lr_0…lr_k (one lr
 * column per parameter group). CSV 'epochs': epoch,train_loss,valid_loss,
 * seconds, then one column per metric name seen in any epoch, sorted. JSONL:
 * a {type:'run'} line, then 'step', 'epoch', 'decision' and 'artifact' lines.
 */
export function exportRun(db: Db, id: string, format: ExportFormat, options: ExportOptions = {}): string {
  return db.read(() => {
    const run = getRun(db, id);
    if (!run) throw new Error(`sixstep store: no run ${id}`);
    if (format === 'jsonl') {
      const lines: unknown[] = [{ type: 'run', ...run }];
      for (const s of stepSeries(db, id)) lines.push({ type: 'step', ...s });
      for (const e of epochSeries(db, id)) lines.push({ type: 'epoch', ...e });
      for (const d of decisionsOf(db, id)) lines.push({ type: 'decision', ...d });
      for (const a of artifactsOf(db, id)) lines.push({ type: 'artifact', ...a });
      return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    }
    if (format !== 'csv') throw new TypeError(`sixstep store: unknown export format ${String(format)}`);
    if ((options.series ?? 'steps') === 'steps') {
      const steps = stepSeries(db, id);
      const groups = steps.reduce((m, s) => Math.max(m, s.lrs.length), 0);
      const lrCols = Array.from({ length: groups }, (_, i) => `lr_${i}`);
      return csv(
        ['step', 'epoch', 'loss', 'grad_norm', ...lrCols],
        steps.map((s) => [s.step, s.epoch, s.loss, s.gradNorm, ...lrCols.map((_, i) => s.lrs[i])]),
      );
    }
    const epochs = epochSeries(db, id);
    const names = [...new Set(epochs.flatMap((e) => Object.keys(e.metrics)))].sort();
    return csv(
      ['epoch', 'train_loss', 'valid_loss', 'seconds', ...names],
      epochs.map((e) => [e.epoch, e.trainLoss, e.validLoss, e.seconds, ...names.map((n) => e.metrics[n])]),
    );
  });
}
