// The layer table the seed's step 2 prints: every module that holds
// parameters directly, its parameter shapes and counts.
import type { Module } from '../nn/index.js';

export interface LayerRow {
  name: string;
  type: string;
  /** Shape of each directly held parameter, e.g. { weight: [16, 4], bias: [16] }. */
  shapes: Record<string, number[]>;
  params: number;
}

export function layerTable(model: Module<any, any>): LayerRow[] {
  const rows: LayerRow[] = [];
  for (const [name, m] of model.namedModules()) {
    const own = m.namedParameters().filter(([n]) => !n.includes('.'));
    if (!own.length) continue;
    const shapes: Record<string, number[]> = {};
    let params = 0;
    for (const [n, p] of own) {
      shapes[n] = p.shape;
      params += p.numel;
    }
    rows.push({ name: name || '(root)', type: m.constructor.name, shapes, params });
  }
  return rows;
}

/** The table as aligned text, with a total. */
export function formatLayerTable(rows: LayerRow[]): string {
  const lines = rows.map((r) => [r.name, r.type, Object.entries(r.shapes).map(([k, s]) => `${k} [${s.join('×')}]`).join(', '), r.params.toLocaleString('en-US')]);
  const head = ['layer', 'type', 'parameters', 'count'];
  const all = [head, ...lines];
  const w = head.map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const fmt = (l: string[]) => l.map((c, i) => (i === 3 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ');
  const total = rows.reduce((s, r) => s + r.params, 0);
  return [fmt(head), w.map((n) => '─'.repeat(n)).join('  '), ...lines.map(fmt), `total trainable parameters: ${total.toLocaleString('en-US')}`].join('\n');
}
