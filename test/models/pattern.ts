// The TypeScript twin of pattern() in test/fixtures/generate_torchvision.py:
// every state-dict entry filled with a closed-form value both sides compute
// bit-identically, so parity fixtures store names and logits, not 100 MB of weights.
import { tensor, type Tensor } from '../../src/tensor/index.js';

function unit(n: number, k: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 40503 + k * 9973 + 12345) % 65521) / 65521 - 0.5;
  return out;
}

/** The value of state-dict entry `name` (k: its index among the sorted names). */
export function pattern(name: string, shape: readonly number[], k: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (name.endsWith('num_batches_tracked')) return tensor(new Array(n).fill(k), { shape: [...shape], dtype: 'int64' });
  const u = unit(n, k);
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  let v: Float64Array;
  if (leaf === 'weight' && shape.length >= 2) {
    const s = Math.sqrt(6 / shape.slice(1).reduce((a, b) => a * b, 1));
    v = u.map((x) => x * s);
  } else if (leaf === 'weight') v = u.map((x) => 1 + x * 0.4);
  else if (leaf === 'running_var') v = u.map((x) => 1 + (x + 0.5) * 0.5);
  else v = u.map((x) => x * 0.2);
  return tensor(Float32Array.from(v), { shape: [...shape] });
}

/** A full state dict in the pattern, for the given names and shapes. */
export function patternState(entries: Array<[string, readonly number[]]>): Record<string, Tensor> {
  const names = entries.map(([n]) => n).sort();
  const shapes = new Map(entries);
  return Object.fromEntries(names.map((n, k) => [n, pattern(n, shapes.get(n)!, k)]));
}

/** The fixture's input batch. */
export function patternInput(shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5), { shape });
}
