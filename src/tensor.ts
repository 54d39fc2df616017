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
import * as A from "./argcheck.js";
import * as X from "./ops/activations.js";
import * as S from "./ops/scans.js";
import * as G from "./ops/indexing.js";
import * as J from "./ops/joining.js";
import * as SAMPLE from "./sampling.js";


/**
 * A plain number or boolean operand. It takes part in type promotion as a Python scalar does in
 * PyTorch: it can raise a bool or int32 result to int32 or float32, but never widens a float tensor
 * (`float32 tensor + 1.5` stays float32).
 * @category Tensors
 */
export type Scalar = number | boolean;
/**
 * An operand of a binary op: a tensor, or a number/boolean broadcast like a 0-d tensor.
 * @category Tensors
 */
export type TensorOrScalar = Tensor | Scalar;
/**
 * One dimension's index for {@link Tensor.index}: a number (negative counts from the end) picks one
 * position and drops the dimension; `null` keeps the whole dimension; `[start, end]` or `[start,
 * end, step]` is a slice (`null` bounds are open, negative bounds count from the end, `step` > 0).
 * PyTorch's `x[i, :, a:b:s]`.
 * @category Tensors
 */
export type IndexArg = number | null | [number | null, number | null] | [number | null, number | null, number];
/**
 * The dimensions a reduction runs over: one dimension, an array of them (negative counts from the
 * end), or `undefined` for all of them.
 * @category Tensors
 */
export type DimArg = number | number[] | undefined;
/** What `tolist()` returns: nested arrays, one level per dimension (a bare value for a 0-d tensor). */
export type NestedList<T> = T | NestedList<T>[];

/**
 * A Tensor the type checker knows to hold bools: what comparisons (`eq`, `ne`, `lt`, `le`,
 * `gt`, `ge`), `all`, `any`, `bool()`, `to("bool")` and the factories given booleans or
 * `{ dtype: "bool" }` return, `torch.cat`/`stack` of bool tensors and `torch.where` between bool
 * tensors or booleans, kept by the methods that keep the dtype (views, `clone`,
 * `detach`...). It is the same runtime object as any Tensor (nothing here exists at run
 * time); the type only lets `item()` and `tolist()` say boolean. A bool tensor made another
 * way (e.g. `maskedFill` of a bool tensor, or a factory given a `DType` variable) is typed `Tensor`.
 */
export interface BoolTensor extends Tensor {
  readonly dtype: "bool";
  get data(): BoolTensor;
  set data(src: Tensor);
  detach(): BoolTensor;
  detach_(): BoolTensor;
  get T(): BoolTensor;
  t(): BoolTensor;
  reshape(...shape: (number | number[])[]): BoolTensor;
  view(...shape: (number | number[])[]): BoolTensor;
  transpose(dim0: number, dim1: number): BoolTensor;
  permute(...dims: (number | number[])[]): BoolTensor;
  unsqueeze(dim: number): BoolTensor;
  squeeze(dim?: number): BoolTensor;
  expand(...shape: (number | number[])[]): BoolTensor;
  expandAs(other: Tensor): BoolTensor;
  flatten(startDim?: number, endDim?: number): BoolTensor;
  contiguous(): BoolTensor;
  clone(): BoolTensor;
  index(...idx: (IndexArg | Tensor)[]): BoolTensor;
  zero_(): BoolTensor;
  fill_(value: number | boolean): BoolTensor;
  copy_(src: Tensor): BoolTensor;
}

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

const ALPHA = { alpha: "number" } as const;
const BACKWARD_OPTIONS = { retainGraph: "bool", createGraph: "bool", inputs: "any" } as const;

/** `clamp(min, max)`: numbers, `null` or `undefined`, at least one given (PyTorch's message). */
function checkBounds(fn: string, min: unknown, max: unknown): void {
  A.checkOptionalNumber(fn, "min", 1, min);
  A.checkOptionalNumber(fn, "max", 2, max);
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  }
}

const SOFTPLUS_OPTIONS = { beta: "number", threshold: "number" } as const;

/** split's size: an integer or an array of integers. */
function checkSplitSizes(x: unknown): void {
  if (typeof x === "number" && Number.isInteger(x)) return;
  if (Array.isArray(x) && x.every((v) => typeof v === "number" && Number.isInteger(v))) return;
  throw A.argError("split", "split_size", 1, "int or list of ints", x);
}

/** An integer or an array of integers, as an array (roll's shifts and dims). */
function intList(fn: string, name: string, position: number, x: unknown): number[] {
  if (typeof x === "number" && Number.isInteger(x)) return [x];
  if (Array.isArray(x) && x.every((v) => typeof v === "number" && Number.isInteger(v))) return x as number[];
  throw A.argError(fn, name, position, "int or tuple of ints", x);
}

/** `expand` sizes: -1 keeps a dimension; any other negative size is refused. */
function expandSizes(sizes: number[]): number[] {
  for (const d of sizes) {
    if (d < -1) throw new Error(`expand(): the desired size must be non-negative, or -1 to keep a dimension's size, but got ${d} in [${sizes.join(", ")}]`);
  }
  return sizes;
}

/** `fill_`'s value: a number, a boolean or a 0-d tensor (PyTorch's messages otherwise). */
function fillValue(v: unknown): number | boolean {
  if (typeof v === "number" || typeof v === "boolean") return v;
  if (v instanceof Tensor) {
    if (v.ndim !== 0) throw new Error(`fill_ only supports 0-dimension value tensor but got tensor with ${v.ndim} dimensions.`);
    return v.item();
  }
  throw A.argError("fill_", "value", 1, "Number", v);
}

const BAD_INDEX = "only integers, slices (`[start, end, step]`), null and long or byte tensors are valid indices";
/** `index(...)` arguments: integers, `null`/`undefined`, or `[start, end]`/`[start, end, step]` slices with step > 0. */
function checkIndices(idx: readonly unknown[]): void {
  const bound = (b: unknown) => b === null || b === undefined || (typeof b === "number" && Number.isInteger(b));
  for (const a of idx) {
    if (a === null || a === undefined || (typeof a === "number" && Number.isInteger(a))) continue;
    if (Array.isArray(a) && (a.length === 2 || a.length === 3)) {
      if (!bound(a[0]) || !bound(a[1]) || (a.length === 3 && !bound(a[2]))) {
        throw new TypeError(`slice indices must be integers or null, got [${a.map(A.show).join(", ")}]`);
      }
      if (a.length === 3 && typeof a[2] === "number" && a[2] <= 0) throw new Error("step must be greater than zero");
      continue;
    }
    throw new TypeError(`${BAD_INDEX} (got ${A.show(a)})`);
  }
}

/** `size(dim)`/`stride(dim)`: a 0-d tensor has no dimension to name (PyTorch's wrap_scalar=false). */
function sizeDim(fn: string, dim: unknown, ndim: number): number {
  A.checkInt(fn, "dim", 1, dim);
  if (ndim === 0) throw new Error(`Dimension specified as ${dim} but tensor has no dimensions`);
  return normDim(dim, ndim);
}

/**
 * An n-dimensional array with PyTorch's autograd: a strided view over storage on the `"wasm"` or
 * `"js"` backend.
 *
 * Make tensors with {@link tensor}, {@link zeros}, {@link randn} and the other creation functions,
 * not with `new`. Ops return new tensors; methods ending in `_` change the tensor in place. Views
 * (`view`, `transpose`, `index`, `detach`, ...) share storage with their base, as in PyTorch.
 *
 * @example
 * ```ts
 * const x = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.mul(x).sum();
 * y.backward();
 * String(x.grad); // "tensor([[2., 4.],\n        [6., 8.]])"
 * ```
 * @category Tensors
 */
