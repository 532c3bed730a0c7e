// A table model's served graph (exportNetwork: standardization, slices,
// embeddings as Gemm, Gemm/BatchNorm/Relu layers, output scale, softmax or
// sigmoid) evaluated in plain JavaScript, for the engine's inline path. A
// single-row call into ONNX Runtime costs ~15–25 µs of event-loop time under
// load, most of the server's CPU per request beyond fastify's own; the same
// few hundred multiply-adds take a microsecond or two here. Only the ops the
// table exporter emits on 2-D [batch, width] values are known; any other
// graph is refused with the reason and ONNX Runtime keeps the inline path.
// Each op computes in float64 and stores float32, so results agree with ONNX
// Runtime's float32 kernels within a few float32 ulps (tested ≤ 1e-6).
import { decodeModel } from '../export/index.js';

/** One op over row-major [n, width] float32 buffers, writing its output slot (from `buffer(slot, n)`). */
type Step = (values: Float32Array[], n: number, buffer: (slot: number, n: number) => Float32Array) => void;

interface Constant {
  data: Float32Array;
  dims: number[];
}

export class DenseGraph {
  private constructor(
    private readonly steps: Step[],
    slots: number,
    private readonly output: number,
    /** Columns of each slot's value. */
    private readonly widths: number[],
    /** Columns of the input and of the output. */
    readonly inputWidth: number,
    readonly outputWidth: number,
  ) {
    this.values = new Array<Float32Array>(slots);
  }

  /** The graph as JavaScript, or why it cannot be (an op or a shape outside the table exporter's). */
  static compile(onnx: Uint8Array): DenseGraph | { reason: string } {
    try {
      const c = compile(onnx);
      return new DenseGraph(c.steps, c.slots, c.output, c.widths, c.inputWidth, c.outputWidth);
    } catch (e) {
      if (e instanceof Unsupported) return { reason: e.message };
      throw e;
    }
  }

  /**
   * Each slot's storage, for up to `capacity` rows (grown in powers of two),
   * and per row count the views of it that runs of that count write: grouped
   * inline runs vary in size under load, and no size seen before allocates.
   */
  private storage: Float32Array[] = [];
  private capacity = 0;
  private views = new Map<number, Float32Array[]>();
  private current: Float32Array[] = [];
  private readonly values: Float32Array[];

  /** The output [rows, outputWidth] for input x [rows, inputWidth]; valid until the next run (copy what you keep). */
  run(x: Float32Array, rows: number): Float32Array {
    if (x.length !== rows * this.inputWidth) throw new RangeError(`DenseGraph.run: expected ${rows} × ${this.inputWidth} inputs, found ${x.length}`);
    if (rows > this.capacity) {
      this.capacity = 2 ** Math.ceil(Math.log2(rows));
      this.storage = [];
      this.views.clear();
    }
    let views = this.views.get(rows);
    if (!views) this.views.set(rows, (views = []));
    this.current = views;
    const values = this.values;
    values[0] = x;
    for (const step of this.steps) step(values, rows, this.buffer);
    return values[this.output];
  }

  private readonly buffer = (slot: number, n: number): Float32Array => (this.current[slot] ??= (this.storage[slot] ??= new Float32Array(this.capacity * this.widths[slot])).subarray(0, n * this.widths[slot]));
}

class Unsupported extends Error {}

type Attr = { name?: string | null; f?: number | null; i?: unknown; ints?: unknown[] | null };

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v && typeof (v as { toNumber?: () => number }).toNumber === 'function' ? (v as { toNumber(): number }).toNumber() : Number(v));

function attr(node: { attribute?: Attr[] | null }, name: string): Attr | undefined {
  return node.attribute?.find((a) => a.name === name);
}

