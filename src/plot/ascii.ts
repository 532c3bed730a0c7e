// A line chart in text, for terminals: the learning-rate finder's curve with
// its suggestions marked, readable in a CI log.

export interface AsciiMark {
  x: number;
  /** One character drawn on the curve at x. */
  symbol: string;
  label: string;
}

export interface AsciiOptions {
  width?: number;
  height?: number;
  logX?: boolean;
  marks?: AsciiMark[];
  xLabel?: string;
  yLabel?: string;
}

const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(0) : Number(v.toPrecision(3)).toString());

export function asciiChart(xs: number[], ys: number[], o: AsciiOptions = {}): string {
  const W = o.width ?? 64;
  const H = o.height ?? 14;
  const pts = xs.map((x, i) => [o.logX ? Math.log10(x) : x, ys[i]] as const).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length < 2) return '(not enough points to plot)';
  const x0 = Math.min(...pts.map((p) => p[0]));
  const x1 = Math.max(...pts.map((p) => p[0]));
  // Clip the y range to the lower part of the curve so the blow-up does not flatten the valley.
  const sorted = pts.map((p) => p[1]).sort((a, b) => a - b);
  const y0 = sorted[0];
  const y1 = Math.min(sorted[sorted.length - 1], sorted[Math.floor(sorted.length * 0.9)] * 1.2 + 1e-12, y0 + 3 * (sorted[Math.floor(sorted.length / 2)] - y0 + 1e-12));
  const grid = Array.from({ length: H }, () => new Array<string>(W).fill(' '));
  const col = (x: number) => Math.round(((x - x0) / (x1 - x0 || 1)) * (W - 1));
  const row = (y: number) => H - 1 - Math.round(((Math.min(y, y1) - y0) / (y1 - y0 || 1)) * (H - 1));
  for (const [x, y] of pts) grid[row(y)][col(x)] = y > y1 ? '^' : '·';
  for (const m of o.marks ?? []) {
    const mx = o.logX ? Math.log10(m.x) : m.x;
    let best = pts[0];
    for (const p of pts) if (Math.abs(p[0] - mx) < Math.abs(best[0] - mx)) best = p;
    grid[row(best[1])][col(mx)] = m.symbol;
  }
  const yl = [fmt(y1), fmt(y0)];
  const pad = Math.max(...yl.map((s) => s.length));
  const lines = grid.map((r, i) => `${(i === 0 ? yl[0] : i === H - 1 ? yl[1] : '').padStart(pad)} │${r.join('')}`);
  lines.push(`${' '.repeat(pad)} └${'─'.repeat(W)}`);
  const xa = o.logX ? [10 ** x0, 10 ** x1] : [x0, x1];
  lines.push(`${' '.repeat(pad + 2)}${fmt(xa[0]).padEnd(W - fmt(xa[1]).length)}${fmt(xa[1])}`);
  if (o.xLabel) lines.push(`${' '.repeat(pad + 2)}${o.xLabel}${o.logX ? ' (log scale)' : ''}`);
  for (const m of o.marks ?? []) lines.push(`${' '.repeat(pad + 2)}${m.symbol} ${m.label}`);
  return lines.join('\n');
}
