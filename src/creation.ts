/** Tensor factories: tensor, zeros, ones, full, empty, rand, randn, arange, linspace, eye, *Like, fromArray. */
import { currentBackend } from "./backend/registry.js";
import { dtypeName, dtypeOfTypedArray, isDType, isFloating, itemSize, MAX_TENSOR_BYTES, outOfMemory, typedArrayFor, type DType, type TypedArray } from "./dtype.js";
import { numelOf, parseShapeArgs } from "./shape.js";
import { MAX_DIMS } from "./backend/abi.generated.js";
import * as A from "./argcheck.js";
import { allocTensor, Tensor, type BoolTensor, type NestedList } from "./tensor.js";

/**
 * Options of the creation functions.
 * @category Creation
 */
export interface CreateOptions {
  /** The element type (default `"float32"`, or as each function says). */
  dtype?: DType;
  /** Make the new tensor a leaf that requires grad (default false); floating dtypes only. */
  requiresGrad?: boolean;
}
/**
 * {@link CreateOptions} that make a bool tensor (so the factory's result is typed {@link BoolTensor}).
 * @category Creation
 */
export interface BoolCreateOptions extends CreateOptions {
  /** `"bool"`. */
  dtype: "bool";
}
/**
 * Shape arguments (sizes, or one array) followed by options giving `dtype: "bool"`: the arguments
 * with which `zeros`, `ones` and `empty` make a {@link BoolTensor}.
 * @category Creation
 */
export type BoolShapeArgs = [...(number | number[])[], BoolCreateOptions];

const CREATE_OPTIONS = { dtype: "dtype", requiresGrad: "bool" } as const;

/** A size list for a new tensor: integers, none negative (PyTorch's message), and not too many bytes. */
export function checkNewShape(shape: readonly number[], dtype: DType): void {
  for (const d of shape) if (d < 0) throw new Error(`Trying to create tensor with negative dimension ${d}: [${shape.join(", ")}]`);
  const bytes = numelOf(shape) * itemSize(dtype);
  if (bytes > MAX_TENSOR_BYTES) throw outOfMemory(bytes);
}