function compile(bytes: Uint8Array): { steps: Step[]; slots: number; output: number; widths: number[]; inputWidth: number; outputWidth: number } {
  const graph = decodeModel(bytes).graph;
  if (!graph) throw new Unsupported('no graph');
  const floats = new Map<string, Constant>();
  const ints = new Map<string, number[]>();
  for (const t of graph.initializer ?? []) {
    const dims = (t.dims ?? []).map(num);
    const raw = t.rawData ?? new Uint8Array(0);
    const copy = Uint8Array.from(raw).buffer; // a copy of its own (a decoded Buffer may view a shared pool), aligned
    if (t.dataType === 1) floats.set(t.name!, { data: new Float32Array(copy), dims });
    else if (t.dataType === 7) ints.set(t.name!, Array.from(new BigInt64Array(copy), Number));
    else throw new Unsupported(`initializer ${t.name} of ONNX type ${t.dataType}`);
  }
  const inputs = (graph.input ?? []).filter((i) => !floats.has(i.name!) && !ints.has(i.name!));
  if (inputs.length !== 1) throw new Unsupported(`${inputs.length} inputs`);
  const shape = inputs[0].type?.tensorType?.shape?.dim ?? [];
  if (inputs[0].type?.tensorType?.elemType !== 1 || shape.length !== 2 || !shape[1].dimValue) throw new Unsupported('the input is not float32 [batch, width]');
  const inputWidth = num(shape[1].dimValue);
  // Each value's slot and width (columns); the batch is dynamic.
  const slot = new Map<string, number>([[inputs[0].name!, 0]]);
  const width: number[] = [inputWidth];
  const planned: Array<{ to: number; deps: number[]; run: Step }> = [];
  const add = (to: number, deps: number[], run: Step) => planned.push({ to, deps, run });
  /** Slot → the columns [start, end) of which slot it is a slice of. */
  const sliceOf = new Map<number, { from: number; start: number; end: number }>();
  const value = (name: string): number => {
    const s = slot.get(name);
    if (s === undefined) throw new Unsupported(`value ${name} is not computed before its use`);
    return s;
  };
  const define = (name: string, w: number): number => {
    slot.set(name, width.length);
    width.push(w);
    return width.length - 1;
  };
  /** A constant operand broadcast along rows: a scalar, or a row of `w`. */
  const rowConstant = (name: string, w: number): Float32Array | null => {
    const c = floats.get(name);
    if (!c) return null;
    if (c.data.length === 1) return new Float32Array(w).fill(c.data[0]);
    if (c.data.length === w && c.dims.length <= 2 && (c.dims.length < 2 || c.dims[0] === 1)) return c.data;
    throw new Unsupported(`constant ${name} [${c.dims}] does not broadcast over width ${w}`);
  };
  for (const node of graph.node ?? []) {
    const op = node.opType!;
    const ins = node.input ?? [];
    const out = node.output?.[0];
    if (!out || (node.output?.length ?? 0) > 1) throw new Unsupported(`${op} with ${node.output?.length ?? 0} outputs`);
    switch (op) {
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div': {
        const [a, b] = ins;
        const aValue = slot.has(a);
        const bValue = slot.has(b);
        if (aValue === bValue) throw new Unsupported(`${op} of two ${aValue ? 'values' : 'constants'}`);
        const from = value(aValue ? a : b);
        const w = width[from];
        const c = rowConstant(aValue ? b : a, w)!;
        const to = define(out, w);
        const f = binary(op, aValue);
        add(to, [from], (v, n, buffer) => {
          const x = v[from];
          const y = buffer(to, n);
          for (let r = 0, k = 0; r < n; r++) for (let j = 0; j < w; j++, k++) y[k] = f(x[k], c[j]);
          v[to] = y;
        });
        break;
      }
      case 'Slice': {
        const from = value(ins[0]);
        const [start] = ints.get(ins[1]) ?? [];
        const [end] = ints.get(ins[2]) ?? [];
        const axes = ins[3] ? ints.get(ins[3]) : [1];
        if (ins[4] && (ints.get(ins[4]) ?? []).some((s) => s !== 1)) throw new Unsupported('Slice with steps');
        if (start === undefined || end === undefined || !axes || axes.length !== 1 || (axes[0] !== 1 && axes[0] !== -1)) throw new Unsupported('Slice other than one constant range of columns');
        const wIn = width[from];
        const s0 = Math.max(0, Math.min(wIn, start < 0 ? start + wIn : start));
        const e0 = Math.max(s0, Math.min(wIn, end < 0 ? end + wIn : end));
        const w = e0 - s0;
        const to = define(out, w);
        sliceOf.set(to, { from, start: s0, end: e0 });
        add(to, [from], (v, n, buffer) => {
          const x = v[from];
          const y = buffer(to, n);
          for (let r = 0; r < n; r++) y.set(x.subarray(r * wIn + s0, r * wIn + e0), r * w);
          v[to] = y;
        });
        break;
      }
      case 'Concat': {
        const axis = num(attr(node, 'axis')?.i ?? 1);
        if (axis !== 1 && axis !== -1) throw new Unsupported(`Concat on axis ${axis}`);
        const parts = ins.map(value);
        const widths = parts.map((p) => width[p]);
        const w = widths.reduce((s, x) => s + x, 0);
        const to = define(out, w);
        // Slices of one value, in order, covering all of it (the table net's pass-through columns): the value itself.
        const first = sliceOf.get(parts[0]);
        if (first && first.start === 0 && width[first.from] === w && parts.every((p, i) => sliceOf.get(p)?.from === first.from && sliceOf.get(p)!.start === (i === 0 ? 0 : sliceOf.get(parts[i - 1])!.end))) {
          add(to, [first.from], (v) => {
            v[to] = v[first.from];
          });
          break;
        }
        add(to, parts, (v, n, buffer) => {
          const y = buffer(to, n);
          for (let r = 0; r < n; r++) {
            let at = r * w;
            for (let p = 0; p < parts.length; p++) {
              y.set(v[parts[p]].subarray(r * widths[p], (r + 1) * widths[p]), at);
              at += widths[p];
            }
          }
          v[to] = y;
        });
        break;
      }
      case 'Gemm': {
        const from = value(ins[0]);
        const B = floats.get(ins[1]);
        const alpha = attr(node, 'alpha')?.f ?? 1;
        const beta = attr(node, 'beta')?.f ?? 1;
        const transA = num(attr(node, 'transA')?.i ?? 0);
        const transB = num(attr(node, 'transB')?.i ?? 0);
        if (!B || B.dims.length !== 2 || transA !== 0) throw new Unsupported('Gemm other than value × constant matrix');
        const k = width[from];
        const m = transB ? B.dims[0] : B.dims[1];
        if ((transB ? B.dims[1] : B.dims[0]) !== k) throw new Unsupported(`Gemm of width ${k} with a [${B.dims}] matrix`);
        // Weights as [m, k] rows, so each output is one contiguous dot product.
        const W = transB ? B.data : transpose(B.data, k, m);
        const C = ins[2] ? rowConstant(ins[2], m) : null;
        if (ins[2] && !C) throw new Unsupported('Gemm with a computed bias');
        const to = define(out, m);
        add(to, [from], (v, n, buffer) => {
          const x = v[from];
          const y = buffer(to, n);
          for (let r = 0; r < n; r++) {
            const xo = r * k;
            for (let j = 0; j < m; j++) {
              let s = 0;
              const wo = j * k;
              for (let i = 0; i < k; i++) s += x[xo + i] * W[wo + i];
              y[r * m + j] = alpha * s + (C ? beta * C[j] : 0);
            }
          }
          v[to] = y;
        });
        break;
      }
      case 'BatchNormalization': {
        const from = value(ins[0]);
        const w = width[from];
        const [scale, bias, mean, variance] = ins.slice(1, 5).map((name) => rowConstant(name, w));
        if (!scale || !bias || !mean || !variance) throw new Unsupported('BatchNormalization with computed statistics');
        const eps = attr(node, 'epsilon')?.f ?? 1e-5;
        const to = define(out, w);
        add(to, [from], (v, n, buffer) => {
          const x = v[from];
          const y = buffer(to, n);
          for (let r = 0, q = 0; r < n; r++) for (let j = 0; j < w; j++, q++) y[q] = ((x[q] - mean[j]) / Math.sqrt(variance[j] + eps)) * scale[j] + bias[j];
          v[to] = y;
        });
        break;
      }
      case 'Relu':
      case 'Sigmoid':
      case 'Identity': {
        const from = value(ins[0]);
        const to = define(out, width[from]);
        const f = op === 'Relu' ? (x: number) => (x > 0 ? x : 0) : op === 'Sigmoid' ? (x: number) => 1 / (1 + Math.exp(-x)) : (x: number) => x;
        add(to, [from], (v, n, buffer) => {
          const x = v[from];
          const y = buffer(to, n);
          for (let q = 0; q < x.length; q++) y[q] = f(x[q]);
          v[to] = y;
        });
        break;
      }
      case 'Softmax': {
        const axis = num(attr(node, 'axis')?.i ?? -1);
        if (axis !== 1 && axis !== -1) throw new Unsupported(`Softmax on axis ${axis}`);
        const from = value(ins[0]);
        const w = width[from];
        const to = define(out, w);
        add(to, [from], (v, n, buffer) => {
          const x = v[from];
          const y = buffer(to, n);
          for (let r = 0; r < n; r++) {
            const o = r * w;
            let max = -Infinity;
            for (let j = 0; j < w; j++) max = Math.max(max, x[o + j]);
            let sum = 0;
            for (let j = 0; j < w; j++) sum += Math.exp(x[o + j] - max);
            for (let j = 0; j < w; j++) y[o + j] = Math.exp(x[o + j] - max) / sum;
          }
          v[to] = y;
        });
        break;
      }
      default:
        throw new Unsupported(`op ${op}`);
    }
  }
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) throw new Unsupported(`${outputs.length} outputs`);
  const result = value(outputs[0].name!);
  // Only the steps the output needs (the pass-through slices an identity concat replaced are not).
  const live = new Set([result]);
  for (let i = planned.length - 1; i >= 0; i--) if (live.has(planned[i].to)) for (const d of planned[i].deps) live.add(d);
  const steps = planned.filter((p) => live.has(p.to)).map((p) => p.run);
  return { steps, slots: width.length, output: result, widths: width, inputWidth, outputWidth: width[result] };
}

function binary(op: string, valueFirst: boolean): (x: number, c: number) => number {
  if (op === 'Add') return (x, c) => x + c;
  if (op === 'Mul') return (x, c) => x * c;
  if (op === 'Sub') return valueFirst ? (x, c) => x - c : (x, c) => c - x;
  return valueFirst ? (x, c) => x / c : (x, c) => c / x;
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  // a is [rows = k, cols = m]; the result is [m, k].
  const t = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}