export class Tensor {
  /**
   * The size of each dimension (PyTorch's `x.shape`, as a plain array). Do not modify it; `size()`
   * returns a copy.
   */
  // Fields are assigned in the constructor, in this order (the compiler's class fields are plain
  // assignments, tsconfig.json): a browser console's preview shows the first own fields, shape
  // first (docs/guides/browser.md).
  readonly shape: number[];
  /** @internal */
  _storage: Storage;
  /** @internal PyTorch's version counter: shared by views and detach(), new for `.data` and fresh storage. */
  _version: { n: number };
  /** @internal */
  _strides: number[];
  /** @internal */
  _offset: number;
  /** @internal The node that made this tensor (see gradFn). A field of its own, not in _autograd:
   *  every recorded op sets it, and making that record per output cost a recorded 4-element add
   *  1-2% more instructions, a mul 4-6% (bench/instructions.js). */
  _gradFn: Node | null;
  /** @internal requiresGrad, grad, output number, hooks: made on first need (null on a tensor outside autograd). */
  _autograd: AutogradMeta | null;
  /** @internal A view's base, version and how it was made: made by `_view` (null on a tensor that is no view). */
  _viewMeta: ViewMeta | null;
  /** @internal For the alias a graph node saved (its storage reference is returned by its node, storage.ts): its record. */
  _savedAs: SavedTensor | null;
  /** @internal */
  _disposed: boolean;
  /** @internal */
  _kept: boolean;
  /** @internal This tensor is a `.grad` the library created (freed eagerly when replaced). */
  _libGrad: boolean;
  /** @internal This tensor was returned by a `.grad` getter: someone may hold it. */
  _handedOut: boolean;

  /** @internal */
  constructor(storage: Storage, shape: number[], strides: number[], offset: number, alias = false, version: { n: number } = { n: 0 }) {
    this.shape = shape;
    this._storage = storage;
    this._version = version; // a view's or alias's is its base's (no counter made to be replaced)
    this._strides = strides;
    this._offset = offset;
    this._gradFn = null;
    this._autograd = null;
    this._viewMeta = null;
    this._savedAs = null;
    this._disposed = false;
    this._kept = false;
    this._libGrad = false;
    this._handedOut = false;
    if (!alias) { // a saved alias (see _savedAs) is neither counted nor tracked
      storage.countTensor(1);
      if (!trackInScope(this)) storage.watch();
    }
  }

