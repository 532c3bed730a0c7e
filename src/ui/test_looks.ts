// The test ledger as looks: one evaluation of the sealed test set writes a
// ledger row per figure (the loss, then each metric), so the dashboard groups
// the rows of one look (same model, run and data, the loss row first) and
// counts looks, as the command line does ("test set evaluations so far: 1").
import type { LedgerEntry } from '../store/index.js';

export interface TestLook {
  at: number;
  modelId: string;
  runId: string | null;
  datasetFingerprint: string;
  note: string | null;
  /** Every figure of the look by name: loss, accuracy, … */
  figures: Record<string, number | null>;
}

const sameLook = (a: TestLook, e: LedgerEntry) => a.modelId === e.modelId && a.runId === e.runId && a.datasetFingerprint === e.datasetFingerprint && !(e.metricName in a.figures);

/** Ledger rows (in the order written) grouped into looks: a 'loss' row, or a row that cannot join the previous look, starts one. */
export function testLooks(entries: readonly LedgerEntry[]): TestLook[] {
  const looks: TestLook[] = [];
  for (const e of [...entries].sort((a, b) => a.id - b.id)) {
    const last = looks.at(-1);
    if (last && e.metricName !== 'loss' && sameLook(last, e)) {
      last.figures[e.metricName] = e.value;
      continue;
    }
    looks.push({ at: e.at, modelId: e.modelId, runId: e.runId, datasetFingerprint: e.datasetFingerprint, note: e.note, figures: { [e.metricName]: e.value } });
  }
  return looks;
}
