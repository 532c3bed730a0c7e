// The layer table the seed's step 2 prints: every module that holds
// parameters directly, its parameter shapes and counts, and — for networks
// that join several input paths — what each layer reads and where they join.
import type { Module } from '../nn/index.js';

export interface LayerRow {
  name: string;
  type: string;
  /** Shape of each directly held parameter, e.g. { weight: [16, 4], bias: [16] }. */
  shapes: Record<string, number[]>;
  params: number;
  /** What the layer reads, where that is not simply the layer before (an input path, the join). */
  input?: string;
}

/** A network's own description of its input paths (TabularNet.layerNotes). */
export interface LayerNotes {
  /** Module name → what it reads. */
  notes: Record<string, string>;
  /** Rows without parameters that still are an input path (pass-through features), listed first. */
  extra: LayerRow[];
}

export function layerTable(model: Module<any, any>): LayerRow[] {
  const described = (model as { layerNotes?: () => LayerNotes }).layerNotes?.();
  const rows: LayerRow[] = [...(described?.extra ?? [])];
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
  for (const r of rows) {
    const note = described?.notes[r.name];
    if (note) r.input = note;
  }
  return rows;
}

/** The table as aligned text, with a total. */
export function formatLayerTable(rows: LayerRow[]): string {
  const withInput = rows.some((r) => r.input);
  const lines = rows.map((r) => [r.name, r.type, Object.entries(r.shapes).map(([k, s]) => `${k} [${s.join('×')}]`).join(', '), r.params.toLocaleString('en-US'), ...(withInput ? [r.input ?? ''] : [])]);
  const head = ['layer', 'type', 'parameters', 'count', ...(withInput ? ['reads'] : [])];
  const all = [head, ...lines];
  const w = head.map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const fmt = (l: string[]) => l.map((c, i) => (i === 3 ? c.padStart(w[i]) : i === l.length - 1 ? c : c.padEnd(w[i]))).join('  ').trimEnd();
  const total = rows.reduce((s, r) => s + r.params, 0);
  return [fmt(head), w.map((n) => '─'.repeat(n)).join('  '), ...lines.map(fmt), `total trainable parameters: ${total.toLocaleString('en-US')}`].join('\n');
}
