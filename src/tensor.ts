/**
 * The Tensor: a strided view (shape, strides, offset) over reference-counted
 * storage, plus its autograd identity (requiresGrad, grad, gradFn), kept as PyTorch keeps
 * it in records made only when needed: AutogradMeta, ViewMeta (autograd/meta.ts) and, on
 * the aliases graph nodes save, SavedTensor (autograd/node.ts). Every op is a
 * thin method here that calls the op's definition in src/ops (forward and gradient
 * rule side by side).
 */
import { AccumulateGrad, Node, type SavedTensor, type TensorHook } from "./autograd/node.js";
import { AutogradMeta, CreationMeta, ViewMeta } from "./autograd/meta.js";
import { backward as autogradBackward } from "./autograd/grad.js";
import { isGradEnabled, noGrad } from "./autograd/grad_mode.js";
import { isFloating, type DType, type TypedArray } from "./dtype.js";
import { Storage } from "./storage.js";
import { trackInScope, trackInUserScope } from "./scopes.js";
import { contiguousStrides, isContiguous, normDim, numelOf, parseShapeArgs } from "./shape.js";
import { formatTensor } from "./format.js";
import { registerDevtoolsFormatter } from "./devtools.js";
import * as E from "./ops/elementwise.js";
import * as R from "./ops/reduce.js";
import * as M from "./ops/movement.js";
import * as L from "./ops/matmul.js";
import * as N from "./ops/nn.js";
import * as I from "./ops/inplace.js";


export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;
export type IndexArg = number | null | [number | null, number | null] | [number | null, number | null, number];
export type DimArg = number | number[] | undefined;

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

export class Tensor {
  // first: a browser console's preview shows the first own fields (docs/guides/browser.md)
  readonly shape: number[];
  _storage: Storage;
  /** PyTorch's version counter: shared by views and detach(), new for `.data` and fresh storage. */
  _version: { n: number } = { n: 0 };
  _strides: number[];
  _offset: number;
  /** requiresGrad, gradFn, grad, hooks: made on first need (null on a tensor outside autograd). */
  _autograd: AutogradMeta | null = null;
  /** A view's base, version and how it was made: made by `_view` (null on a tensor that is no view). */
  _viewMeta: ViewMeta | null = null;
  /** For the alias a graph node saved (its storage reference is returned by its node, storage.ts): its record. */
  _savedAs: SavedTensor | null = null;
  _disposed = false;
  _kept = false;
  /** This tensor is a `.grad` the library created (freed eagerly when replaced). */
  _libGrad = false;
  /** This tensor was returned by a `.grad` getter: someone may hold it. */
  _handedOut = false;

  constructor(storage: Storage, shape: number[], strides: number[], offset: number, alias = false) {
    this._storage = storage;
    this.shape = shape;
    this._strides = strides;
    this._offset = offset;
    if (!alias) { // a saved alias (see _savedAs) is neither counted nor tracked
      storage.countTensor(1);
      if (!trackInScope(this)) storage.watch();
    }
  }

  // ---- properties -------------------------------------------------------------------------
  get dtype(): DType { return this._storage.dtype; }
  get ndim(): number { return this.shape.length; }
  get isLeaf(): boolean { return this.gradFn === null; }

  /**
   * The node that made this tensor. A view whose base (or a sibling view) was changed in
   * place since its gradFn was set reads the base's new history instead (PyTorch's view
   * replay: an AsStridedBackward0 over the base's current gradFn).
   */
  get gradFn(): Node | null {
    const view = this._viewMeta;
    if (view !== null && view.version !== this._version.n && !view.base._disposed && view.base.requiresGrad) {
      this.gradFn = I.viewOfBaseNode(view.base, this);
    }
    const meta = this._autograd;
    return meta === null ? null : meta.gradFn;
  }
  set gradFn(node: Node | null) {
    const view = this._viewMeta;
    if (view !== null) view.version = this._version.n;
    let meta = this._autograd;
    if (meta === null) {
      if (node === null) return;
      meta = this._autograd = new AutogradMeta();
    }
    meta.gradFn = node;
    meta.outputNr = 0; // a multi-output node's maker sets the number after this
    const retain = meta.retainHook;
    if (retain !== null && retain.node !== node) {
      // PyTorch moves retain_grad to the tensor's new grad_fn after an in-place op
      retain.remove();
      meta.retainHook = null;
      if (node !== null) this._attachRetainHook(node);
    }
  }

