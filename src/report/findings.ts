// The report's "before training" section: how the rows were split and what
// the plan suspected about the data, each with its measurement and the option
// that fixes it (the same findings as `plan` and `plan --json`).

export interface FindingRow {
  kind: string;
  column: string | null;
  measure: string;
  value: number;
  option: string | null;
  message: string;
}

const esc = (s: unknown) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function findingsHtml(split: string | null | undefined, findings: readonly FindingRow[] | null | undefined): string {
  if (!split && !findings) return '';
  const rows = (findings ?? []).map((f) => `<tr><td>${esc(f.kind)}</td><td>${esc(f.column ?? '(rows)')}</td><td>${esc(f.measure)}: ${esc(Number(f.value.toPrecision(4)))}</td><td><code>${esc(f.option ?? '–')}</code></td><td>${esc(f.message)}</td></tr>`).join('');
  const table = rows ? `<table><tr><th>finding</th><th>column</th><th>measurement</th><th>option</th><th>what it means</th></tr>${rows}</table>` : '<p>No findings: no time order, key-like column, one-column leak or near-duplicates across splits.</p>';
  return `<h2>The data before training</h2>${split ? `<p>Split: ${esc(split)}.</p>` : ''}${table}`;
}