function finish(t: Tensor, opts: CreateOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

function checkDtype(dtype: unknown): DType {
  if (dtype === undefined) return "float32";
  if (!isDType(dtype)) throw new TypeError(`unsupported dtype ${String(dtype)}: expected "float32", "float64", "int32" or "bool"`);
  return dtype;
}

function fromFlat(data: ArrayLike<number>, shape: number[], dtype: DType): Tensor {
  const be = currentBackend();
  const t = allocTensor(be, dtype, shape);
  let arr: TypedArray;
  if (ArrayBuffer.isView(data) && dtypeOfTypedArray(data as unknown as ArrayBufferView) === dtype) arr = data as TypedArray;
  else {
    arr = typedArrayFor(dtype, data.length);
    if (dtype === "bool") for (let i = 0; i < data.length; i++) arr[i] = data[i] !== 0 ? 1 : 0; // NaN is true
    else if (dtype === "int32") for (let i = 0; i < data.length; i++) { A.checkFitsInt32(data[i]!); arr[i] = Math.trunc(data[i]!); }
    else arr.set(data);
  }
  if (arr.length > 0) be.write(t._storage.handle, dtype, arr, 0);
  return t;
}

/**
 * A new tensor holding a copy of `data` (PyTorch's `torch.tensor`).
 *
 * @param data - A number, a boolean, nested arrays of them (equal lengths at each level;
 *   one-element tensors may stand in for numbers), a typed array (1-D), or a Tensor (copied).
 * @param opts - `dtype`: the element type; by default booleans make `"bool"`, typed arrays keep
 *   their kind (`Float32Array` → float32, `Float64Array` → float64, `Int32Array` → int32,
 *   `Uint8Array` → bool) and numbers make `"float32"` (JavaScript cannot tell `1` from `1.0`).
 *   `requiresGrad`: make it a leaf that requires grad.
 * @throws `expected sequence of length N at dim D (got M)` for ragged arrays; `TypeError` for
 *   values that are not numbers or booleans, or an unsupported typed array or dtype.
 * @example
 * ```ts
 * torch.tensor([[1, 2], [3, 4]]);                  // float32, shape [2, 2]
 * torch.tensor([1, 2, 3], { dtype: torch.int32 }); // int32
 * torch.tensor(true);                              // 0-d bool
 * ```
 * Typed {@link BoolTensor} for a boolean, a non-empty literal list of booleans, a Uint8Array or
 * `{ dtype: "bool" }` (an empty list makes float32, as in PyTorch).
 * @category Creation
 */
export function tensor(data: boolean | [NestedList<boolean>, ...NestedList<boolean>[]] | Uint8Array | BoolTensor, opts?: CreateOptions & { dtype?: "bool" }): BoolTensor;
export function tensor(data: unknown, opts: BoolCreateOptions): BoolTensor;
export function tensor(data: unknown, opts?: CreateOptions): Tensor;
export function tensor(data: unknown, opts?: CreateOptions): Tensor {
  A.checkOptions("tensor", opts, CREATE_OPTIONS);
  if (data instanceof Tensor) {
    const flat = data.toArray();
    return finish(fromFlat(flat, data.shape.slice(), opts?.dtype !== undefined ? checkDtype(opts.dtype) : data.dtype), opts);
  }
  if (ArrayBuffer.isView(data)) {
    const kind = dtypeOfTypedArray(data);
    if (kind === null) throw new TypeError("torch.tensor: unsupported typed array (use Float32Array, Float64Array, Int32Array or Uint8Array)");
    const a = data as TypedArray;
    return finish(fromFlat(a, [a.length], opts?.dtype !== undefined ? checkDtype(opts.dtype) : kind), opts);
  }
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe)) {
    // a self-containing array would never end: PyTorch stops at its dimension limit
    if (shape.length === MAX_DIMS) throw new Error("too many dimensions 'list'");
    shape.push(probe.length);
    probe = probe[0];
  }
  if (typeof probe === "string") throw new Error("too many dimensions 'str'");
  const flat: number[] = [];
  let allBool = true, sawValue = false;
  const walk = (v: unknown, d: number): void => {
    if (d === shape.length) {
      if (typeof v === "boolean") { flat.push(v ? 1 : 0); sawValue = true; return; }
      if (typeof v === "number") { flat.push(v); allBool = false; sawValue = true; return; }
      if (v instanceof Tensor && v.numel() === 1 && d > 0) {
        const x = v.item(); // a boolean when v is a bool tensor
        flat.push(v.dtype === "bool" ? (x ? 1 : 0) : x);
        if (v.dtype !== "bool") allBool = false;
        sawValue = true;
        return;
      }
      if (Array.isArray(v)) throw new Error(`expected sequence of length ${shape[d - 1]} at dim ${d - 1} (got ${v.length})`);
      if (typeof v === "string") throw new Error("too many dimensions 'str'");
      throw new TypeError(`Could not infer dtype of ${A.kindOf(v)}`);
    }
    if (!Array.isArray(v)) throw new Error(`expected sequence of length ${shape[d]} at dim ${d} (got ${A.kindOf(v)})`);
    if (v.length !== shape[d]) throw new Error(`expected sequence of length ${shape[d]} at dim ${d} (got ${v.length})`);
    for (const x of v) walk(x, d + 1);
  };
  walk(data, 0);
  const dtype = opts?.dtype !== undefined ? checkDtype(opts.dtype) : sawValue && allBool ? "bool" : "float32";
  return finish(fromFlat(flat, shape, dtype), opts);
}

/**
 * A tensor over a copy of a typed array, with the given shape (default: 1-D). The dtype follows the
 * array's kind: `Float32Array` → float32, `Float64Array` → float64, `Int32Array` → int32,
 * `Uint8Array` → bool.
 *
 * @throws `TypeError` for another kind of array; `shape '[...]' is invalid for input of size N`
 *   when the shape does not hold exactly the array's elements.
 * @category Creation
 */
export function fromArray(typed: Uint8Array, shape?: number[], opts?: { requiresGrad?: boolean }): BoolTensor;
export function fromArray(typed: TypedArray, shape?: number[], opts?: { requiresGrad?: boolean }): Tensor;
export function fromArray(typed: TypedArray, shape?: number[], opts?: { requiresGrad?: boolean }): Tensor {
  const kind = dtypeOfTypedArray(typed);
  if (kind === null) throw new TypeError("fromArray: expected a Float32Array, Float64Array, Int32Array or Uint8Array");
  A.checkOptions("fromArray", opts, { requiresGrad: "bool" });
  if (shape !== undefined && !(Array.isArray(shape) && shape.every((d) => typeof d === "number" && Number.isInteger(d)))) {
    throw A.argError("fromArray", "shape", 2, "an array of ints", shape);
  }
  const s = shape ?? [typed.length];
  checkNewShape(s, kind);
  if (numelOf(s) !== typed.length) throw new Error(`shape '[${s.join(", ")}]' is invalid for input of size ${typed.length}`);
  return finish(fromFlat(typed, s.slice(), kind), opts);
}

