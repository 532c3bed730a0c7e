// The Tensor: a thin JavaScript object over an integer handle to an at::Tensor.
// Every method is one call into libtorch through a cached operator id.
import { native, type Handle } from './native.js';
import { opId } from './ops.js';
import { finalizer, track, type Owned } from './scope.js';
import { arrayFor, dtypeCode, dtypeOf, type DType, type TypedArray } from './dtype.js';
import { memoryFormatCode, type MemoryFormat } from './memory_format.js';

const O = {
  addT: opId('aten::add', 'Tensor'), addS: opId('aten::add', 'Scalar'),
  subT: opId('aten::sub', 'Tensor'), subS: opId('aten::sub', 'Scalar'),
  mulT: opId('aten::mul', 'Tensor'), mulS: opId('aten::mul', 'Scalar'),
  divT: opId('aten::div', 'Tensor'), divS: opId('aten::div', 'Scalar'),
  powT: opId('aten::pow', 'Tensor_Tensor'), powS: opId('aten::pow', 'Tensor_Scalar'),
  add_T: opId('aten::add_', 'Tensor'), add_S: opId('aten::add_', 'Scalar'),
  sub_T: opId('aten::sub_', 'Tensor'), sub_S: opId('aten::sub_', 'Scalar'),
  mul_T: opId('aten::mul_', 'Tensor'), mul_S: opId('aten::mul_', 'Scalar'),
  div_T: opId('aten::div_', 'Tensor'), div_S: opId('aten::div_', 'Scalar'),
  neg: opId('aten::neg'), abs: opId('aten::abs'), exp: opId('aten::exp'), log: opId('aten::log'),
  log1p: opId('aten::log1p'), sqrt: opId('aten::sqrt'), rsqrt: opId('aten::rsqrt'), sin: opId('aten::sin'),
  cos: opId('aten::cos'), tanh: opId('aten::tanh'), sigmoid: opId('aten::sigmoid'), relu: opId('aten::relu'),
  sign: opId('aten::sign'), floor: opId('aten::floor'), ceil: opId('aten::ceil'), round: opId('aten::round'),
  reciprocal: opId('aten::reciprocal'), square: opId('aten::square'),
  clamp: opId('aten::clamp'), clamp_: opId('aten::clamp_'),
  maximum: opId('aten::maximum'), minimum: opId('aten::minimum'),
  matmul: opId('aten::matmul'), mm: opId('aten::mm'), bmm: opId('aten::bmm'),
  sum: opId('aten::sum'), sumDim: opId('aten::sum', 'dim_IntList'),
  mean: opId('aten::mean'), meanDim: opId('aten::mean', 'dim'),
  max: opId('aten::max'), maxDim: opId('aten::max', 'dim'), min: opId('aten::min'), minDim: opId('aten::min', 'dim'),
  argmax: opId('aten::argmax'), argmin: opId('aten::argmin'),
  varC: opId('aten::var', 'correction'), stdC: opId('aten::std', 'correction'),
  norm: opId('aten::norm', 'ScalarOpt_dim'), normAll: opId('aten::norm', 'Scalar'),
  prod: opId('aten::prod'), all: opId('aten::all'), any: opId('aten::any'),
  logsumexp: opId('aten::logsumexp'), softmax: opId('aten::softmax', 'int'), logSoftmax: opId('aten::log_softmax', 'int'),
  cumsum: opId('aten::cumsum'),
  eqT: opId('aten::eq', 'Tensor'), eqS: opId('aten::eq', 'Scalar'), neT: opId('aten::ne', 'Tensor'), neS: opId('aten::ne', 'Scalar'),
  ltT: opId('aten::lt', 'Tensor'), ltS: opId('aten::lt', 'Scalar'), leT: opId('aten::le', 'Tensor'), leS: opId('aten::le', 'Scalar'),
  gtT: opId('aten::gt', 'Tensor'), gtS: opId('aten::gt', 'Scalar'), geT: opId('aten::ge', 'Tensor'), geS: opId('aten::ge', 'Scalar'),
  isnan: opId('aten::isnan'), isfinite: opId('aten::isfinite'), logicalNot: opId('aten::logical_not'),
  view: opId('aten::view'), reshape: opId('aten::reshape'), flatten: opId('aten::flatten', 'using_ints'),
  squeeze: opId('aten::squeeze'), squeezeDim: opId('aten::squeeze', 'dim'), unsqueeze: opId('aten::unsqueeze'),
  permute: opId('aten::permute'), transpose: opId('aten::transpose', 'int'), t: opId('aten::t'),
  expand: opId('aten::expand'), repeat: opId('aten::repeat'), contiguous: opId('aten::contiguous'), stride: opId('aten::stride', 'int'),
  narrow: opId('aten::narrow'), select: opId('aten::select', 'int'), slice: opId('aten::slice', 'Tensor'),
  indexSelect: opId('aten::index_select'), index: opId('aten::index', 'Tensor'), indexPut_: opId('aten::index_put_'),
  gather: opId('aten::gather'), scatter: opId('aten::scatter', 'src'), scatterAdd: opId('aten::scatter_add'),
  maskedFill: opId('aten::masked_fill', 'Scalar'), maskedSelect: opId('aten::masked_select'),
  chunk: opId('aten::chunk'), split: opId('aten::split', 'Tensor'), flip: opId('aten::flip'),
  clone: opId('aten::clone'), detach: opId('aten::detach'), toDtype: opId('aten::to', 'dtype'),
  toDevice: opId('aten::to', 'device'), zero_: opId('aten::zero_'), fill_: opId('aten::fill_', 'Scalar'),
  copy_: opId('aten::copy_'), normal_: opId('aten::normal_'), uniform_: opId('aten::uniform_'),
  bernoulli_: opId('aten::bernoulli_', 'float'), topk: opId('aten::topk'), sort: opId('aten::sort'),
  argsort: opId('aten::argsort'), lerp_: opId('aten::lerp_', 'Scalar'),
};

