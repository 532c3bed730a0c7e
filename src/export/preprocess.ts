// The training preprocessing of a table as ONNX nodes: from the `features`
// input (raw numbers, vocabulary indices, date parts; NaN for a gap) to the
// encoded vector the network was trained on, in the same float32 arithmetic
// as Preprocessor.transform: gaps (NaN, ±Infinity) take the training median
// and set the <col>_na indicator, a vocabulary index becomes its one-hot
// block, and the whole vector is standardized with the training mean and std.
import { Normalizer, type PreprocessorJSON } from '../data/index.js';
import type { GraphBuilder } from './graph.js';
import type { InputColumn } from './inputs.js';

export function emitTablePreprocessing(g: GraphBuilder, pre: PreprocessorJSON, columns: InputColumn[], input: string): string {
  const parts: string[] = [];
  const slice = (start: number, width: number) => g.node('Slice', [input, g.ints('starts', [start]), g.ints('ends', [start + width]), g.ints('axes', [1])]);
  const gapOf = (v: string) => g.node('Or', [g.node('IsNaN', [v]), g.node('IsInf', [v])]);
  const specs = new Map(pre.features.map((f) => [f.column, f]));
  for (const c of columns) {
    const f = specs.get(c.column)!;
    if (c.kind === 'categorical' && f.kind === 'categorical') {
      const V = c.tokens.length;
      const eye = new Float32Array(V * V);
      for (let k = 0; k < V; k++) eye[k * V + k] = 1;
      const idx = g.node('Cast', [slice(c.at, 1)], { to: 7 /* int64 */ });
      parts.push(g.node('Flatten', [g.node('Gather', [g.floats(`onehot_${c.column}`, eye, [V, V]), idx], { axis: 0 })], { axis: 1 }));
    } else if ((c.kind === 'numeric' || c.kind === 'boolean') && (f.kind === 'numeric' || f.kind === 'boolean')) {
      const v = slice(c.at, 1);
      const gap = gapOf(v);
      parts.push(g.node('Where', [gap, g.floats(`median_${c.column}`, [f.median], [1, 1]), v]));
      if (f.indicator) parts.push(g.node('Cast', [gap], { to: 1 /* float */ }));
    } else if (c.kind === 'datetime' && f.kind === 'datetime') {
      const P = c.parts.length;
      const v = slice(c.at, P);
      const gap = gapOf(v);
      parts.push(g.node('Where', [gap, g.floats(`medians_${c.column}`, f.medians, [1, P]), v]));
      // A missing date leaves every part NaN: the first part's gap is the date's.
      if (f.indicator) parts.push(g.node('Cast', [g.node('Slice', [gap, g.ints('starts', [0]), g.ints('ends', [1]), g.ints('axes', [1])])], { to: 1 }));
    }
  }
  let x = parts.length === 1 ? parts[0] : g.node('Concat', parts, { axis: 1 });
  if (pre.normalizer) {
    // Normalizer.fromJSON applies the same guard on near-zero std as training did.
    const n = Normalizer.fromJSON(pre.normalizer);
    const d = n.mean.length;
    x = g.node('Div', [g.node('Sub', [x, g.floats('feature_mean', n.mean, [1, d])]), g.floats('feature_std', n.std, [1, d])]);
  }
  return x;
}