function filled(fn: string, args: unknown[], value: (dtype: DType) => number): Tensor {
  const { shape, opts } = parseShapeArgs(args, fn);
  A.checkOptions(fn, opts, CREATE_OPTIONS);
  const dtype = checkDtype(opts.dtype);
  checkNewShape(shape, dtype);
  const be = currentBackend();
  const t = allocTensor(be, dtype, shape);
  const v = value(dtype);
  if (dtype === "int32") A.checkFitsInt32(v, "int");
  if (v !== 0 && t.numel() > 0) be.fill(t._storage.handle, dtype, v, 0, t.numel());
  return finish(t, opts as CreateOptions);
}

/**
 * A tensor filled with zeros (`torch.zeros`). The shape comes as separate sizes or one array,
 * optionally followed by {@link CreateOptions}: `zeros(2, 3)`, `zeros([2, 3], { dtype: "float64"
 * })`.
 *
 * @throws For a negative or non-integer size.
 * @category Creation
 */
export function zeros(...args: BoolShapeArgs): BoolTensor;
export function zeros(...args: (number | number[] | CreateOptions)[]): Tensor;
export function zeros(...args: (number | number[] | CreateOptions)[]): Tensor { return filled("zeros", args, () => 0); }
/**
 * A tensor filled with ones (`torch.ones`); arguments as {@link zeros}.
 * @category Creation
 */
export function ones(...args: BoolShapeArgs): BoolTensor;
export function ones(...args: (number | number[] | CreateOptions)[]): Tensor;
export function ones(...args: (number | number[] | CreateOptions)[]): Tensor { return filled("ones", args, () => 1); }
/**
 * A tensor of the given shape (`torch.empty`); arguments as {@link zeros}. Uninitialised in
 * PyTorch; zero-filled here (storage is always zeroed).
 * @category Creation
 */
export function empty(...args: BoolShapeArgs): BoolTensor;
export function empty(...args: (number | number[] | CreateOptions)[]): Tensor;
export function empty(...args: (number | number[] | CreateOptions)[]): Tensor { return filled("empty", args, () => 0); }

/**
 * A tensor filled with `value` (`torch.full`). The dtype defaults to bool for a boolean value and
 * float32 for a number.
 * @category Creation
 */
export function full(shape: number[] | number, value: boolean, opts?: CreateOptions & { dtype?: "bool" }): BoolTensor;
export function full(shape: number[] | number, value: number | boolean, opts: BoolCreateOptions): BoolTensor;
export function full(shape: number[] | number, value: number | boolean, opts?: CreateOptions): Tensor;
export function full(shape: number[] | number, value: number | boolean, opts?: CreateOptions): Tensor {
  A.checkNumber("full", "fill_value", 2, value);
  A.checkOptions("full", opts, CREATE_OPTIONS);
  const dtype = opts?.dtype ?? (typeof value === "boolean" ? "bool" : "float32");
  return filled("full", [Array.isArray(shape) ? shape : [shape], { ...opts, dtype }], () => +value);
}

// ---- random numbers: a seeded xoshiro128** stream ---------------------------------------------------

let rngState = new Uint32Array([0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x7f4a7c15]);

/**
 * Seed the random number generator that {@link rand}, {@link randn} and `nn.Linear`'s
 * initialisation draw from, making them deterministic (`torch.manual_seed`). The stream is
 * wasmgrad's own (xoshiro128**), not PyTorch's.
 * @category Creation
 */
export function manualSeed(seed: number): void {
  A.checkNumber("manual_seed", "seed", 1, seed);
  // splitmix32 expands the seed into the four state words
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  rngState = new Uint32Array([next(), next(), next(), next()]);
  if (rngState.every((w) => w === 0)) rngState[0] = 1;
}

/** A copy of the random number generator's state (for torch.utils.checkpoint). */
export function getRngState(): Uint32Array { return rngState.slice(); }
/** Restore a state from getRngState. */
export function setRngState(state: Uint32Array): void { rngState = state.slice(); }

