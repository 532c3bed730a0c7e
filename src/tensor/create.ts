// Making tensors: from JavaScript data, filled, ranges and seeded random.
import { native, type Handle } from './native.js';
import { opId } from './ops.js';
import { Tensor } from './tensor.js';
import { dtypeCode, dtypeForArray, type DType, type TypedArray } from './dtype.js';
import { ArgumentError } from './errors.js';
import { memoryFormatCode, type MemoryFormat } from './memory_format.js';

export interface TensorOptions {
  /** Element type; default float32 (int64 for arange over integers, as PyTorch). */
  dtype?: DType;
  /** 'cpu' (default), 'cuda', 'cuda:1' … */
  device?: string;
  requiresGrad?: boolean;
}

const O = {
  zeros: opId('aten::zeros'), ones: opId('aten::ones'), full: opId('aten::full'), empty: opId('aten::empty', 'memory_format'),
  arange: opId('aten::arange', 'start_step'), linspace: opId('aten::linspace'), eye: opId('aten::eye'),
  randn: opId('aten::randn'), rand: opId('aten::rand'), randint: opId('aten::randint', 'low'), randperm: opId('aten::randperm'),
  zerosLike: opId('aten::zeros_like'), onesLike: opId('aten::ones_like'), randnLike: opId('aten::randn_like'),
  fullLike: opId('aten::full_like'),
};

function finish(h: Handle, o: TensorOptions): Tensor {
  const t = new Tensor(h);
  if (o.requiresGrad) native.setRequiresGrad(h, true);
  return t;
}

function flatten(data: unknown, shape: number[], out: number[], depth: number): void {
  if (Array.isArray(data)) {
    if (shape.length === depth) shape.push(data.length);
    else if (shape[depth] !== data.length) throw new ArgumentError(`ragged nested array: expected length ${shape[depth]} at depth ${depth}, found ${data.length}`);
    for (const d of data) flatten(d, shape, out, depth + 1);
    return;
  }
  if (typeof data === 'boolean') out.push(data ? 1 : 0);
  else if (typeof data === 'number') out.push(data);
  else throw new ArgumentError(`tensor(): expected numbers, found ${typeof data}`);
}

function toTypedArray(values: ArrayLike<number>, dtype: DType): ArrayBufferView {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'int16': return Int16Array.from(values);
    case 'int8': return Int8Array.from(values);
    case 'uint8':
    case 'bool': return Uint8Array.from(values);
    case 'int64': return BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v))));
    default: throw new ArgumentError(`tensor(): cannot build ${dtype} from JavaScript numbers; build float32 and convert with .to()`);
  }
}

/**
 * A tensor from nested arrays, or from a typed array plus a shape.
 * The data is copied: changing the array later does not change the tensor.
 */
export function tensor(data: unknown, options: TensorOptions & { shape?: number[] } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    const natural = dtypeForArray(arr);
    const dtype = options.dtype ?? natural;
    const shape = options.shape ?? [arr.length];
    const src: ArrayBufferView = dtype === natural ? arr : toTypedArray(arr instanceof BigInt64Array ? Array.from(arr, Number) : (arr as ArrayLike<number>), dtype);
    return finish(native.fromBuffer(src, shape, dtypeCode[dtype], options.device), options);
  }
  const shape: number[] = [];
  const flat: number[] = [];
  flatten(data, shape, flat, 0);
  const dtype = options.dtype ?? (typeof data === 'boolean' ? 'bool' : 'float32');
  return finish(native.fromBuffer(toTypedArray(flat, dtype), options.shape ?? shape, dtypeCode[dtype], options.device), options);
}

function factory(op: number, shape: number[], o: TensorOptions, ...extra: unknown[]): Tensor {
  return finish(native.call(op, shape, ...extra, dtypeCode[o.dtype ?? 'float32'], null, o.device ?? null, null) as Handle, o);
}

export function zeros(shape: number[], options: TensorOptions = {}): Tensor {
  return factory(O.zeros, shape, options);
}
export function ones(shape: number[], options: TensorOptions = {}): Tensor {
  return factory(O.ones, shape, options);
}
/** Uninitialized values; `memoryFormat` 'channelsLast' lays a 4-D tensor out as NHWC (default 'contiguous'). */
export function empty(shape: number[], options: TensorOptions & { memoryFormat?: MemoryFormat } = {}): Tensor {
  if (options.memoryFormat === 'channelsLast' && shape.length !== 4) throw new ArgumentError(`empty(): memoryFormat 'channelsLast' needs a 4-D shape, found [${shape.join(', ')}]`);
  return finish(native.call(O.empty, shape, dtypeCode[options.dtype ?? 'float32'], null, options.device ?? null, null, memoryFormatCode[options.memoryFormat ?? 'contiguous']) as Handle, options);
}
export function full(shape: number[], value: number, options: TensorOptions = {}): Tensor {
  return factory(O.full, shape, options, value);
}
/** Standard normal samples from the seeded generator. */
export function randn(shape: number[], options: TensorOptions = {}): Tensor {
  return factory(O.randn, shape, options);
}
/** Uniform samples in [0, 1) from the seeded generator. */
export function rand(shape: number[], options: TensorOptions = {}): Tensor {
  return factory(O.rand, shape, options);
}
/** Integers in [low, high); int64 by default. */
export function randint(low: number, high: number, shape: number[], options: TensorOptions = {}): Tensor {
  return finish(native.call(O.randint, low, high, shape, dtypeCode[options.dtype ?? 'int64'], null, options.device ?? null, null) as Handle, options);
}
/** A random permutation of 0 … n−1 (int64). */
export function randperm(n: number, options: TensorOptions = {}): Tensor {
  return finish(native.call(O.randperm, n, dtypeCode[options.dtype ?? 'int64'], null, options.device ?? null, null) as Handle, options);
}
/** start, start+step, … below end; int64 when all three are integers (as PyTorch), else float32. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  const integral = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = options.dtype ?? (integral ? 'int64' : 'float32');
  return finish(native.call(O.arange, start, end, step, dtypeCode[dtype], null, options.device ?? null, null) as Handle, options);
}
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  return finish(native.call(O.linspace, start, end, steps, dtypeCode[options.dtype ?? 'float32'], null, options.device ?? null, null) as Handle, options);
}
export function eye(n: number, options: TensorOptions = {}): Tensor {
  return finish(native.call(O.eye, n, dtypeCode[options.dtype ?? 'float32'], null, options.device ?? null, null) as Handle, options);
}
export function zerosLike(t: Tensor): Tensor {
  return new Tensor(native.call(O.zerosLike, t._h) as Handle);
}
export function onesLike(t: Tensor): Tensor {
  return new Tensor(native.call(O.onesLike, t._h) as Handle);
}
export function randnLike(t: Tensor): Tensor {
  return new Tensor(native.call(O.randnLike, t._h) as Handle);
}
export function fullLike(t: Tensor, value: number): Tensor {
  return new Tensor(native.call(O.fullLike, t._h, value) as Handle);
}
