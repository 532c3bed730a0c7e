// Operations over several tensors, and the escape hatch to every aten op.
import { native, type Handle } from './native.js';
import { opId } from './ops.js';
import { Tensor } from './tensor.js';

const O = {
  cat: opId('aten::cat'), stack: opId('aten::stack'), where: opId('aten::where', 'self'),
  whereScalar: opId('aten::where', 'ScalarOther'),
};

export function cat(tensors: Tensor[], dim = 0): Tensor {
  return new Tensor(native.call(O.cat, tensors.map((t) => t._h), dim) as Handle);
}
export function stack(tensors: Tensor[], dim = 0): Tensor {
  return new Tensor(native.call(O.stack, tensors.map((t) => t._h), dim) as Handle);
}
/** Elementwise choice: a where cond is true, b elsewhere. */
export function where(cond: Tensor, a: Tensor, b: Tensor | number): Tensor {
  if (b instanceof Tensor) return new Tensor(native.call(O.where, cond._h, a._h, b._h) as Handle);
  return new Tensor(native.call(O.whereScalar, cond._h, a._h, b) as Handle);
}

function wrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(wrap);
  return v;
}

/**
 * Calls any aten operator by name, converting arguments by its schema:
 * op('aten::hardtanh', '', x, -1, 1). Tensor arguments are Tensors; tensor
 * results come back as Tensors (lists as arrays), other results as they are.
 * The schema tells which results are tensors, so call opSchema() to check.
 */
export function op(name: string, overload: string, ...args: unknown[]): unknown {
  const id = opId(name, overload);
  const schema = native.schema(id);
  const converted = args.map((a) => (a instanceof Tensor ? a._h : Array.isArray(a) ? a.map((x) => (x instanceof Tensor ? x._h : x)) : a));
  const out = native.call(id, ...converted);
  const returns = schema.slice(schema.lastIndexOf('->') + 2).trim();
  const tensorish = /Tensor/.test(returns);
  const toTensor = (v: unknown): unknown => (typeof v === 'number' && tensorish ? new Tensor(v as Handle) : Array.isArray(v) ? v.map(toTensor) : v);
  return wrap(toTensor(out));
}