function nextUint32(): number {
  const s = rngState;
  const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
  const t = s[1]! << 9;
  s[2]! ^= s[0]!; s[3]! ^= s[1]!; s[1]! ^= s[2]!; s[0]! ^= s[3]!;
  s[2]! ^= t;
  s[3] = rotl(s[3]!, 11);
  return result;
}
function rotl(x: number, k: number): number { return ((x << k) | (x >>> (32 - k))) >>> 0; }
/** Uniform in [0, 1) with 53 random bits, from the seeded stream (also for src/sampling.ts). */
export function uniform(): number { return (nextUint32() * 2 ** 21 + (nextUint32() >>> 11)) / 2 ** 53; }

function random(fn: string, args: unknown[], gen: () => number, kernel: string): Tensor {
  const { shape, opts } = parseShapeArgs(args, fn);
  A.checkOptions(fn, opts, CREATE_OPTIONS);
  const dtype = checkDtype(opts.dtype);
  checkNewShape(shape, dtype);
  if (!isFloating(dtype)) throw new Error(`"${kernel}" not implemented for '${dtypeName(dtype, "scalar")}'`);
  const n = numelOf(shape);
  const data = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) data[i] = gen();
  return finish(fromFlat(data, shape, dtype), opts as CreateOptions);
}

/**
 * Uniform random numbers in [0, 1) (`torch.rand`); arguments as {@link zeros}. Floating dtypes
 * only.
 * @category Creation
 */
export function rand(...args: (number | number[] | CreateOptions)[]): Tensor { return random("rand", args, uniform, "check_uniform_bounds"); }
/**
 * Standard normal random numbers (`torch.randn`); arguments as {@link zeros}. Floating dtypes only.
 * @category Creation
 */
export function randn(...args: (number | number[] | CreateOptions)[]): Tensor {
  return random("randn", args, () => {
    // Box-Muller; 1 - u keeps log away from 0
    const u = 1 - uniform(), v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }, "normal_kernel_cpu");
}

// ---- ranges ---------------------------------------------------------------------------------

/**
 * The 1-D tensor `[start, start + step, ...]` up to but excluding `end` (`torch.arange`).
 * `arange(end)`, `arange(start, end)` and `arange(start, end, step)`; an options object may follow
 * any of them.
 *
 * The dtype is int32 when every number given is an integer (PyTorch makes int64), float32
 * otherwise, unless `dtype` is given.
 * @throws `step must be nonzero`; `upper bound and larger bound inconsistent with step sign`; for a
 *   non-finite bound.
 * @example
 * ```ts
 * torch.arange(5);          // tensor([0, 1, 2, 3, 4]) (int32)
 * torch.arange(0, 1, 0.25); // tensor([0.0000, 0.2500, 0.5000, 0.7500])
 * ```
 * @category Creation
 */
export function arange(start: number, end?: number | CreateOptions, step?: number | CreateOptions, opts?: CreateOptions): Tensor {
  const nums: number[] = [];
  let o: CreateOptions | undefined = opts;
  for (const a of [start, end, step]) {
    if (typeof a === "number") nums.push(a);
    else if (a !== undefined && a !== null && typeof a === "object") o = a as CreateOptions;
  }
  A.checkNumber("arange", end === undefined || (typeof end === "object" && end !== null) ? "end" : "start", 1, start);
  if (typeof end === "number" || typeof step === "number") A.checkNumber("arange", "end", 2, end);
  if (step !== undefined && typeof step !== "object") A.checkNumber("arange", "step", 3, step);
  A.checkOptions("arange", o, CREATE_OPTIONS);
  let [lo, hi, st] = nums.length === 1 ? [0, nums[0]!, 1] : nums.length === 2 ? [nums[0]!, nums[1]!, 1] : [nums[0]!, nums[1]!, nums[2]!];
  if (st === 0) throw new Error("step must be nonzero");
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`unsupported range: ${pyNum(lo)} -> ${pyNum(hi)}`);
  if ((st > 0 && hi < lo) || (st < 0 && hi > lo)) throw new Error("upper bound and larger bound inconsistent with step sign");
  const dtype = o?.dtype !== undefined ? checkDtype(o.dtype) : nums.every(Number.isInteger) ? "int32" : "float32";
  const n = Math.max(0, Math.ceil((hi - lo) / st));
  checkNewShape([n], dtype);
  if (dtype === "int32") { A.checkFitsInt32(lo); A.checkFitsInt32(lo + (n - 1) * st); }
  const data = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) data[i] = lo + i * st;
  return finish(fromFlat(data, [n], dtype), o);
}

function pyNum(v: number): string { return Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : String(v); }

/**
 * `steps` evenly spaced values from `start` to `end`, both included (`torch.linspace`), float32
 * unless `dtype` is given.
 *
 * @throws `number of steps must be non-negative`.
 * @category Creation
 */