  // ---- properties -------------------------------------------------------------------------
  /** The element type: `"float32"`, `"float64"`, `"int32"` or `"bool"`. */
  get dtype(): DType { return this._storage.dtype; }
  /** The number of dimensions (`shape.length`). */
  get ndim(): number { return this.shape.length; }
  /**
   * Whether this tensor has no `gradFn`: made by the user (or detached) rather than by a recorded
   * op. Only leaves get `.grad` filled by `backward()` (PyTorch's `is_leaf`).
   */
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
    return this._gradFn;
  }
  /** @internal */
  set gradFn(node: Node | null) {
    const view = this._viewMeta;
    if (view !== null) view.version = this._version.n;
    this._gradFn = node;
    const meta = this._autograd;
    if (meta === null) return;
    meta.outputNr = 0; // a multi-output node's maker sets the number after this
    const retain = meta.retainHook;
    if (retain !== null && retain.node !== node) {
      // PyTorch moves retain_grad to the tensor's new grad_fn after an in-place op
      retain.remove();
      meta.retainHook = null;
      if (node !== null) this._attachRetainHook(node);
    }
  }

  /** @internal The autograd record, made on first need. */
  _meta(): AutogradMeta { return (this._autograd ??= new AutogradMeta()); }

  /** @internal */
  get _requiresGrad(): boolean { const meta = this._autograd; return meta !== null && meta.requiresGrad; }

  /** @internal Which output of its gradFn this tensor is (PyTorch's output_nr; 0 but for a multi-output node). */
  get _outputNr(): number { const meta = this._autograd; return meta === null ? 0 : meta.outputNr; }
  /** @internal */
  set _outputNr(nr: number) { if (nr !== 0 || this._autograd !== null) this._meta().outputNr = nr; }

  /** @internal */
  _attachRetainHook(node: Node): void {
    const handle = node.addPreHook((g) => { this._accumulateGrad(g, isGradEnabled(), true); }, this._outputNr);
    this._meta().retainHook = { node, remove: handle.remove };
  }
  /**
   * Whether `dispose()` was called (directly, or by `tidy`/`dispose`). Using a disposed tensor
   * throws `tensor was disposed`.
   */
  get isDisposed(): boolean { return this._disposed; }
  /**
   * The backend holding this tensor's storage: `"wasm"` or `"js"` (the one that was current when it
   * was made; see {@link setBackend}).
   */
  get backendName(): "js" | "wasm" { return this._storage.backend.name; }

  /**
   * Whether ops on this tensor are recorded for autograd (PyTorch's `requires_grad`). True for a
   * leaf marked with `requiresGrad_()` and for results of recorded ops. Setting it is
   * `requiresGrad_(flag)`: only on leaves, and only floating tensors can require grad.
   */
  get requiresGrad(): boolean {
    if (this._requiresGrad || this.gradFn !== null) return true;
    // a view made under noGrad still reports its base's requires_grad (PyTorch)
    const view = this._viewMeta;
    return view !== null && view.madeInNoGrad && view.base.requiresGrad;
  }
  /** Same as `requiresGrad_(flag)`: leaves only, floating dtypes only. */
  set requiresGrad(flag: boolean) { this.requiresGrad_(flag); }

  /**
   * The accumulated gradient, filled by `backward()` on leaves (and on tensors that called
   * `retainGrad()`); `null` until then. Returns the stored tensor itself, not a copy.
   *
   * Assigning sets it (`x.grad = null` clears it); the assigned tensor must have this tensor's
   * dtype and shape, else it throws PyTorch's `assigned grad has data of a different type` / `...
   * of a different size`; assigning the tensor itself throws `can't assign Variable as its own
   * grad`, anything but a Tensor or `null` a `TypeError`.
   */
  get grad(): Tensor | null {
    const g = this._liveGrad();
    if (g !== null) g._handedOut = true;
    return g;
  }
  /** Replace the gradient (`null` clears it); a tensor of this tensor's dtype and shape. */
  set grad(g: Tensor | null) {
    if (g !== null && g !== undefined) {
      // PyTorch's THPVariable_set_grad, in its order
      if (!(g instanceof Tensor)) throw new TypeError(`assigned grad expected to be a Tensor or None but got grad of type ${A.kindOf(g)}`);
      if (g === this) throw new Error("can't assign Variable as its own grad");
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

  /** @internal The installed grad, or null. A grad its holder disposed is dropped: it reads as null
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
  /**
   * Make this tensor use `src`'s storage, shape and layout, keeping its own autograd identity
   * (PyTorch's `x.data = src`). Changes made this way are not seen by autograd.
   */
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
  /** The number of elements (the product of `shape`; 1 for a 0-d tensor). */
  numel(): number { return numelOf(this.shape); }
  /** The shape, as a new array (PyTorch's `x.size()`). */
  size(): number[];
  /** The size of dimension `dim` (negative counts from the end). Throws when `dim` is out of range. */
  size(dim: number): number;
  size(dim?: number): number[] | number {
    return dim === undefined ? this.shape.slice() : this.shape[sizeDim("size", dim, this.ndim)]!;
  }
  /** The number of dimensions (same as `ndim`). */
  dim(): number { return this.ndim; }
  /**
   * The stride of each dimension, in elements: how far apart neighbours along that dimension are in
   * storage.
   */
  stride(): number[];
  /** The stride of dimension `dim`, in elements (negative counts from the end). */
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    return dim === undefined ? this._strides.slice() : this._strides[sizeDim("stride", dim, this.ndim)]!;
  }
  /**
   * Whether the elements are laid out densely in row-major order (PyTorch's `is_contiguous()`).
   * Transposed and sliced views usually are not.
   */
  isContiguous(): boolean { return isContiguous(this.shape, this._strides); }

  /** A row-major copy of the elements: Float32Array, Float64Array, Int32Array, or Uint8Array (bool). */
  toArray(): TypedArray {
    this._assertLive();
    const be = this._storage.backend, n = this.numel();
    if (this.isContiguous()) return be.read(this._storage.readHandle, this.dtype, this._offset, n);
    const c = M.contiguousRaw(this);
    try { return be.read(c._storage.handle, this.dtype, 0, n); } finally { c.dispose(); }
  }

  /**
   * The value of a one-element tensor: a boolean for a bool tensor (as PyTorch's `item()`),
   * a number for the others. Typed `boolean` on a `BoolTensor` and `number` on any other
   * Tensor, so `x.sum().item() < 1000` needs no cast; a bool tensor the types do not know
   * as one (see BoolTensor) still returns a boolean: check `t.dtype === "bool"` there.
   * Throws `a Tensor with N elements cannot be converted to Scalar` for more than one element.
   */
  item(this: BoolTensor): boolean;
  item(): number;
  item(): number | boolean {
    if (this.numel() !== 1) {
      throw new Error(`a Tensor with ${this.numel()} elements cannot be converted to Scalar`);
    }
    const v = this.toArray()[0]!;
    return this.dtype === "bool" ? v !== 0 : v;
  }

  /**
   * The elements as nested arrays, shaped like the tensor (a bare value for a 0-d tensor):
   * booleans for a bool tensor, numbers otherwise, typed as `item()` is.
   */
  tolist(this: BoolTensor): NestedList<boolean>;
  tolist(): NestedList<number>;
  tolist(): NestedList<number | boolean> {
    const flat = this.toArray();
    const isBool = this.dtype === "bool";
    const conv = (v: number): number | boolean => (isBool ? v !== 0 : v);
    if (this.ndim === 0) return conv(flat[0]!);
    let pos = 0;
    const build = (d: number): NestedList<number | boolean>[] => {
      const out: NestedList<number | boolean>[] = [];
      for (let i = 0; i < this.shape[d]!; i++) out.push(d === this.ndim - 1 ? conv(flat[pos++]!) : build(d + 1));
      return out;
    };
    return build(0);
  }

  /**
   * `{ shape, dtype, data }` with `data` the row-major elements as plain numbers, so
   * `JSON.stringify(t)` works. {@link nn.Module.loadStateDict} accepts this form back.
   */
  toJSON(): {
    /** The shape. */
    shape: number[];
    /** The dtype. */
    dtype: DType;
    /** The elements in row-major order (bool as 0 and 1). */
    data: number[];
  } {
    return { shape: this.shape.slice(), dtype: this.dtype, data: Array.from(this.toArray()) };
  }

  /**
   * What PyTorch's `print(t)` shows, e.g. `tensor([[1., 1.],\n        [1., 1.]],
   * requires_grad=True)` or `tensor(27., grad_fn=<MeanBackward0>)`: precision 4, summarised past
   * 1000 elements, a `dtype=` suffix where PyTorch prints one. `console.log(t)` in Node prints the
   * same.
   */
  toString(): string {
    if (this._disposed) return "tensor(<disposed>)";
    const suffixes: string[] = [];
    if (this.gradFn !== null) suffixes.push(`grad_fn=<${this.gradFn.name()}>`);
    else if (this._requiresGrad) suffixes.push("requires_grad=True");
    return formatTensor(this.toArray(), this.shape, this.dtype, suffixes);
  }

  /** @internal What Node's `util.inspect` (and so `console.log`) prints: `toString()`. */
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

  /** @internal */
  _leftScopes(): void { this._storage.watch(); }

  /** @internal */
  _assertLive(): void {
    if (this._disposed) throw new Error("tensor was disposed");
  }

  /** @internal A view's base tensor (for PyTorch's in-place-on-a-view-of-a-leaf check); null for a tensor that is no view. */
  get _base(): Tensor | null { const view = this._viewMeta; return view === null ? null : view.base; }

  /** @internal A new tensor object on the same storage, a view of this one for autograd. */
  _view(shape: number[], strides: number[], offset: number): Tensor {
    const t = this._onStorage(shape, strides, offset);
    const noGradMode = !isGradEnabled();
    const creation = noGradMode ? CreationMeta.NO_GRAD_MODE : CreationMeta.DEFAULT;
    t._viewMeta = new ViewMeta(this._base ?? this, this._version.n, creation, noGradMode);
    return t;
  }

  /** @internal A new tensor object on the same storage and version counter that is no view
   *  for autograd (detach(), or an op's result re-shaped before it is handed out). */
  _onStorage(shape: number[], strides: number[], offset: number): Tensor {
    this._assertLive();
    return new Tensor(this._storage.retain(), shape, strides, offset, false, this._version);
  }

  /** @internal What a graph node saves (`saved`'s alias): same storage and autograd identity,
   *  not user-visible; an alias of a leaf hands its gradients to the leaf's accumulator. */
  _alias(saved: SavedTensor): Tensor {
    this._assertLive();
    const t = new Tensor(this._storage.retain(), this.shape, this._strides, this._offset, true, this._version);
    t._savedAs = saved;
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

  /** @internal A 1-D tensor viewed as a row or column ([1, n] or [n, 1]), outside autograd. */
  _viewNoGrad(shape: number[]): Tensor {
    const s = this._strides[0] ?? 1;
    return this._view(shape, shape.map((d) => (d === 1 ? 0 : s)), this._offset);
  }

  // ---- autograd ---------------------------------------------------------------------------
  /** @internal The AccumulateGrad node of this leaf (made once, on first use). */
  _accumulator(): AccumulateGrad {
    const meta = this._meta();
    return (meta.acc ??= new AccumulateGrad(this));
  }

  /** @internal Add `g` into `.grad` (called by the engine on leaves and on retained non-leaves). */
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

  /**
   * Compute the gradient of this tensor with respect to the graph leaves and add it into their
   * `.grad` (PyTorch's `backward`).
   *
   * @param gradient - The gradient of some final value with respect to this tensor, of this
   *   tensor's shape. Omit it (or pass `null`/`undefined`) for a one-element tensor: ones are used.
   *   Otherwise throws `grad can be implicitly created only for scalar outputs`.
   * @param opts - `retainGraph`: keep the graph's saved tensors so `backward` can run through it
   *   again (default: `createGraph`). `createGraph`: record the backward pass itself, for
   *   higher-order gradients (default false). `inputs`: accumulate only into these tensors'
   *   `.grad`.
   * @throws `element 0 of tensors does not require grad and does not have a grad_fn` when this
   *   tensor does not require grad; `Trying to backward through the graph a second time` when the
   *   graph was already freed by an earlier backward without `retainGraph`.
   * @example
   * ```ts
   * const x = torch.ones(2, 2, { requiresGrad: true });
   * x.mul(3).sum().backward();
   * x.grad; // tensor([[3., 3.], [3., 3.]])
   * ```
   */
  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] } = {}): void {
    A.checkOptions("backward", opts, BACKWARD_OPTIONS);
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

  /**
   * Set `requiresGrad` on this leaf in place and return this tensor (PyTorch's `requires_grad_`).
   *
   * @param flag - true (default) to start recording ops on this tensor, false to stop.
   * @throws `only Tensors of floating point dtype can require gradients` for an int32 or bool
   *   tensor; `you can only change requires_grad flags of leaf variables` when turning it off on a
   *   non-leaf.
   */
  requiresGrad_(flag = true): Tensor {
    A.checkBool("requires_grad_", "requires_grad", 1, flag);
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

  /**
   * Make `backward()` fill `.grad` for this non-leaf tensor too (PyTorch's `retain_grad`). No
   * effect on a leaf.
   *
   * @throws `can't retain_grad on Tensor that has requires_grad=False`.
   */
  retainGrad(): void {
    if (!this.requiresGrad) throw new Error("can't retain_grad on Tensor that has requires_grad=False");
    const gradFn = this.gradFn;
    if (gradFn === null) return;
    const meta = this._meta();
    if (meta.retainsGrad) return;
    meta.retainsGrad = true;
    this._attachRetainHook(gradFn);
  }

  /** Whether `retainGrad()` was called on this non-leaf (PyTorch's `retains_grad`). */
  get retainsGrad(): boolean { const meta = this._autograd; return meta !== null && meta.retainsGrad; }

  /**
   * Register `fn` to run on this tensor's gradient during backward (PyTorch's `register_hook`). If
   * `fn` returns a tensor, it replaces the gradient.
   *
   * `fn` runs inside the backward pass and must be synchronous; it may return nothing, or a tensor
   * of the gradient's dtype and shape.
   *
   * @returns A handle whose `remove()` unregisters the hook.
   * @throws `cannot register a hook on a tensor that doesn't require gradient`; `TypeError` for an
   *   async `fn`. The backward pass throws when the hook returns a Promise or another non-tensor
   *   (`expected Variable, but hook returned 'int'`), or a tensor of another dtype or shape
   *   (`hook 'fn' has changed the size of value`).
   */
  registerHook(fn: TensorHook): {
    /** Unregister the hook. */
    remove(): void;
  } {
    A.checkFunction("register_hook", "hook", 1, fn);
    if (!this.requiresGrad) throw new Error("cannot register a hook on a tensor that doesn't require gradient");
    const gradFn = this.gradFn;
    return gradFn !== null ? gradFn.addPreHook(fn, this._outputNr) : this._accumulator().addPreHook(fn);
  }

  // ---- elementwise ------------------------------------------------------------------------
  /**
   * `this + alpha * other`, elementwise with broadcasting and PyTorch's type promotion.
   *
   * @param other - A tensor (broadcast against this one) or a number.
   * @param opts - `alpha`: multiplier of `other` (default 1).
   * @throws When the shapes cannot be broadcast: `The size of tensor a (3) must match the size of
   *   tensor b (4) at non-singleton dimension 1`.
   */
  add(other: TensorOrScalar, opts?: { alpha?: number }): Tensor { A.checkTensorOrScalar("add", "other", 1, other); A.checkOptions("add", opts, ALPHA); return E.add(this, other, opts?.alpha); }
  /**
   * `this - alpha * other`, elementwise with broadcasting.
   *
   * @param opts - `alpha`: multiplier of `other` (default 1).
   * @throws For two bool operands (PyTorch's error), and when the shapes cannot be broadcast.
   */
  sub(other: TensorOrScalar, opts?: { alpha?: number }): Tensor { A.checkTensorOrScalar("sub", "other", 1, other); A.checkOptions("sub", opts, ALPHA); return E.sub(this, other, opts?.alpha); }
  /** `this * other`, elementwise with broadcasting. */
  mul(other: TensorOrScalar): Tensor { A.checkTensorOrScalar("mul", "other", 1, other); return E.mul(this, other); }
  /**
   * `this / other`, elementwise with broadcasting. True division: integer and bool operands give a
   * float32 result.
   */
  div(other: TensorOrScalar): Tensor { A.checkTensorOrScalar("div", "other", 1, other); return E.div(this, other); }
  /**
   * `this ** exponent`, elementwise with broadcasting; the exponent is a number or a tensor.
   *
   * @throws `Integers to negative integer powers are not allowed.` for an integer tensor and a
   *   negative number.
   */
  pow(exponent: TensorOrScalar): Tensor { A.checkTensorOrScalar("pow", "exponent", 1, exponent); return E.pow(this, exponent); }
  /** `-this`, elementwise. Throws for a bool tensor. */
  neg(): Tensor { return E.neg(this); }
  /** The absolute value, elementwise. Throws for a bool tensor. */
  abs(): Tensor { return E.abs(this); }
  /** `e ** x`, elementwise (integer and bool inputs give float32). */
  exp(): Tensor { return E.exp(this); }
  /** The natural logarithm, elementwise (integer and bool inputs give float32). */
  log(): Tensor { return E.log(this); }
  /** The square root, elementwise (integer and bool inputs give float32). */
  sqrt(): Tensor { return E.sqrt(this); }
  /** The sine, elementwise (integer and bool inputs give float32). */
  sin(): Tensor { return E.sin(this); }
  /** The cosine, elementwise (integer and bool inputs give float32). */
  cos(): Tensor { return E.cos(this); }
  /** The hyperbolic tangent, elementwise (integer and bool inputs give float32). */
  tanh(): Tensor { return E.tanh(this); }
  /** The logistic sigmoid `1 / (1 + e ** -x)`, elementwise (integer and bool inputs give float32). */
  sigmoid(): Tensor { return E.sigmoid(this); }
  /** `max(x, 0)`, elementwise. Throws for a bool tensor. */
  relu(): Tensor { return E.relu(this); }
  /** -1, 0 or 1 by the sign of each element. */
  sign(): Tensor { return E.sign(this); }
  /**
   * `log(1 + x)`, elementwise, accurate for small `x` (integer and bool inputs give float32).
   * @example
   * ```ts
   * torch.tensor([1e-8]).log1p(); // tensor([1.0000e-08])
   * ```
   */
  log1p(): Tensor { return X.log1p(this); }
  /** `e ** x - 1`, elementwise, accurate for small `x` (integer and bool inputs give float32). */
  expm1(): Tensor { return X.expm1(this); }
  /** `1 / sqrt(x)`, elementwise (integer and bool inputs give float32). */
  rsqrt(): Tensor { return X.rsqrt(this); }
  /** `1 / x`, elementwise (integer and bool inputs give float32). */
  reciprocal(): Tensor { return X.reciprocal(this); }
  /** `x * x`, elementwise; recorded as PyTorch records it, `pow(x, 2)` (a bool tensor gives int32). */
  square(): Tensor { return X.square(this); }
  /** The error function, elementwise (integer and bool inputs give float32). */
  erf(): Tensor { return X.erf(this); }
  /**
   * The largest integer not above each element. An int32 tensor comes back as a copy; a bool tensor
   * throws. The gradient is zero, as in PyTorch.
   */
  floor(): Tensor { return X.rounding("floor", this); }
  /** The smallest integer not below each element. Same dtypes and gradient as {@link Tensor.floor}. */
  ceil(): Tensor { return X.rounding("ceil", this); }
  /**
   * Each element rounded to the nearest integer, halves to the even one (`round(2.5)` is 2), as
   * PyTorch. Same dtypes and gradient as {@link Tensor.floor}.
   */
  round(): Tensor { return X.rounding("round", this); }
  /** Each element rounded toward zero. Same dtypes and gradient as {@link Tensor.floor}. */
  trunc(): Tensor { return X.rounding("trunc", this); }
  /**
   * The angle of the point `(other, this)`: `atan2(this, other)` elementwise, with broadcasting, in
   * `(-pi, pi]`. Integer and bool operands give float32.
   */
  atan2(other: Tensor): Tensor { A.checkTensor("atan2", "other", 1, other); return X.atan2(this, other); }
  /**
   * Linear interpolation `this + weight * (end - this)`, elementwise with broadcasting, computed as
   * PyTorch does so that `weight` 0 and 1 give `this` and `end` exactly.
   *
   * @param end - A tensor of this tensor's dtype.
   * @param weight - A number, or a tensor of this tensor's dtype.
   * @throws `expected dtype float for \`end\` but got dtype double` when the dtypes differ.
   */
  lerp(end: Tensor, weight: TensorOrScalar): Tensor {
    A.checkTensor("lerp", "end", 1, end);
    A.checkTensorOrScalar("lerp", "weight", 2, weight);
    return X.lerp(this, end, typeof weight === "boolean" ? +weight : weight);
  }
  /**
   * This tensor with `value` where `mask` is true (PyTorch's `masked_fill`). The result has the
   * broadcast shape of this tensor and `mask`, and this tensor's dtype.
   *
   * @param mask - A bool tensor, broadcast against this one.
   * @param value - A number, or a 0-d tensor (whose gradient is the sum of the gradient where
   *   `mask` is true).
   * @throws `masked_fill_ only supports boolean masks...` for a mask that is not bool.
   * @example
   * ```ts
   * const scores = torch.randn(4, 4);
   * scores.maskedFill(torch.ones(4, 4).triu(1).bool(), -Infinity); // a causal mask
   * ```
   */
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    A.checkTensor("masked_fill", "mask", 1, mask);
    A.checkTensorOrScalar("masked_fill", "value", 2, value);
    return X.maskedFill(this, mask, value);
  }
  /**
   * Limit each element to `[min, max]`. Pass `null` or `undefined` to leave one side open
   * (`clamp(undefined, 1)`); a NaN bound is ignored.
   *
   * @throws `torch.clamp: At least one of 'min' or 'max' must not be None` when both are missing.
   */
  clamp(min?: number | null, max?: number | null): Tensor { checkBounds("clamp", min, max); return E.clamp(this, min, max); }
  /** Alias of {@link Tensor.clamp} (PyTorch's `clip`). */
  clip(min?: number | null, max?: number | null): Tensor { checkBounds("clip", min, max); return E.clamp(this, min, max); }
  /**
   * The larger of the two tensors, elementwise with broadcasting. On ties the gradient is split
   * evenly.
   */
  maximum(other: Tensor): Tensor { A.checkTensor("maximum", "other", 1, other); return E.maximum(this, other); }
  /**
   * The smaller of the two tensors, elementwise with broadcasting. On ties the gradient is split
   * evenly.
   */
  minimum(other: Tensor): Tensor { A.checkTensor("minimum", "other", 1, other); return E.minimum(this, other); }

  /** `this == other`, elementwise with broadcasting: a bool tensor, never differentiable. */
  eq(other: TensorOrScalar): BoolTensor { A.checkTensorOrScalar("eq", "other", 1, other); return E.compare("eq", this, other) as BoolTensor; }
  /** `this != other`, elementwise with broadcasting: a bool tensor. */
  ne(other: TensorOrScalar): BoolTensor { A.checkTensorOrScalar("ne", "other", 1, other); return E.compare("ne", this, other) as BoolTensor; }
  /** `this < other`, elementwise with broadcasting: a bool tensor. */
  lt(other: TensorOrScalar): BoolTensor { A.checkTensorOrScalar("lt", "other", 1, other); return E.compare("lt", this, other) as BoolTensor; }
  /** `this <= other`, elementwise with broadcasting: a bool tensor. */
  le(other: TensorOrScalar): BoolTensor { A.checkTensorOrScalar("le", "other", 1, other); return E.compare("le", this, other) as BoolTensor; }
  /** `this > other`, elementwise with broadcasting: a bool tensor. */
  gt(other: TensorOrScalar): BoolTensor { A.checkTensorOrScalar("gt", "other", 1, other); return E.compare("gt", this, other) as BoolTensor; }
  /** `this >= other`, elementwise with broadcasting: a bool tensor. */
  ge(other: TensorOrScalar): BoolTensor { A.checkTensorOrScalar("ge", "other", 1, other); return E.compare("ge", this, other) as BoolTensor; }

  // ---- reductions -------------------------------------------------------------------------
  /**
   * The sum over all elements, or over `dim`.
   *
   * @param dim - A dimension or an array of them (negative counts from the end); all when omitted.
   * @param keepdim - Keep the reduced dimensions with size 1 (default false).
   * @returns A bool tensor sums to int32 (PyTorch: int64); other dtypes keep theirs.
   * @example
   * ```ts
   * torch.tensor([[1, 2], [3, 4]]).sum(1); // tensor([3., 7.])
   * ```
   */
  sum(dim?: DimArg, keepdim = false): Tensor { A.checkDims("sum", dim); A.checkOptionalBool("sum", "keepdim", 2, keepdim); return R.sum(this, dim, keepdim); }
  /**
   * The mean over all elements, or over `dim` (see {@link Tensor.sum} for `dim` and `keepdim`).
   *
   * @throws For an int32 or bool tensor (`mean(): could not infer output dtype...`), as PyTorch.
   */
  mean(dim?: DimArg, keepdim = false): Tensor { A.checkDims("mean", dim); A.checkOptionalBool("mean", "keepdim", 2, keepdim); return R.mean(this, dim, keepdim); }
  /** The product over all elements, or over the single dimension `dim`. */
  prod(dim?: number, keepdim = false): Tensor { A.checkOptionalDim("prod", dim); A.checkOptionalBool("prod", "keepdim", 2, keepdim); return R.prod(this, dim, keepdim); }
  /**
   * The largest element, as a 0-d tensor. On ties the gradient is split evenly. Throws for an empty
   * tensor.
   */
  max(): Tensor;
  /**
   * The largest values along `dim` and their positions.
   *
   * @returns `{ values, indices }` (indices int32), which also destructures as `[values, indices]`.
   * @example
   * ```ts
   * const { values, indices } = x.max(1);
   * const [v, i] = x.max(1);
   * ```
   */
  max(dim: number, keepdim?: boolean): R.ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | R.ValuesIndices { A.checkOptionalDim("max", dim); A.checkOptionalBool("max", "keepdim", 2, keepdim); return R.maxMin("max", this, dim, keepdim); }
  /**
   * The smallest element, as a 0-d tensor. On ties the gradient is split evenly. Throws for an
   * empty tensor.
   */
  min(): Tensor;
  /**
   * The smallest values along `dim` and their positions: `{ values, indices }`, which also
   * destructures as `[values, indices]`.
   */
  min(dim: number, keepdim?: boolean): R.ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | R.ValuesIndices { A.checkOptionalDim("min", dim); A.checkOptionalBool("min", "keepdim", 2, keepdim); return R.maxMin("min", this, dim, keepdim); }
  /**
   * The int32 index of the largest element: of the flattened tensor when `dim` is omitted, else
   * along `dim`. Throws for a bool tensor.
   */
  argmax(dim?: number, keepdim = false): Tensor { A.checkOptionalDim("argmax", dim); A.checkOptionalBool("argmax", "keepdim", 2, keepdim); return R.argMaxMin("max", this, dim, keepdim); }
  /**
   * The int32 index of the smallest element: of the flattened tensor when `dim` is omitted, else
   * along `dim`. Throws for a bool tensor.
   */
  argmin(dim?: number, keepdim = false): Tensor { A.checkOptionalDim("argmin", dim); A.checkOptionalBool("argmin", "keepdim", 2, keepdim); return R.argMaxMin("min", this, dim, keepdim); }
  /** The unbiased variance (divides by N - 1) over all elements or `dim`. Floating tensors only. */
  var(dim?: DimArg, keepdim = false): Tensor { A.checkDims("var", dim); A.checkOptionalBool("var", "keepdim", 2, keepdim); return R.variance(this, dim, keepdim, false); }
  /** The unbiased standard deviation (N - 1) over all elements or `dim`. Floating tensors only. */
  std(dim?: DimArg, keepdim = false): Tensor { A.checkDims("std", dim); A.checkOptionalBool("std", "keepdim", 2, keepdim); return R.variance(this, dim, keepdim, true); }
  /** `log(sum(exp(x)))` over `dim`, computed stably. Integer and bool inputs give float32. */
  logsumexp(dim: DimArg, keepdim = false): Tensor { A.checkDims("logsumexp", dim); A.checkOptionalBool("logsumexp", "keepdim", 2, keepdim); return R.logsumexp(this, dim, keepdim); }
  /**
   * The p-norm over all elements, or over `dim`.
   *
   * @param p - The order: 2 (default), 1, any other number, `Infinity` (largest absolute value),
   *   `-Infinity`, or 0 (count of non-zeros).
   * @throws For an int32 or bool tensor, as PyTorch.
   */
  norm(p: number = 2, dim?: DimArg, keepdim = false): Tensor { A.checkNumber("norm", "p", 1, p); A.checkDims("norm", dim, 2); A.checkOptionalBool("norm", "keepdim", 3, keepdim); return R.norm(this, p, dim, keepdim); }
  /** Whether every element is non-zero (true): a bool tensor, over all elements or along `dim`. */
  all(dim?: number, keepdim = false): BoolTensor { A.checkOptionalDim("all", dim); A.checkOptionalBool("all", "keepdim", 2, keepdim); return R.allAny("all", this, dim, keepdim) as BoolTensor; }
  /** Whether some element is non-zero (true): a bool tensor, over all elements or along `dim`. */
  any(dim?: number, keepdim = false): BoolTensor { A.checkOptionalDim("any", dim); A.checkOptionalBool("any", "keepdim", 2, keepdim); return R.allAny("any", this, dim, keepdim) as BoolTensor; }

  /**
   * The running sum along `dim`: element i is the sum of elements 0..i. int32 and bool tensors give
   * int32 (PyTorch: int64); float32 accumulates in float64, as PyTorch.
   * @example
   * ```ts
   * torch.tensor([1, 2, 3]).cumsum(0); // tensor([1., 3., 6.])
   * ```
   */
  cumsum(dim: number): Tensor { A.checkInt("cumsum", "dim", 1, dim); return S.cumsum(this, dim); }
  /**
   * The running product along `dim`. int32 and bool tensors give int32; the gradient is exact where
   * the input holds zeros.
   */
  cumprod(dim: number): Tensor { A.checkInt("cumprod", "dim", 1, dim); return S.cumprod(this, dim); }
  /**
   * The largest values over `dim` (one dimension, an array of them, or all when omitted). Unlike
   * {@link Tensor.max}, it gives no indices, and its gradient is shared evenly between tied
   * maxima.
   */
  amax(dim?: DimArg, keepdim = false): Tensor { A.checkDims("amax", dim); A.checkOptionalBool("amax", "keepdim", 2, keepdim); return S.amaxAmin("amax", this, dim, keepdim); }
  /** The smallest values over `dim`: see {@link Tensor.amax}. */
  amin(dim?: DimArg, keepdim = false): Tensor { A.checkDims("amin", dim); A.checkOptionalBool("amin", "keepdim", 2, keepdim); return S.amaxAmin("amin", this, dim, keepdim); }
  /**
   * The elements sorted along `dim` (default the last), ascending unless `descending`.
   *
   * The order of equal elements is PyTorch 1.13's (it is not a stable sort beyond 16 elements:
   * the same algorithm, so the same indices); NaN sorts above everything.
   * @returns `{ values, indices }` (indices int32), which also destructures as `[values, indices]`.
   * @example
   * ```ts
   * const [values, indices] = torch.tensor([3, 1, 2]).sort();
   * ```
   */
  sort(dim = -1, descending = false): R.ValuesIndices { A.checkInt("sort", "dim", 1, dim); A.checkBool("sort", "descending", 2, descending); return S.sort(this, dim, descending); }
  /** The int32 indices that sort this tensor along `dim` (the `indices` of {@link Tensor.sort}). */
  argsort(dim = -1, descending = false): Tensor { A.checkInt("argsort", "dim", 1, dim); A.checkBool("argsort", "descending", 2, descending); return S.argsort(this, dim, descending); }
  /**
   * The `k` largest elements along `dim` (default the last), or the `k` smallest with `largest`
   * false; sorted unless `sorted` is false (then in PyTorch's selection order).
   *
   * @returns `{ values, indices }` (indices int32), which also destructures as `[values, indices]`.
   * @throws `selected index k out of range` when `k` is negative or above the size of `dim`.
   * @example
   * ```ts
   * const { values, indices } = logits.topk(5);
   * ```
   */
  topk(k: number, dim = -1, largest = true, sorted = true): R.ValuesIndices {
    A.checkInt("topk", "k", 1, k);
    A.checkInt("topk", "dim", 2, dim);
    A.checkBool("topk", "largest", 3, largest);
    A.checkBool("topk", "sorted", 4, sorted);
    return S.topk(this, k, dim, largest, sorted);
  }

  /**
   * `numSamples` category indices (int32) drawn from this tensor's rows of non-negative weights,
   * with or without `replacement` (default without). See {@link multinomial}.
   */
  multinomial(numSamples: number, replacement = false): Tensor { return SAMPLE.multinomial(this, numSamples, replacement); }

  // ---- indexing and joining ------------------------------------------------------------------
  /**
   * Views of pieces along `dim` (default 0): of `sizeOrSizes` elements each (the last one smaller)
   * for a number, or of the listed sizes (which must add up to the dimension's size).
   *
   * Changing one of the pieces in place while it requires grad throws, as in PyTorch (they share one
   * graph node).
   * @example
   * ```ts
   * const [a, b] = torch.arange(5).split(3); // tensor([0, 1, 2]), tensor([3, 4])
   * ```
   */
  split(sizeOrSizes: number | number[], dim = 0): Tensor[] { checkSplitSizes(sizeOrSizes); A.checkInt("split", "dim", 2, dim); return J.split(this, sizeOrSizes, dim); }
  /** Views of `chunks` pieces of (nearly) equal size along `dim` (fewer when the size does not allow). */
  chunk(chunks: number, dim = 0): Tensor[] { A.checkInt("chunk", "chunks", 1, chunks); A.checkInt("chunk", "dim", 2, dim); return J.chunk(this, chunks, dim); }
  /** Views of each slice along `dim` (default 0), without that dimension (PyTorch's `unbind`). */
  unbind(dim = 0): Tensor[] { A.checkInt("unbind", "dim", 1, dim); return J.unbind(this, dim); }
  /**
   * A view of `length` elements along `dim` from `start` (negative counts from the end).
   *
   * @throws `start (S) + length (L) exceeds dimension size (N).`
   */
  narrow(dim: number, start: number, length: number): Tensor {
    A.checkInt("narrow", "dim", 1, dim); A.checkInt("narrow", "start", 2, start); A.checkInt("narrow", "length", 3, length);
    return J.narrow(this, dim, start, length);
  }
  /** The view at position `index` along `dim`, without that dimension (negative counts from the end). */
  select(dim: number, index: number): Tensor { A.checkInt("select", "dim", 1, dim); A.checkInt("select", "index", 2, index); return J.select(this, dim, index); }
  /**
   * Values picked along `dim` by an int32 `index` of this tensor's number of dimensions:
   * `out[i][j] = this[index[i][j]][j]` for `dim` 0. The result has the index's shape.
   *
   * @throws `index 5 is out of bounds for dimension 1 with size 3`; `gather(): Expected dtype int64
   *   for index` for an index that is not int32.
   */
  gather(dim: number, index: Tensor): Tensor { A.checkInt("gather", "dim", 1, dim); A.checkTensor("gather", "index", 2, index); return G.gather(this, dim, index); }
  /**
   * A copy of this tensor with `src`'s values written at the positions `index` (int32) gives along
   * `dim`: `out[index[i][j]][j] = src[i][j]` for `dim` 0. `src` may be a number.
   */
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    A.checkInt("scatter", "dim", 1, dim); A.checkTensor("scatter", "index", 2, index);
    if (!(src instanceof Tensor)) A.checkNumber("scatter", "src", 3, src);
    return G.scatter(this, dim, index, typeof src === "boolean" ? +src : src);
  }
  /** A copy of this tensor with `src`'s values added at the positions `index` gives along `dim`
   *  (repeated positions accumulate). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    A.checkInt("scatter_add", "dim", 1, dim); A.checkTensor("scatter_add", "index", 2, index); A.checkTensor("scatter_add", "src", 3, src);
    return G.scatterAdd(this, dim, index, src);
  }
  /** The slices at the positions a 1-D int32 `index` lists along `dim` (repeats allowed): a copy. */
  indexSelect(dim: number, index: Tensor): Tensor { A.checkInt("index_select", "dim", 1, dim); A.checkTensor("index_select", "index", 2, index); return G.indexSelect(this, dim, index); }
  /**
   * This tensor tiled: `repeat(2, 3)` repeats it twice along dim 0 and three times along dim 1.
   * Extra leading counts add dimensions. Sizes as separate numbers or one array.
   */
  repeat(...sizes: (number | number[])[]): Tensor {
    if (sizes.length === 0) throw new TypeError('repeat() missing 1 required positional arguments: "repeats"');
    const { shape, opts } = parseShapeArgs(sizes, "repeat", "repeats");
    A.checkOptions("repeat", opts, {});
    return J.repeat(this, shape);
  }
  /** A copy with the order of elements along each of `dims` reversed: `flip(0)`, `flip(0, 1)` or `flip([0, 1])`. */
  flip(...dims: (number | number[])[]): Tensor {
    const { shape, opts } = parseShapeArgs(dims, "flip", "dims");
    A.checkOptions("flip", opts, {});
    return G.flip(this, shape);
  }
  /**
   * A copy with the elements shifted by `shifts` along `dims`, wrapping around; without `dims`, over
   * the flattened tensor. `shifts` and `dims` are numbers or arrays of the same length.
   */
  roll(shifts: number | number[], dims?: number | number[]): Tensor {
    const sh = intList("roll", "shifts", 1, shifts);
    const ds = dims === undefined ? [] : intList("roll", "dims", 2, dims);
    return J.roll(this, sh, ds);
  }
  /** The lower triangle of the last two dimensions (column - row <= `diagonal`); zeros above it. */
  tril(diagonal = 0): Tensor { A.checkInt("tril", "diagonal", 1, diagonal); return J.triangle("tril", this, diagonal); }
  /** The upper triangle of the last two dimensions (column - row >= `diagonal`); zeros below it. */
  triu(diagonal = 0): Tensor { A.checkInt("triu", "diagonal", 1, diagonal); return J.triangle("triu", this, diagonal); }

  // ---- linear algebra ---------------------------------------------------------------------
  /**
   * The matrix product with PyTorch's `matmul` rules: 1-D · 1-D is a dot product, 2-D · 2-D a
   * matrix product, and batched (3-D and more) operands broadcast their batch dimensions. Both
   * operands must have the same dtype.
   *
   * @throws When the inner sizes differ (`mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)`,
   *   or `size mismatch` for a matrix-vector product), or the dtypes differ.
   */
  matmul(other: Tensor): Tensor { A.checkTensor("matmul", "other", 1, other); return L.matmul(this, other); }
  /**
   * The product of two 2-D matrices (no broadcasting).
   *
   * @throws `self must be a matrix` / `mat2 must be a matrix` for operands that are not 2-D, and
   *   PyTorch's shape error when the inner sizes differ.
   */
  mm(other: Tensor): Tensor { A.checkTensor("mm", "other", 1, other); return L.mm(this, other); }
  /**
   * The batched matrix product of two 3-D tensors, `[b, n, m] @ [b, m, p] -> [b, n, p]`, with the
   * same batch size (no broadcasting, unlike {@link Tensor.matmul}) and the same dtype.
   *
   * @throws `batch1 must be a 3D tensor`; `Expected size for first two dimensions of batch2 tensor to
   *   be: [b, m] but got: [...]`.
   */
  bmm(other: Tensor): Tensor { A.checkTensor("bmm", "mat2", 1, other); return L.bmm(this, other); }
  /** The dot product of two 1-D tensors of the same length and dtype. */
  dot(other: Tensor): Tensor { A.checkTensor("dot", "tensor", 1, other); return L.dot(this, other); }
  /** The outer product of two 1-D tensors: `[n] x [m] -> [n, m]`, `out[i][j] = this[i] * other[j]`. */
  outer(other: Tensor): Tensor { A.checkTensor("outer", "vec2", 1, other); return L.outer(this, other); }
  /** The transpose of a tensor of at most 2 dimensions (a view). Throws for more dimensions. */
  t(): Tensor { return M.t(this); }
  /** All dimensions reversed (a view; PyTorch's `x.T`). */
  get T(): Tensor { return M.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); }

  // ---- shape ------------------------------------------------------------------------------
  /**
   * This tensor's elements in a new shape: a view when the layout allows it, otherwise a copy. One
   * size may be -1 (inferred). Sizes may be given as separate numbers or one array: `reshape(2, 3)`
   * or `reshape([2, 3])`.
   *
   * @throws `shape '[...]' is invalid for input of size N` when the element counts differ.
   */
  reshape(...shape: (number | number[])[]): Tensor { return M.reshape(this, parseShapeArgs(shape, "reshape", "shape").shape); }
  /**
   * A view of this tensor's storage in a new shape (one size may be -1). Shares storage: changes
   * through one are seen by the other.
   *
   * @throws When the layout does not allow a view (`view size is not compatible with input tensor's
   *   size and stride...`: use `reshape`), or the element counts differ.
   */
  view(...shape: (number | number[])[]): Tensor { return M.view(this, parseShapeArgs(shape, "view", "shape").shape); }
  /** A view with dimensions `dim0` and `dim1` swapped. */
  transpose(dim0: number, dim1: number): Tensor { A.checkInt("transpose", "dim0", 1, dim0); A.checkInt("transpose", "dim1", 2, dim1); return M.transpose(this, dim0, dim1); }
  /**
   * A view with the dimensions reordered: `permute(2, 0, 1)` or `permute([2, 0, 1])`.
   *
   * @throws When `dims` is not a permutation of this tensor's dimensions.
   */
  permute(...dims: (number | number[])[]): Tensor { return M.permute(this, parseShapeArgs(dims, "permute", "dims").shape); }
  /** A view with a size-1 dimension inserted at `dim` (negative counts from the end of the result). */
  unsqueeze(dim: number): Tensor { A.checkInt("unsqueeze", "dim", 1, dim); return M.unsqueeze(this, dim); }
  /**
   * A view without size-1 dimensions: all of them, or only `dim` (left alone when its size is not
   * 1).
   */
  squeeze(dim?: number): Tensor { A.checkOptionalDim("squeeze", dim); return M.squeeze(this, dim); }
  /**
   * A view broadcast to a larger shape without copying (size-1 dimensions repeat; -1 keeps a size;
   * new leading dimensions may be added). Sizes as separate numbers or one array.
   *
   * @throws When a non-singleton size differs from the requested one.
   */
  expand(...shape: (number | number[])[]): Tensor { return M.expand(this, expandSizes(parseShapeArgs(shape, "expand", "size").shape)); }
  /** `expand(other.shape)` (PyTorch's `expand_as`). */
  expandAs(other: Tensor): Tensor { A.checkTensor("expandAs", "other", 1, other); return M.expand(this, other.shape); }
  /**
   * A tensor with dimensions `startDim`..`endDim` (inclusive; default all) merged into one, a view
   * when possible.
   */
  flatten(startDim = 0, endDim = -1): Tensor { A.checkInt("flatten", "start_dim", 1, startDim); A.checkInt("flatten", "end_dim", 2, endDim); return M.flatten(this, startDim, endDim); }
  /** This tensor if it is already contiguous, else a contiguous copy. */
  contiguous(): Tensor { return M.contiguous(this); }
  /** A copy with its own storage, recorded for autograd (the gradient flows back to this tensor). */
  clone(): Tensor { return M.clone(this); }
  /**
   * Indexing, one {@link IndexArg} per leading dimension: `x.index(0, null, [1, 3])` is PyTorch's
   * `x[0, :, 1:3]` and returns a view. One of the arguments may be an int32 tensor (PyTorch's
   * advanced indexing, `x[:, t]`): that dimension is replaced by the tensor's shape, taking the
   * positions it lists (negative ones count from the end, repeats allowed), and the result is a copy.
   *
   * @throws `index N is out of bounds for dimension D with size S`, or `too many indices for tensor
   *   of dimension N`.
   * @example
   * ```ts
   * const x = torch.arange(12).reshape(3, 4);
   * x.index(null, torch.tensor([3, 0], { dtype: "int32" })); // columns 3 and 0
   * ```
   */
  index(...idx: (IndexArg | Tensor)[]): Tensor {
    if (idx.some((a) => a instanceof Tensor)) {
      checkIndices(idx.filter((a) => !(a instanceof Tensor)));
      return G.indexWithTensor(this, idx);
    }
    checkIndices(idx);
    return M.index(this, idx as IndexArg[]);
  }
  /**
   * This tensor converted to `dtype` (this tensor itself when it already has it). Conversion to a
   * floating dtype is recorded for autograd.
   */
  to(dtype: "bool"): BoolTensor;
  to(dtype: DType): Tensor;
  to(dtype: DType): Tensor { A.checkDType("to", dtype); return M.toDtype(this, dtype); }
  /** `to("float32")`. */
  float(): Tensor { return M.toDtype(this, "float32"); }
  /** `to("float64")`. */
  double(): Tensor { return M.toDtype(this, "float64"); }
  /** `to("int32")` (PyTorch's `int()` gives int32 too). */
  int(): Tensor { return M.toDtype(this, "int32"); }
  /** `to("bool")`: true where non-zero. */
  bool(): BoolTensor { return M.toDtype(this, "bool") as BoolTensor; }

  // ---- nn math ----------------------------------------------------------------------------
  /** `exp(x) / sum(exp(x))` along `dim`, computed stably. Floating tensors only. */
  softmax(dim: number): Tensor { A.checkInt("softmax", "dim", 1, dim); return N.softmax(this, dim); }
  /**
   * `log(softmax(x))` along `dim`, computed stably (PyTorch's `log_softmax`). Floating tensors
   * only.
   */
  logSoftmax(dim: number): Tensor { A.checkInt("logSoftmax", "dim", 1, dim); return N.logSoftmax(this, dim); }
  /**
   * `x` where `x > 0`, else `negativeSlope * x` (PyTorch's `F.leaky_relu`). Floating tensors only.
   *
   * @param negativeSlope - The slope for negative inputs (default 0.01).
   */
  leakyRelu(negativeSlope = 0.01): Tensor { A.checkNumber("leaky_relu", "negative_slope", 1, negativeSlope); return X.leakyRelu(this, +negativeSlope); }
  /**
   * The Gaussian error linear unit `x * Phi(x)` (PyTorch's `F.gelu`). Floating tensors only.
   *
   * @param opts - `approximate`: `"none"` (default: the exact form with erf) or `"tanh"` (the tanh
   *   approximation).
   * @throws `approximate argument must be either none or tanh.` for another string.
   */
  gelu(opts?: { approximate?: "none" | "tanh" }): Tensor { return X.gelu(this, X.geluApproximate("gelu", opts)); }
  /** `x * sigmoid(x)` (PyTorch's `F.silu`, also called swish). Floating tensors only. */
  silu(): Tensor { return X.silu(this); }
  /**
   * `log(1 + e ** (beta * x)) / beta`, or `x` itself where `beta * x > threshold` (PyTorch's
   * `F.softplus`). Floating tensors only.
   *
   * @param opts - `beta` (default 1) and `threshold` (default 20).
   */
  softplus(opts?: { beta?: number; threshold?: number }): Tensor {
    A.checkOptions("softplus", opts, SOFTPLUS_OPTIONS);
    return X.softplus(this, opts?.beta ?? 1, opts?.threshold ?? 20);
  }
  /** `x` where `x > 0`, else `alpha * (e ** x - 1)` (PyTorch's `F.elu`). Floating tensors only. */
  elu(alpha = 1): Tensor { A.checkNumber("elu", "alpha", 1, alpha); return X.elu(this, +alpha); }
  /**
   * Each element clamped to `[min, max]`, with a gradient only strictly inside (PyTorch's
   * `F.hardtanh`). An int32 tensor is clamped to the bounds truncated to integers.
   */
  hardtanh(min = -1, max = 1): Tensor {
    A.checkNumber("hardtanh", "min_val", 1, min);
    A.checkNumber("hardtanh", "max_val", 2, max);
    return X.hardtanh(this, +min, +max);
  }
  /** `log(sigmoid(x))`, computed stably (PyTorch's `F.logsigmoid`). Floating tensors only. */
  logSigmoid(): Tensor { return X.logSigmoid(this); }

  // ---- in place ---------------------------------------------------------------------------
  // add_/sub_ save nothing of self, so they need no copy of its old values (last argument)
  /**
   * In place: `this += alpha * other` (broadcasting `other` to this tensor's shape). Returns this
   * tensor.
   *
   * @throws `a leaf Variable that requires grad is being used in an in-place operation.` on such a
   *   leaf outside {@link noGrad}; `result type ... can't be cast to the desired output type ...`
   *   when the result's dtype does not fit (e.g. a float operand into an int32 tensor).
   */
  add_(other: TensorOrScalar, opts?: { alpha?: number }): Tensor { A.checkTensorOrScalar("add", "other", 1, other); A.checkOptions("add", opts, ALPHA); return I.inplace(this, (x) => E.add(x, other, opts?.alpha), false, other); }
  /** In place: `this -= alpha * other`. Returns this tensor. Throws as {@link Tensor.add_}. */
  sub_(other: TensorOrScalar, opts?: { alpha?: number }): Tensor { A.checkTensorOrScalar("sub", "other", 1, other); A.checkOptions("sub", opts, ALPHA); return I.inplace(this, (x) => E.sub(x, other, opts?.alpha), false, other); }
  /** In place: `this *= other`. Returns this tensor. Throws as {@link Tensor.add_}. */
  mul_(other: TensorOrScalar): Tensor { A.checkTensorOrScalar("mul", "other", 1, other); return I.inplace(this, (x) => E.mul(x, other), true, other); }
  /**
   * In place: `this /= other`. Returns this tensor. Throws as {@link Tensor.add_} (and for an int32
   * tensor, whose quotient is float).
   */
  div_(other: TensorOrScalar): Tensor { A.checkTensorOrScalar("div", "other", 1, other); return I.inplace(this, (x) => E.div(x, other), true, other); }
  /** In place: {@link Tensor.clamp}. Returns this tensor. */
  clamp_(min?: number | null, max?: number | null): Tensor { checkBounds("clamp", min, max); return I.inplace(this, (x) => E.clamp(x, min, max)); }
  /** In place: fill with zeros. Returns this tensor. */
  zero_(): Tensor { return I.fill_(this, 0, true); }
  /** In place: set every element to `value`. Returns this tensor. */
  fill_(value: number | boolean): Tensor {
    const v = fillValue(value);
    if (this.dtype === "int32" && typeof v === "number") A.checkFitsInt32(v, "int");
    return I.fill_(this, v);
  }
  /**
   * In place: copy `src`'s values into this tensor, broadcasting `src` to this shape and converting
   * its dtype. Returns this tensor.
   */
  copy_(src: Tensor): Tensor { A.checkTensor("copy_", "other", 1, src); return I.copy_(this, src); }
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