  /** The autograd record, made on first need. */
  _meta(): AutogradMeta { return (this._autograd ??= new AutogradMeta()); }

  get _requiresGrad(): boolean { const meta = this._autograd; return meta !== null && meta.requiresGrad; }

  /** Which output of its gradFn this tensor is (PyTorch's output_nr; 0 but for a multi-output node). */
  get _outputNr(): number { const meta = this._autograd; return meta === null ? 0 : meta.outputNr; }
  set _outputNr(nr: number) { if (nr !== 0 || this._autograd !== null) this._meta().outputNr = nr; }

  _attachRetainHook(node: Node): void {
    const handle = node.addPreHook((g) => { this._accumulateGrad(g, isGradEnabled(), true); }, this._outputNr);
    this._meta().retainHook = { node, remove: handle.remove };
  }
  get isDisposed(): boolean { return this._disposed; }
  get backendName(): "js" | "wasm" { return this._storage.backend.name; }

  get requiresGrad(): boolean {
    if (this._requiresGrad || this.gradFn !== null) return true;
    // a view made under noGrad still reports its base's requires_grad (PyTorch)
    const view = this._viewMeta;
    return view !== null && view.madeInNoGrad && view.base.requiresGrad;
  }
  set requiresGrad(flag: boolean) { this.requiresGrad_(flag); }

  get grad(): Tensor | null {
    const g = this._liveGrad();
    if (g !== null) g._handedOut = true;
    return g;
  }
  set grad(g: Tensor | null) {
    if (g !== null && g !== undefined) {
      if (!(g instanceof Tensor)) throw new TypeError("assigned grad expected to be a Tensor or None");
      if (g.dtype !== this.dtype) throw new Error("assigned grad has data of a different type");
      if (g.shape.length !== this.shape.length || g.shape.some((d, i) => d !== this.shape[i])) {
        throw new Error("assigned grad has data of a different size");
      }
      g._kept = true;
    }
    const meta = g != null ? this._meta() : this._autograd;
    if (meta === null) return;
    const old = meta.grad;
    meta.grad = g ?? null;
    if (old !== null && old !== g) releaseGrad(old);
  }

  /** The installed grad, or null. A grad its holder disposed is dropped: it reads as null
   *  and the next backward starts a fresh one (in PyTorch, dropping a grad is harmless). */
  _liveGrad(): Tensor | null {
    const meta = this._autograd;
    if (meta === null) return null;
    const g = meta.grad;
    if (g !== null && g._disposed) { meta.grad = null; return null; }
    return g;
  }

  /** A tensor sharing this storage, detached from the graph (PyTorch's `.data`). */
  get data(): Tensor {
    const t = this.detach();
    t._version = { n: 0 }; // unlike detach(), in-place changes through .data are not seen by autograd
    return t;
  }
  set data(src: Tensor) {
    this._assertLive();
    src._assertLive();
    const old = this._storage;
    this._storage = src._storage.retain();
    (this as { shape: number[] }).shape = src.shape.slice();
    this._strides = src._strides.slice();
    this._offset = src._offset;
    old.countTensor(-1);
    this._storage.countTensor(1);
    old.release();
  }