export function linspace(start: number, end: number, steps: number, opts?: CreateOptions): Tensor {
  A.checkNumber("linspace", "start", 1, start);
  A.checkNumber("linspace", "end", 2, end);
  A.checkInt("linspace", "steps", 3, steps);
  A.checkOptions("linspace", opts, CREATE_OPTIONS);
  if (steps < 0) throw new Error("number of steps must be non-negative");
  const dtype = checkDtype(opts?.dtype);
  checkNewShape([steps], dtype);
  const data = typedArrayFor(dtype, steps);
  // PyTorch computes in the output dtype: step = (end - start) / (steps - 1), the first half
  // from start and the second half from end (symmetric rounding)
  const r = dtype === "float32" ? Math.fround : (v: number) => v;
  const lo = r(start), hi = r(end);
  const step = steps > 1 ? r(r(hi - lo) / (steps - 1)) : 0;
  const half = Math.floor(steps / 2);
  if (steps === 1) data[0] = lo;
  else for (let i = 0; i < steps; i++) data[i] = i < half ? r(lo + r(step * i)) : r(hi - r(step * (steps - 1 - i)));
  return finish(fromFlat(data, [steps], dtype), opts);
}

/**
 * The `n` × `m` identity matrix (`m` defaults to `n`) (`torch.eye`). An options object may follow
 * `n` or `m`.
 * @category Creation
 */
export function eye(n: number, m?: number | CreateOptions, opts?: CreateOptions): Tensor {
  A.checkInt("eye", "n", 1, n);
  if (m !== undefined && m !== null && typeof m !== "object") A.checkInt("eye", "m", 2, m);
  const cols = typeof m === "number" ? m : n;
  if (!Number.isInteger(n) || n < 0) throw new Error(`n must be greater or equal to 0, got ${n}`);
  if (!Number.isInteger(cols) || cols < 0) throw new Error(`m must be greater or equal to 0, got ${cols}`);
  const o = typeof m === "object" && m !== null ? m : opts;
  A.checkOptions("eye", o, CREATE_OPTIONS);
  const dtype = checkDtype(o?.dtype);
  checkNewShape([n, cols], dtype);
  const data = typedArrayFor(dtype, n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) data[i * cols + i] = 1;
  return finish(fromFlat(data, [n, cols], dtype), o);
}

function likeOpts(t: Tensor, opts?: CreateOptions, fn = "zeros_like"): CreateOptions {
  A.checkTensor(fn, "input", 1, t);
  A.checkOptions(fn, opts, CREATE_OPTIONS);
  return { dtype: opts?.dtype ?? t.dtype, requiresGrad: opts?.requiresGrad }; }
/**
 * Zeros of `t`'s shape and dtype (unless `opts.dtype` is given) (`torch.zeros_like`).
 * @category Creation
 */
export function zerosLike(t: Tensor, opts?: CreateOptions): Tensor { const o = likeOpts(t, opts, "zeros_like"); return zeros(t.shape, o); }
/**
 * Ones of `t`'s shape and dtype (`torch.ones_like`).
 * @category Creation
 */
export function onesLike(t: Tensor, opts?: CreateOptions): Tensor { const o = likeOpts(t, opts, "ones_like"); return ones(t.shape, o); }
/**
 * `value` in `t`'s shape and dtype (`torch.full_like`).
 * @category Creation
 */
export function fullLike(t: Tensor, value: number, opts?: CreateOptions): Tensor { const o = likeOpts(t, opts, "full_like"); return full(t.shape, value, o); }
/**
 * Standard normal random numbers in `t`'s shape and dtype (`torch.randn_like`).
 * @category Creation
 */
export function randnLike(t: Tensor, opts?: CreateOptions): Tensor { const o = likeOpts(t, opts, "randn_like"); return randn(t.shape, o); }
/**
 * Uniform random numbers in [0, 1) in `t`'s shape and dtype (`torch.rand_like`).
 * @category Creation
 */
export function randLike(t: Tensor, opts?: CreateOptions): Tensor { const o = likeOpts(t, opts, "rand_like"); return rand(t.shape, o); }
/**
 * A zero-filled tensor of `t`'s shape and dtype (`torch.empty_like`).
 * @category Creation
 */
export function emptyLike(t: Tensor, opts?: CreateOptions): Tensor { const o = likeOpts(t, opts, "empty_like"); return empty(t.shape, o); }