type Scalar = number | boolean;

/** A tensor. Release it with dispose(), or create it inside tidy(). */
export class Tensor implements Owned {
  _h: Handle;
  _scope: Owned[] | null = null;

  /** Wraps a handle the addon returned; owns it from now on. */
  constructor(handle: Handle) {
    this._h = handle;
    track(this);
  }

  /** The integer handle into the addon's tensor table (-1 once disposed). */
  get handle(): Handle {
    return this._h;
  }

  get isDisposed(): boolean {
    return this._h < 0;
  }

  /** Releases the native tensor now. Safe to call twice. */
  dispose(): void {
    if (this._h < 0) return;
    finalizer.unregister(this);
    native.dispose(this._h);
    this._h = -1;
  }

  /**
   * Takes over another tensor's native tensor (which is left disposed), so
   * every reference to this object sees the new value: used to move a
   * module's parameters between devices without breaking references.
   */
  adopt(other: Tensor): this {
    const old = this._h;
    finalizer.unregister(this);
    finalizer.unregister(other);
    this._h = other._h;
    other._h = -1;
    finalizer.register(this, this._h, this);
    if (old >= 0) native.dispose(old);
    return this;
  }

  // ---- metadata -----------------------------------------------------------
  get shape(): number[] {
    return native.shape(this._h);
  }
  get dtype(): DType {
    return dtypeOf(native.dtype(this._h));
  }
  get device(): string {
    return native.meta(this._h)[2];
  }
  get ndim(): number {
    return native.shape(this._h).length;
  }
  get numel(): number {
    return native.numel(this._h);
  }
  size(dim: number): number {
    const s = native.shape(this._h);
    return s[dim < 0 ? s.length + dim : dim];
  }