  // ---- size and data access ----------------------------------------------------------------
  numel(): number { return numelOf(this.shape); }
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    return dim === undefined ? this.shape.slice() : this.shape[normDim(dim, this.ndim)]!;
  }
  dim(): number { return this.ndim; }
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    return dim === undefined ? this._strides.slice() : this._strides[normDim(dim, this.ndim)]!;
  }
  isContiguous(): boolean { return isContiguous(this.shape, this._strides); }

  /** A row-major copy of the elements: Float32Array, Float64Array, Int32Array, or Uint8Array (bool). */
  toArray(): TypedArray {
    this._assertLive();
    const be = this._storage.backend, n = this.numel();
    if (this.isContiguous()) return be.read(this._storage.handle, this.dtype, this._offset, n);
    const c = M.contiguousRaw(this);
    try { return be.read(c._storage.handle, this.dtype, 0, n); } finally { c.dispose(); }
  }

  item(): number | boolean {
    if (this.numel() !== 1) {
      throw new Error(`a Tensor with ${this.numel()} elements cannot be converted to Scalar`);
    }
    const v = this.toArray()[0]!;
    return this.dtype === "bool" ? v !== 0 : v;
  }

  tolist(): unknown {
    const flat = this.toArray();
    const isBool = this.dtype === "bool";
    const conv = (v: number): number | boolean => (isBool ? v !== 0 : v);
    if (this.ndim === 0) return conv(flat[0]!);
    let pos = 0;
    const build = (d: number): unknown[] => {
      const out: unknown[] = [];
      for (let i = 0; i < this.shape[d]!; i++) out.push(d === this.ndim - 1 ? conv(flat[pos++]!) : build(d + 1));
      return out;
    };
    return build(0);
  }

  toJSON(): { shape: number[]; dtype: DType; data: number[] } {
    return { shape: this.shape.slice(), dtype: this.dtype, data: Array.from(this.toArray()) };
  }

  toString(): string {
    if (this._disposed) return "tensor(<disposed>)";
    const suffixes: string[] = [];
    if (this.gradFn !== null) suffixes.push(`grad_fn=<${this.gradFn.name()}>`);
    else if (this._requiresGrad) suffixes.push("requires_grad=True");
    return formatTensor(this.toArray(), this.shape, this.dtype, suffixes);
  }

  [inspectSymbol](): string { return this.toString(); }

  // ---- memory -----------------------------------------------------------------------------
  /** Free the storage reference now; using the tensor afterwards throws. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (this._savedAs !== null) { this._storage.release(); return; }
    this._storage.countTensor(-1);
    this._storage.release();
    const meta = this._autograd;
    const g = meta === null ? null : meta.grad;
    if (g !== null) { meta!.grad = null; releaseGrad(g); }
  }

  _leftScopes(): void { this._storage.watch(); }

  _assertLive(): void {
    if (this._disposed) throw new Error("tensor was disposed");
  }

  /** A view's base tensor (for PyTorch's in-place-on-a-view-of-a-leaf check); null for a tensor that is no view. */
  get _base(): Tensor | null { const view = this._viewMeta; return view === null ? null : view.base; }

  /** Internal: a new tensor object on the same storage, a view of this one for autograd. */
  _view(shape: number[], strides: number[], offset: number): Tensor {
    const t = this._onStorage(shape, strides, offset);
    const noGradMode = !isGradEnabled();
    const creation = noGradMode ? CreationMeta.NO_GRAD_MODE : CreationMeta.DEFAULT;
    t._viewMeta = new ViewMeta(this._base ?? this, this._version.n, creation, noGradMode);
    return t;
  }

  /** Internal: a new tensor object on the same storage and version counter that is no view
   *  for autograd (detach(), or an op's result re-shaped before it is handed out). */
  _onStorage(shape: number[], strides: number[], offset: number): Tensor {
    this._assertLive();
    const t = new Tensor(this._storage.retain(), shape, strides, offset);
    t._version = this._version;
    return t;
  }

  /** Internal: what a graph node saves (`saved`'s alias): same storage and autograd identity,
   *  not user-visible; an alias of a leaf hands its gradients to the leaf's accumulator. */
  _alias(saved: SavedTensor): Tensor {
    this._assertLive();
    const t = new Tensor(this._storage.retain(), this.shape, this._strides, this._offset, true);
    t._savedAs = saved;
    t._version = this._version;
    const gradFn = this.gradFn;
    t.gradFn = gradFn;
    t._outputNr = this._outputNr;
    if (this._requiresGrad) {
      const meta = t._meta();
      meta.requiresGrad = true;
      if (gradFn === null) meta.acc = this._accumulator();
    }
    return t;
  }

  /** Internal: a 1-D tensor viewed as a row or column ([1, n] or [n, 1]), outside autograd. */
  _viewNoGrad(shape: number[]): Tensor {
    const s = this._strides[0] ?? 1;
    return this._view(shape, shape.map((d) => (d === 1 ? 0 : s)), this._offset);
  }

  // ---- autograd ---------------------------------------------------------------------------
  /** The AccumulateGrad node of this leaf (made once, on first use). */
  _accumulator(): AccumulateGrad {
    const meta = this._meta();
    return (meta.acc ??= new AccumulateGrad(this));
  }

  /** Add `g` into `.grad` (called by the engine on leaves and on retained non-leaves). */
  _accumulateGrad(g0: Tensor, createGraph: boolean, retained = false): void {
    if (this._disposed || !this.requiresGrad) return;
    // the engine hands a tensor a gradient of its own dtype
    const g = g0.dtype === this.dtype ? g0 : createGraph ? g0.to(this.dtype) : noGrad(() => g0.to(this.dtype));
    const old = this._liveGrad();
    if (old === null) {
      // always a copy of its own: one gradient tensor may feed several leaves, be the
      // user's backward(gradient), or come back from a hook
      const own = createGraph ? M.copyForGrad(g, this.shape) : noGrad(() => M.contiguousCopy(g, this.shape));
      own._kept = true;
      own._libGrad = true;
      this._meta().grad = own;
    } else if (!createGraph && !retained) {
      noGrad(() => I.addInPlaceRaw(old, g)); // accumulate in place, as PyTorch (leaves)
    } else {
      const sum = createGraph ? old.add(g) : noGrad(() => old.add(g)); // a retained grad: a new tensor each time
      sum._kept = true;
      sum._libGrad = true;
      this._meta().grad = sum;
      releaseGrad(old);
    }
  }

  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] } = {}): void {
    autogradBackward([this], gradient === undefined || gradient === null ? [null] : [gradient], opts);
  }

  /** A new tensor on the same storage, out of the graph. */
  detach(): Tensor {
    return this._onStorage(this.shape, this._strides, this._offset);
  }

  /** Detach in place: this tensor becomes a leaf that does not require grad. */
  detach_(): Tensor {
    if (this._viewMeta !== null) {
      throw new Error(
        "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for training, " +
        "and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence detach_() cannot be called " +
        "on these gradients. To fix this error, please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.",
      );
    }
    this.gradFn = null;
    if (this._autograd !== null) this._autograd.requiresGrad = false;
    return this;
  }

  requiresGrad_(flag = true): Tensor {
    flag = !!flag;
    if (this.gradFn !== null) {
      if (flag) return this;
      throw new Error(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable " +
        "in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
      );
    }
    if (flag && !isFloating(this.dtype)) throw new Error("only Tensors of floating point dtype can require gradients");
    if (flag) this._meta().requiresGrad = true;
    else if (this._autograd !== null) this._autograd.requiresGrad = false;
    return this;
  }

  retainGrad(): void {
    if (!this.requiresGrad) throw new Error("can't retain_grad on Tensor that has requires_grad=False");
    const gradFn = this.gradFn;
    if (gradFn === null || this._autograd!.retainsGrad) return;
    this._autograd!.retainsGrad = true;
    this._attachRetainHook(gradFn);
  }

  get retainsGrad(): boolean { const meta = this._autograd; return meta !== null && meta.retainsGrad; }

  registerHook(fn: TensorHook): { remove(): void } {
    if (!this.requiresGrad) throw new Error("cannot register a hook on a tensor that doesn't require gradient");
    const gradFn = this.gradFn;
    return gradFn !== null ? gradFn.addPreHook(fn, this._outputNr) : this._accumulator().addPreHook(fn);
  }

  // ---- elementwise ------------------------------------------------------------------------
  add(other: TensorOrScalar, opts?: { alpha?: number }): Tensor { return E.add(this, other, opts?.alpha); }
  sub(other: TensorOrScalar, opts?: { alpha?: number }): Tensor { return E.sub(this, other, opts?.alpha); }
  mul(other: TensorOrScalar): Tensor { return E.mul(this, other); }
  div(other: TensorOrScalar): Tensor { return E.div(this, other); }
  pow(exponent: TensorOrScalar): Tensor { return E.pow(this, exponent); }
  neg(): Tensor { return E.neg(this); }
  abs(): Tensor { return E.abs(this); }
  exp(): Tensor { return E.exp(this); }
  log(): Tensor { return E.log(this); }
  sqrt(): Tensor { return E.sqrt(this); }
  sin(): Tensor { return E.sin(this); }
  cos(): Tensor { return E.cos(this); }
  tanh(): Tensor { return E.tanh(this); }
  sigmoid(): Tensor { return E.sigmoid(this); }
  relu(): Tensor { return E.relu(this); }
  sign(): Tensor { return E.sign(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return E.clamp(this, min, max); }
  clip(min?: number | null, max?: number | null): Tensor { return E.clamp(this, min, max); }
  maximum(other: Tensor): Tensor { return E.maximum(this, other); }
  minimum(other: Tensor): Tensor { return E.minimum(this, other); }

  eq(other: TensorOrScalar): Tensor { return E.compare("eq", this, other); }
  ne(other: TensorOrScalar): Tensor { return E.compare("ne", this, other); }
  lt(other: TensorOrScalar): Tensor { return E.compare("lt", this, other); }
  le(other: TensorOrScalar): Tensor { return E.compare("le", this, other); }
  gt(other: TensorOrScalar): Tensor { return E.compare("gt", this, other); }
  ge(other: TensorOrScalar): Tensor { return E.compare("ge", this, other); }

  // ---- reductions -------------------------------------------------------------------------
  sum(dim?: DimArg, keepdim = false): Tensor { return R.sum(this, dim, keepdim); }
  mean(dim?: DimArg, keepdim = false): Tensor { return R.mean(this, dim, keepdim); }
  prod(dim?: number, keepdim = false): Tensor { return R.prod(this, dim, keepdim); }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): R.ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | R.ValuesIndices { return R.maxMin("max", this, dim, keepdim); }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): R.ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | R.ValuesIndices { return R.maxMin("min", this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return R.argMaxMin("max", this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return R.argMaxMin("min", this, dim, keepdim); }
  var(dim?: DimArg, keepdim = false): Tensor { return R.variance(this, dim, keepdim, false); }
  std(dim?: DimArg, keepdim = false): Tensor { return R.variance(this, dim, keepdim, true); }
  logsumexp(dim: DimArg, keepdim = false): Tensor { return R.logsumexp(this, dim, keepdim); }
  norm(p: number = 2, dim?: DimArg, keepdim = false): Tensor { return R.norm(this, p, dim, keepdim); }
  all(dim?: number, keepdim = false): Tensor { return R.allAny("all", this, dim, keepdim); }
  any(dim?: number, keepdim = false): Tensor { return R.allAny("any", this, dim, keepdim); }

  // ---- linear algebra ---------------------------------------------------------------------
  matmul(other: Tensor): Tensor { return L.matmul(this, other); }
  mm(other: Tensor): Tensor { return L.mm(this, other); }
  t(): Tensor { return M.t(this); }
  get T(): Tensor { return M.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); }

  // ---- shape ------------------------------------------------------------------------------
  reshape(...shape: (number | number[])[]): Tensor { return M.reshape(this, parseShapeArgs(shape).shape); }
  view(...shape: (number | number[])[]): Tensor { return M.view(this, parseShapeArgs(shape).shape); }
  transpose(dim0: number, dim1: number): Tensor { return M.transpose(this, dim0, dim1); }
  permute(...dims: (number | number[])[]): Tensor { return M.permute(this, parseShapeArgs(dims).shape); }
  unsqueeze(dim: number): Tensor { return M.unsqueeze(this, dim); }
  squeeze(dim?: number): Tensor { return M.squeeze(this, dim); }
  expand(...shape: (number | number[])[]): Tensor { return M.expand(this, parseShapeArgs(shape).shape); }
  expandAs(other: Tensor): Tensor { return M.expand(this, other.shape); }
  flatten(startDim = 0, endDim = -1): Tensor { return M.flatten(this, startDim, endDim); }
  contiguous(): Tensor { return M.contiguous(this); }
  clone(): Tensor { return M.clone(this); }
  index(...idx: IndexArg[]): Tensor { return M.index(this, idx); }
  to(dtype: DType): Tensor { return M.toDtype(this, dtype); }
  float(): Tensor { return M.toDtype(this, "float32"); }
  double(): Tensor { return M.toDtype(this, "float64"); }
  int(): Tensor { return M.toDtype(this, "int32"); }
  bool(): Tensor { return M.toDtype(this, "bool"); }

  // ---- nn math ----------------------------------------------------------------------------
  softmax(dim: number): Tensor { return N.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return N.logSoftmax(this, dim); }

  // ---- in place ---------------------------------------------------------------------------
  // add_/sub_ save nothing of self, so they need no copy of its old values (last argument)
  add_(other: TensorOrScalar, opts?: { alpha?: number }): Tensor { return I.inplace(this, (x) => E.add(x, other, opts?.alpha), false); }
  sub_(other: TensorOrScalar, opts?: { alpha?: number }): Tensor { return I.inplace(this, (x) => E.sub(x, other, opts?.alpha), false); }
  mul_(other: TensorOrScalar): Tensor { return I.inplace(this, (x) => E.mul(x, other)); }
  div_(other: TensorOrScalar): Tensor { return I.inplace(this, (x) => E.div(x, other)); }
  clamp_(min?: number | null, max?: number | null): Tensor { return I.inplace(this, (x) => E.clamp(x, min, max)); }
  zero_(): Tensor { return I.fill_(this, 0, true); }
  fill_(value: number | boolean): Tensor { return I.fill_(this, value); }
  copy_(src: Tensor): Tensor { return I.copy_(this, src); }
}

// console.log(t) in a browser shows PyTorch's text once DevTools' custom formatters are on
registerDevtoolsFormatter(Tensor, Node);

/**
 * A `.grad` the library made and that was replaced or whose tensor went away: freed at
 * once if nobody was ever given it (API.md, Memory); otherwise it becomes an ordinary
 * tensor of the current tidy scope (or of the GC), since the caller may still use it.
 */
function releaseGrad(old: Tensor): void {
  if (!old._libGrad || old._disposed) return;
  if (!old._handedOut) { old.dispose(); return; }
  old._kept = false;
  old._libGrad = false;
  trackInUserScope(old);
}

/** Make a contiguous tensor on a backend: zero-filled, or (zero false) for a kernel to overwrite whole. */
export function allocTensor(backend: Storage["backend"], dtype: DType, shape: number[], zero = true): Tensor {
  const n = numelOf(shape);
  const storage = Storage.allocate(backend, dtype, n, zero);
  return new Tensor(storage, shape, contiguousStrides(shape), 0);
}