  // ---- autograd ----------------------------------------------------------
  get requiresGrad(): boolean {
    return native.requiresGrad(this._h);
  }
  set requiresGrad(v: boolean) {
    native.setRequiresGrad(this._h, v);
  }
  /** Sets requiresGrad and returns this tensor (PyTorch's requires_grad_()). */
  requiresGrad_(v = true): this {
    native.setRequiresGrad(this._h, v);
    return this;
  }
  /** The accumulated gradient, as a new handle to it (dispose it, or read it in tidy()); null before backward(). */
  get grad(): Tensor | null {
    const g = native.grad(this._h);
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this._h, g ? g._h : null);
  }
  get isLeaf(): boolean {
    return native.isLeaf(this._h);
  }
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(this._h, gradient ? gradient._h : null, options.retainGraph, options.createGraph ?? false);
  }

  // ---- data out ----------------------------------------------------------
  /** A copy of the data in the typed array that matches the dtype. */
  data(): TypedArray {
    return arrayFor(this.dtype, native.toBuffer(this._h));
  }
  /** The data as plain numbers (int64 converted; exact below 2^53). */
  toArray(): number[] {
    const d = this.data();
    return d instanceof BigInt64Array ? Array.from(d, (x) => Number(x)) : Array.from(d as ArrayLike<number>);
  }
  /** The value of a one-element tensor. */
  item(): number {
    const v = native.item(this._h);
    return typeof v === 'boolean' ? Number(v) : v;
  }
  /** Raw little-endian bytes of the contiguous data (for safetensors). */
  bytes(): ArrayBuffer {
    return native.toBuffer(this._h);
  }

  // ---- conversion --------------------------------------------------------
  clone(): Tensor {
    return new Tensor(native.call(O.clone, this._h) as Handle);
  }
  detach(): Tensor {
    return new Tensor(native.call(O.detach, this._h) as Handle);
  }
  /**
   * The data laid out densely in the given order: 'contiguous' (row-major, the
   * default) or 'channelsLast' (NHWC strides for a 4-D NCHW tensor, which the
   * CPU's oneDNN convolutions run fastest).
   */
  contiguous(format: MemoryFormat = 'contiguous'): Tensor {
    return new Tensor(native.call(O.contiguous, this._h, memoryFormatCode[format]) as Handle);
  }
  /** Elements skipped per step along each dimension. */
  strides(): number[] {
    return this.shape.map((_, d) => native.call(O.stride, this._h, d) as number);
  }
  /** Whether the data is dense in the given order (size-1 dimensions do not count, as in PyTorch). */
  isContiguous(format: MemoryFormat = 'contiguous'): boolean {
    const shape = this.shape;
    const strides = this.strides();
    const order = format === 'channelsLast' ? (shape.length === 4 ? [1, 3, 2, 0] : null) : shape.map((_, i) => shape.length - 1 - i);
    if (!order) return false;
    let expected = 1;
    for (const d of order) {
      if (shape[d] !== 1 && strides[d] !== expected) return false;
      expected *= shape[d];
    }
    return true;
  }
  /** Converts to a dtype, or moves to a device ('cpu', 'cuda', 'cuda:1'). */
  to(target: DType | string, options: { copy?: boolean } = {}): Tensor {
    if (target in dtypeCode) return new Tensor(native.call(O.toDtype, this._h, dtypeCode[target as DType], false, options.copy ?? false) as Handle);
    return new Tensor(native.call(O.toDevice, this._h, target, native.dtype(this._h), false, options.copy ?? false) as Handle);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }

  // ---- arithmetic --------------------------------------------------------
  add(o: Tensor | Scalar, alpha: number = 1): Tensor {
    return new Tensor(native.call(o instanceof Tensor ? O.addT : O.addS, this._h, o instanceof Tensor ? o._h : o, alpha) as Handle);
  }
  sub(o: Tensor | Scalar, alpha: number = 1): Tensor {
    return new Tensor(native.call(o instanceof Tensor ? O.subT : O.subS, this._h, o instanceof Tensor ? o._h : o, alpha) as Handle);
  }
  mul(o: Tensor | Scalar): Tensor {
    return new Tensor(native.call(o instanceof Tensor ? O.mulT : O.mulS, this._h, o instanceof Tensor ? o._h : o) as Handle);
  }
  div(o: Tensor | Scalar): Tensor {
    return new Tensor(native.call(o instanceof Tensor ? O.divT : O.divS, this._h, o instanceof Tensor ? o._h : o) as Handle);
  }
  pow(o: Tensor | Scalar): Tensor {
    return new Tensor(native.call(o instanceof Tensor ? O.powT : O.powS, this._h, o instanceof Tensor ? o._h : o) as Handle);
  }
  neg(): Tensor { return this.unary(O.neg); }
  abs(): Tensor { return this.unary(O.abs); }
  exp(): Tensor { return this.unary(O.exp); }
  log(): Tensor { return this.unary(O.log); }
  log1p(): Tensor { return this.unary(O.log1p); }
  sqrt(): Tensor { return this.unary(O.sqrt); }
  rsqrt(): Tensor { return this.unary(O.rsqrt); }
  sin(): Tensor { return this.unary(O.sin); }
  cos(): Tensor { return this.unary(O.cos); }
  tanh(): Tensor { return this.unary(O.tanh); }
  sigmoid(): Tensor { return this.unary(O.sigmoid); }
  relu(): Tensor { return this.unary(O.relu); }
  sign(): Tensor { return this.unary(O.sign); }
  floor(): Tensor { return this.unary(O.floor); }
  ceil(): Tensor { return this.unary(O.ceil); }
  round(): Tensor { return this.unary(O.round); }
  reciprocal(): Tensor { return this.unary(O.reciprocal); }
  square(): Tensor { return this.unary(O.square); }
  clamp(min: number | null, max: number | null = null): Tensor {
    return new Tensor(native.call(O.clamp, this._h, min, max) as Handle);
  }
  maximum(o: Tensor): Tensor { return this.binary(O.maximum, o); }
  minimum(o: Tensor): Tensor { return this.binary(O.minimum, o); }
  matmul(o: Tensor): Tensor { return this.binary(O.matmul, o); }
  mm(o: Tensor): Tensor { return this.binary(O.mm, o); }
  bmm(o: Tensor): Tensor { return this.binary(O.bmm, o); }

  // ---- in place (return this; the graph records them as PyTorch does) -----
  add_(o: Tensor | Scalar, alpha: number = 1): this {
    native.callVoid(o instanceof Tensor ? O.add_T : O.add_S, this._h, o instanceof Tensor ? o._h : o, alpha);
    return this;
  }
  sub_(o: Tensor | Scalar, alpha: number = 1): this {
    native.callVoid(o instanceof Tensor ? O.sub_T : O.sub_S, this._h, o instanceof Tensor ? o._h : o, alpha);
    return this;
  }
  mul_(o: Tensor | Scalar): this {
    native.callVoid(o instanceof Tensor ? O.mul_T : O.mul_S, this._h, o instanceof Tensor ? o._h : o);
    return this;
  }
  div_(o: Tensor | Scalar): this {
    native.callVoid(o instanceof Tensor ? O.div_T : O.div_S, this._h, o instanceof Tensor ? o._h : o);
    return this;
  }
  clamp_(min: number | null, max: number | null = null): this {
    native.callVoid(O.clamp_, this._h, min, max);
    return this;
  }
  zero_(): this {
    native.callVoid(O.zero_, this._h);
    return this;
  }
  fill_(v: Scalar): this {
    native.callVoid(O.fill_, this._h, v);
    return this;
  }
  copy_(src: Tensor): this {
    native.callVoid(O.copy_, this._h, src._h);
    return this;
  }
  /** Fills with N(mean, std²) from the seeded generator. */
  normal_(mean = 0, std = 1): this {
    native.callVoid(O.normal_, this._h, mean, std);
    return this;
  }
  /** Fills with U(low, high) from the seeded generator. */
  uniform_(low = 0, high = 1): this {
    native.callVoid(O.uniform_, this._h, low, high);
    return this;
  }
  bernoulli_(p: number): this {
    native.callVoid(O.bernoulli_, this._h, p);
    return this;
  }
  lerp_(end: Tensor, weight: number): this {
    native.callVoid(O.lerp_, this._h, end._h, weight);
    return this;
  }
  indexPut_(indices: Array<Tensor | null>, values: Tensor, accumulate = false): this {
    native.callVoid(O.indexPut_, this._h, indices.map((t) => (t ? t._h : null)), values._h, accumulate);
    return this;
  }

  // ---- reductions --------------------------------------------------------
  sum(dim?: number | number[], keepdim = false): Tensor {
    if (dim === undefined) return this.unary(O.sum);
    return new Tensor(native.call(O.sumDim, this._h, typeof dim === 'number' ? [dim] : dim, keepdim) as Handle);
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    if (dim === undefined) return this.unary(O.mean);
    return new Tensor(native.call(O.meanDim, this._h, typeof dim === 'number' ? [dim] : dim, keepdim) as Handle);
  }
  /** Maximum over everything. */
  max(): Tensor;
  /** Maximum along a dimension, with the indices where it occurs. */
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return this.unary(O.max);
    const [v, i] = native.call(O.maxDim, this._h, dim, keepdim) as [Handle, Handle];
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return this.unary(O.min);
    const [v, i] = native.call(O.minDim, this._h, dim, keepdim) as [Handle, Handle];
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return new Tensor(native.call(O.argmax, this._h, dim ?? null, keepdim) as Handle);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return new Tensor(native.call(O.argmin, this._h, dim ?? null, keepdim) as Handle);
  }
  /** Variance; unbiased (n − 1) by default, as PyTorch. */
  var(dim?: number | number[], options: { unbiased?: boolean; keepdim?: boolean } = {}): Tensor {
    const d = dim === undefined ? null : typeof dim === 'number' ? [dim] : dim;
    return new Tensor(native.call(O.varC, this._h, d, options.unbiased === false ? 0 : 1, options.keepdim ?? false) as Handle);
  }
  std(dim?: number | number[], options: { unbiased?: boolean; keepdim?: boolean } = {}): Tensor {
    const d = dim === undefined ? null : typeof dim === 'number' ? [dim] : dim;
    return new Tensor(native.call(O.stdC, this._h, d, options.unbiased === false ? 0 : 1, options.keepdim ?? false) as Handle);
  }
  norm(p = 2, dim?: number | number[], keepdim = false): Tensor {
    if (dim === undefined) return new Tensor(native.call(O.normAll, this._h, p) as Handle);
    return new Tensor(native.call(O.norm, this._h, p, typeof dim === 'number' ? [dim] : dim, keepdim) as Handle);
  }
  prod(): Tensor { return this.unary(O.prod); }
  all(): Tensor { return this.unary(O.all); }
  any(): Tensor { return this.unary(O.any); }
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return new Tensor(native.call(O.logsumexp, this._h, typeof dim === 'number' ? [dim] : dim, keepdim) as Handle);
  }
  softmax(dim: number): Tensor {
    return new Tensor(native.call(O.softmax, this._h, dim) as Handle);
  }
  logSoftmax(dim: number): Tensor {
    return new Tensor(native.call(O.logSoftmax, this._h, dim) as Handle);
  }
  cumsum(dim: number): Tensor {
    return new Tensor(native.call(O.cumsum, this._h, dim) as Handle);
  }
  topk(k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } {
    const [v, i] = native.call(O.topk, this._h, k, dim, largest, true) as [Handle, Handle];
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } {
    const [v, i] = native.call(O.sort, this._h, dim, descending) as [Handle, Handle];
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  argsort(dim = -1, descending = false): Tensor {
    return new Tensor(native.call(O.argsort, this._h, dim, descending) as Handle);
  }

  // ---- comparison --------------------------------------------------------
  eq(o: Tensor | Scalar): Tensor { return this.cmp(O.eqT, O.eqS, o); }
  ne(o: Tensor | Scalar): Tensor { return this.cmp(O.neT, O.neS, o); }
  lt(o: Tensor | Scalar): Tensor { return this.cmp(O.ltT, O.ltS, o); }
  le(o: Tensor | Scalar): Tensor { return this.cmp(O.leT, O.leS, o); }
  gt(o: Tensor | Scalar): Tensor { return this.cmp(O.gtT, O.gtS, o); }
  ge(o: Tensor | Scalar): Tensor { return this.cmp(O.geT, O.geS, o); }
  isnan(): Tensor { return this.unary(O.isnan); }
  isfinite(): Tensor { return this.unary(O.isfinite); }
  logicalNot(): Tensor { return this.unary(O.logicalNot); }

  // ---- shape -------------------------------------------------------------
  view(...shape: number[]): Tensor {
    return new Tensor(native.call(O.view, this._h, shape) as Handle);
  }
  reshape(...shape: number[]): Tensor {
    return new Tensor(native.call(O.reshape, this._h, shape) as Handle);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return new Tensor(native.call(O.flatten, this._h, startDim, endDim) as Handle);
  }
  squeeze(dim?: number): Tensor {
    return dim === undefined ? this.unary(O.squeeze) : new Tensor(native.call(O.squeezeDim, this._h, dim) as Handle);
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(native.call(O.unsqueeze, this._h, dim) as Handle);
  }
  permute(...dims: number[]): Tensor {
    return new Tensor(native.call(O.permute, this._h, dims) as Handle);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return new Tensor(native.call(O.transpose, this._h, dim0, dim1) as Handle);
  }
  /** Transpose of a matrix. */
  t(): Tensor { return this.unary(O.t); }
  expand(...shape: number[]): Tensor {
    return new Tensor(native.call(O.expand, this._h, shape) as Handle);
  }
  repeat(...times: number[]): Tensor {
    return new Tensor(native.call(O.repeat, this._h, times) as Handle);
  }
  flip(...dims: number[]): Tensor {
    return new Tensor(native.call(O.flip, this._h, dims) as Handle);
  }

  // ---- indexing ----------------------------------------------------------
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(native.call(O.narrow, this._h, dim, start, length) as Handle);
  }
  select(dim: number, index: number): Tensor {
    return new Tensor(native.call(O.select, this._h, dim, index) as Handle);
  }
  /** Python's x[start:end:step] along one dimension. */
  slice(dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
    return new Tensor(native.call(O.slice, this._h, dim, start, end, step) as Handle);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(native.call(O.indexSelect, this._h, dim, index._h) as Handle);
  }
  /** Advanced indexing: x[i0, i1, …] with tensors (null skips a dimension). */
  index(indices: Array<Tensor | null>): Tensor {
    return new Tensor(native.call(O.index, this._h, indices.map((t) => (t ? t._h : null))) as Handle);
  }
  gather(dim: number, index: Tensor): Tensor {
    return new Tensor(native.call(O.gather, this._h, dim, index._h) as Handle);
  }
  scatter(dim: number, index: Tensor, src: Tensor): Tensor {
    return new Tensor(native.call(O.scatter, this._h, dim, index._h, src._h) as Handle);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return new Tensor(native.call(O.scatterAdd, this._h, dim, index._h, src._h) as Handle);
  }
  maskedFill(mask: Tensor, value: Scalar): Tensor {
    return new Tensor(native.call(O.maskedFill, this._h, mask._h, value) as Handle);
  }
  maskedSelect(mask: Tensor): Tensor {
    return new Tensor(native.call(O.maskedSelect, this._h, mask._h) as Handle);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return (native.call(O.chunk, this._h, chunks, dim) as Handle[]).map((h) => new Tensor(h));
  }
  split(size: number, dim = 0): Tensor[] {
    return (native.call(O.split, this._h, size, dim) as Handle[]).map((h) => new Tensor(h));
  }

  toString(): string {
    if (this._h < 0) return 'Tensor(disposed)';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }

  private unary(op: number): Tensor {
    return new Tensor(native.call(op, this._h) as Handle);
  }
  private binary(op: number, o: Tensor): Tensor {
    return new Tensor(native.call(op, this._h, o._h) as Handle);
  }
  private cmp(tensorOp: number, scalarOp: number, o: Tensor | Scalar): Tensor {
    return o instanceof Tensor ? this.binary(tensorOp, o) : new Tensor(native.call(scalarOp, this._h, o) as Handle);
  }
}
