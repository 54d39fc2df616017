/**
 * wasmgrad's public surface, not started: `init({ module })` first. The package's
 * main entry (index.ts) is this plus an embedded binary started with top-level await.
 * Nothing here imports `node:` modules, so it runs in browsers, Deno, Bun and workerd.
 */
import { backendByName, installWasmBackend, isInitialised } from "./backend/registry.js";
import { instantiate } from "./backend/wasm/loader.js";
import { WasmBackend } from "./backend/wasm/index.js";
import { Tensor, type BoolTensor, type DimArg, type IndexArg, type NestedList, type Scalar, type TensorOrScalar } from "./tensor.js";
import { resultType } from "./dtype.js";
import { scalarTensor } from "./ops/core.js";
import { memoryCache } from "./storage.js";
import { stats } from "./accounting.js";
import * as E from "./ops/elementwise.js";
import * as A from "./argcheck.js";
import * as M from "./ops/movement.js";
import * as EIN from "./ops/einsum.js";
import * as autogradFns from "./autograd/grad.js";
import { Function as AutogradFunction } from "./autograd/function.js";
import * as gradcheckFns from "./autograd/gradcheck.js";
import * as functionalFns from "./autograd/functional.js";
import { detectAnomaly, isAnomalyEnabled, setDetectAnomaly } from "./autograd/anomaly.js";
import * as nn from "./nn/index.js";
import type { SizeArg } from "./nn/functional_conv.js";
import { batchNormChecked } from "./nn/functional_batchnorm.js";
import { embeddingChecked } from "./nn/functional_embedding.js";
import * as optim from "./optim/index.js";

export { Tensor };
export type { BoolTensor, DimArg, IndexArg, NestedList, TensorOrScalar };
export type { DType, TypedArray } from "./dtype.js";
export { float32, float64, int32, bool } from "./dtype.js";
export { setBackend, getBackend, type BackendName } from "./backend/registry.js";
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, type GradModeGuard } from "./autograd/grad_mode.js";
export { Node, AccumulateGrad } from "./autograd/node.js";
export type { FunctionCtx, FunctionClass } from "./autograd/function.js";
export { randint, randperm, multinomial } from "./sampling.js";
export {
  tensor, fromArray, zeros, ones, empty, full, rand, randn, arange, linspace, eye,
  zerosLike, onesLike, fullLike, randnLike, randLike, emptyLike, manualSeed, type CreateOptions, type BoolCreateOptions, type BoolShapeArgs,
} from "./creation.js";

// ---- start-up ----------------------------------------------------------------------------------

let starting: Promise<void> | null = null;

/**
 * Start the Wasm backend from a compiled `WebAssembly.Module` or the bytes of `wasmgrad.wasm`.
 *
 * Needed only with `"wasmgrad/core"`: the main entry `"wasmgrad"` (and `require("wasmgrad")`)
 * starts itself from an embedded copy of the binary. Use the core entry where compiling Wasm from
 * bytes is forbidden (Cloudflare workerd) or to share one compilation. Idempotent: later calls
 * resolve at once; concurrent calls share one start-up. The `"js"` backend works without it.
 *
 * @param opts - `module`: a `WebAssembly.Module`, or the binary's bytes (an `ArrayBuffer` or typed
 *   array). The package exports the binary as `"wasmgrad/wasmgrad.wasm"`.
 * @returns A promise that resolves once the backend is ready.
 * @throws Rejects when `module` is missing (and nothing was started yet), or when it does not
 *   compile or instantiate.
 * @example
 * ```ts
 * import * as torch from "wasmgrad/core";
 * import wasm from "wasmgrad/wasmgrad.wasm"; // a WebAssembly.Module under workerd and bundlers that support it
 * await torch.init({ module: wasm });
 * ```
 * @category Start-up
 */
export function init(opts: { module?: WebAssembly.Module | BufferSource } = {}): Promise<void> {
  if (isInitialised()) return Promise.resolve();
  if (starting !== null) return starting;
  if (opts.module === undefined) {
    // the same words as an op before init, plus what is missing
    return Promise.reject(new Error(
      "wasmgrad is not initialised: call init() first, with { module }: a WebAssembly.Module or the bytes of " +
      "wasmgrad.wasm (\"wasmgrad/core\" does not embed the binary; \"wasmgrad\" does, and starts itself)",
    ));
  }
  starting = instantiate(opts.module).then(
    (exports) => { installWasmBackend(new WasmBackend(exports)); },
    (err: unknown) => { starting = null; throw err; },
  );
  return starting!;
}

// ---- memory ------------------------------------------------------------------------------------

/**
 * What {@link memory} reports.
 * @category Memory
 */
export interface MemoryInfo {
  /** Live tensor objects (views included). */
  tensors: number;
  /** Bytes of storage not disposed and not known to be garbage collected. */
  bytesInUse: number;
  /** The high-water mark of bytesInUse. */
  peakBytes: number;
  /** The size of the Wasm linear memory. */
  wasmHeapBytes: number;
  /** Of bytesInUse, the bytes of wasm storage moved out to the JS heap (see setMemoryBudget; a
   *  dropped elementwise result holds no bytes and is not counted here). */
  spilledBytes: number;
}

/**
 * Counts of live tensors and their storage, for finding leaks and sizing budgets.
 *
 * Storage that is garbage collected without `dispose` leaves the counts when the collector reports
 * it, between tasks and in batches: inside a long synchronous loop they are an upper bound.
 * @category Memory
 */
export function memory(): MemoryInfo {
  return {
    tensors: stats.tensors,
    bytesInUse: stats.bytesInUse,
    peakBytes: stats.peakBytes,
    wasmHeapBytes: isInitialised() ? backendByName("wasm").heapBytes() : 0,
    spilledBytes: stats.spilledBytes,
  };
}

/**
 * Set the most bytes of tensor storage the wasm backend keeps in Wasm linear memory (default 256
 * MiB).
 *
 * Past it, the storage used least recently moves out to the JS heap (where the garbage collector
 * reclaims it once unreachable) and moves back when an op reads it, so code that never calls `tidy`
 * or `dispose` runs in bounded memory. The result of an elementwise op (64 KiB or more) moves out
 * without a copy: it is dropped and, if read again, recomputed from its inputs (the same kernel on
 * the same bytes). Linear memory grows past the budget only for what the most recent ops use at
 * once. Takes effect at once.
 *
 * @param bytes - A non-negative finite number of bytes (fractions are dropped).
 * @throws `TypeError` for a negative, non-finite or non-number value; `wasmgrad is not initialised`
 *   on the core entry before {@link init}.
 * @category Memory
 */
export function setMemoryBudget(bytes: number): void {
  if (typeof bytes !== "number" || !(bytes >= 0) || bytes === Infinity) {
    throw new TypeError(`setMemoryBudget(): bytes must be a non-negative finite number, got ${String(bytes)}`);
  }
  const cache = memoryCache(backendByName("wasm"));
  cache.budget = Math.floor(bytes);
  cache.makeRoom(0);
}

export { tidy, dispose } from "./scope.js";

// ---- module functions (torch.X for every Tensor method PyTorch also offers as torch.X) -------------

type T = Tensor;
/** The tensor a torch.X function works on, checked (PyTorch: `exp(): argument 'input' (position 1) must be Tensor, not list`). */
function input(fn: string, a: unknown): Tensor {
  A.checkTensor(fn, "input", 1, a);
  return a;
}
/** `torch.add(1, t)`: PyTorch takes a number first for arithmetic; it becomes a 0-d tensor of `b`'s kind. */
function leftOperand(fn: string, a: unknown, b: unknown): Tensor {
  if (a instanceof Tensor) return a;
  if ((typeof a === "number" || typeof a === "boolean") && b instanceof Tensor) return scalarTensor(a, resultType([b, a]), b._storage.backend);
  throw A.argError(fn, "input", 1, "Tensor", a);
}
/**
 * `a + alpha * b` elementwise, with broadcasting (PyTorch's `torch.add`). See {@link Tensor.add}. As in PyTorch, `a` may be a number
 * when `b` is a tensor (`torch.sub(1, t)` is `1 - t`).
 * @category Math
 */
export const add = (a: T | Scalar, b: TensorOrScalar, opts?: { alpha?: number }) => leftOperand("add", a, b).add(b, opts);
/**
 * `a - alpha * b` elementwise, with broadcasting (`torch.sub`). See {@link Tensor.sub}. As in PyTorch, `a` may be a number
 * when `b` is a tensor (`torch.sub(1, t)` is `1 - t`).
 * @category Math
 */
export const sub = (a: T | Scalar, b: TensorOrScalar, opts?: { alpha?: number }) => leftOperand("sub", a, b).sub(b, opts);
/**
 * `a * b` elementwise, with broadcasting (`torch.mul`). As in PyTorch, `a` may be a number
 * when `b` is a tensor (`torch.sub(1, t)` is `1 - t`).
 * @category Math
 */
export const mul = (a: T | Scalar, b: TensorOrScalar) => leftOperand("mul", a, b).mul(b);
/**
 * `a / b` elementwise (true division), with broadcasting (`torch.div`). As in PyTorch, `a` may be a number
 * when `b` is a tensor (`torch.sub(1, t)` is `1 - t`).
 * @category Math
 */
export const div = (a: T | Scalar, b: TensorOrScalar) => leftOperand("div", a, b).div(b);
/**
 * `a ** b` elementwise, with broadcasting (`torch.pow`). As in PyTorch, `a` may be a number
 * when `b` is a tensor (`torch.sub(1, t)` is `1 - t`).
 * @category Math
 */
export const pow = (a: T | Scalar, b: TensorOrScalar) => leftOperand("pow", a, b).pow(b);
/**
 * `-a` elementwise (`torch.neg`).
 * @category Math
 */
export const neg = (a: T) => input("neg", a).neg();
/**
 * The absolute value, elementwise (`torch.abs`).
 * @category Math
 */
export const abs = (a: T) => input("abs", a).abs();
/**
 * `e ** a` elementwise (`torch.exp`).
 * @category Math
 */
export const exp = (a: T) => input("exp", a).exp();
/**
 * The natural logarithm, elementwise (`torch.log`).
 * @category Math
 */
export const log = (a: T) => input("log", a).log();
/**
 * The square root, elementwise (`torch.sqrt`).
 * @category Math
 */
export const sqrt = (a: T) => input("sqrt", a).sqrt();
/**
 * The sine, elementwise (`torch.sin`).
 * @category Math
 */
export const sin = (a: T) => input("sin", a).sin();
/**
 * The cosine, elementwise (`torch.cos`).
 * @category Math
 */
export const cos = (a: T) => input("cos", a).cos();
/**
 * The hyperbolic tangent, elementwise (`torch.tanh`).
 * @category Math
 */
export const tanh = (a: T) => input("tanh", a).tanh();
/**
 * The logistic sigmoid, elementwise (`torch.sigmoid`).
 * @category Math
 */
export const sigmoid = (a: T) => input("sigmoid", a).sigmoid();
/**
 * `max(a, 0)` elementwise (`torch.relu`).
 * @category Math
 */
export const relu = (a: T) => input("relu", a).relu();
/**
 * -1, 0 or 1 by the sign of each element (`torch.sign`).
 * @category Math
 */
export const sign = (a: T) => input("sign", a).sign();
/**
 * `log(1 + a)` elementwise, accurate for small `a` (`torch.log1p`).
 * @category Math
 */
export const log1p = (a: T) => input("log1p", a).log1p();
/**
 * `e ** a - 1` elementwise, accurate for small `a` (`torch.expm1`).
 * @category Math
 */
export const expm1 = (a: T) => input("expm1", a).expm1();
/**
 * `1 / sqrt(a)` elementwise (`torch.rsqrt`).
 * @category Math
 */
export const rsqrt = (a: T) => input("rsqrt", a).rsqrt();
/**
 * `1 / a` elementwise (`torch.reciprocal`).
 * @category Math
 */
export const reciprocal = (a: T) => input("reciprocal", a).reciprocal();
/**
 * `a * a` elementwise (`torch.square`). See {@link Tensor.square}.
 * @category Math
 */
export const square = (a: T) => input("square", a).square();
/**
 * The error function, elementwise (`torch.erf`).
 * @category Math
 */
export const erf = (a: T) => input("erf", a).erf();
/**
 * Each element rounded down (`torch.floor`). See {@link Tensor.floor}.
 * @category Math
 */
export const floor = (a: T) => input("floor", a).floor();
/**
 * Each element rounded up (`torch.ceil`).
 * @category Math
 */
export const ceil = (a: T) => input("ceil", a).ceil();
/**
 * Each element rounded to the nearest integer, halves to even (`torch.round`).
 * @category Math
 */
export const round = (a: T) => input("round", a).round();
/**
 * Each element rounded toward zero (`torch.trunc`).
 * @category Math
 */
export const trunc = (a: T) => input("trunc", a).trunc();
/**
 * `atan2(a, b)` elementwise with broadcasting (`torch.atan2`). See {@link Tensor.atan2}.
 * @category Math
 */
export const atan2 = (a: T, b: T) => input("atan2", a).atan2(b);
/**
 * Linear interpolation `a + weight * (end - a)` (`torch.lerp`). See {@link Tensor.lerp}.
 * @category Math
 */
export const lerp = (a: T, end: T, weight: TensorOrScalar) => input("lerp", a).lerp(end, weight);
/**
 * `a` with `value` where `mask` is true (`torch.masked_fill`). See {@link Tensor.maskedFill}.
 * @category Math
 */
export const maskedFill = (a: T, mask: T, value: TensorOrScalar) => input("masked_fill", a).maskedFill(mask, value);
/**
 * Limit each element to `[min, max]`; `null`/`undefined` leaves a side open (`torch.clamp`). See
 * {@link Tensor.clamp}.
 * @category Math
 */
export const clamp = (a: T, min?: number | null, max?: number | null) => input("clamp", a).clamp(min, max);
/**
 * Alias of {@link clamp} (`torch.clip`).
 * @category Math
 */
export const clip = clamp;
/**
 * The larger of `a` and `b`, elementwise with broadcasting (`torch.maximum`).
 * @category Math
 */
export const maximum = (a: T, b: T) => input("maximum", a).maximum(b);
/**
 * The smaller of `a` and `b`, elementwise with broadcasting (`torch.minimum`).
 * @category Math
 */
export const minimum = (a: T, b: T) => input("minimum", a).minimum(b);
/**
 * `a == b` elementwise: a bool tensor (`torch.eq`).
 * @category Comparison
 */
export const eq = (a: T, b: TensorOrScalar) => input("eq", a).eq(b);
/**
 * `a != b` elementwise: a bool tensor (`torch.ne`).
 * @category Comparison
 */
export const ne = (a: T, b: TensorOrScalar) => input("ne", a).ne(b);
/**
 * `a < b` elementwise: a bool tensor (`torch.lt`).
 * @category Comparison
 */
export const lt = (a: T, b: TensorOrScalar) => input("lt", a).lt(b);
/**
 * `a <= b` elementwise: a bool tensor (`torch.le`).
 * @category Comparison
 */
export const le = (a: T, b: TensorOrScalar) => input("le", a).le(b);
/**
 * `a > b` elementwise: a bool tensor (`torch.gt`).
 * @category Comparison
 */
export const gt = (a: T, b: TensorOrScalar) => input("gt", a).gt(b);
/**
 * `a >= b` elementwise: a bool tensor (`torch.ge`).
 * @category Comparison
 */
export const ge = (a: T, b: TensorOrScalar) => input("ge", a).ge(b);
/**
 * Whether every element is non-zero, over all elements or along `dim`: a bool tensor (`torch.all`).
 * @category Reductions
 */
export const all = (a: T, dim?: number, keepdim?: boolean) => input("all", a).all(dim, keepdim);
/**
 * Whether some element is non-zero, over all elements or along `dim`: a bool tensor (`torch.any`).
 * @category Reductions
 */
export const any = (a: T, dim?: number, keepdim?: boolean) => input("any", a).any(dim, keepdim);
/**
 * The sum over all elements or `dim` (`torch.sum`). See {@link Tensor.sum}.
 * @category Reductions
 */
export const sum = (a: T, dim?: DimArg, keepdim?: boolean) => input("sum", a).sum(dim, keepdim);
/**
 * The mean over all elements or `dim`; floating tensors only (`torch.mean`).
 * @category Reductions
 */
export const mean = (a: T, dim?: DimArg, keepdim?: boolean) => input("mean", a).mean(dim, keepdim);
/**
 * The product over all elements or one `dim` (`torch.prod`).
 * @category Reductions
 */
export const prod = (a: T, dim?: number, keepdim?: boolean) => input("prod", a).prod(dim, keepdim);
/**
 * The largest element of `a`, as a 0-d tensor (`torch.max(a)`).
 * @category Reductions
 */
export function max(a: T): T;
/**
 * The largest values along `dim` and their int32 indices: `{ values, indices }`, which also
 * destructures as `[values, indices]` (`torch.max(a, dim)`).
 * @category Reductions
 */
export function max(a: T, dim: number, keepdim?: boolean): ReturnType<T["max"]>;
export function max(a: T, dim?: number, keepdim?: boolean) { input("max", a); return dim === undefined ? a.max() : a.max(dim, keepdim); }
/**
 * The smallest element of `a`, as a 0-d tensor (`torch.min(a)`).
 * @category Reductions
 */
export function min(a: T): T;
/**
 * The smallest values along `dim` and their int32 indices: `{ values, indices }`, which also
 * destructures as `[values, indices]` (`torch.min(a, dim)`).
 * @category Reductions
 */
export function min(a: T, dim: number, keepdim?: boolean): ReturnType<T["min"]>;
export function min(a: T, dim?: number, keepdim?: boolean) { input("min", a); return dim === undefined ? a.min() : a.min(dim, keepdim); }
/**
 * The int32 index of the largest element, of the flattened tensor or along `dim` (`torch.argmax`).
 * @category Reductions
 */
export const argmax = (a: T, dim?: number, keepdim?: boolean) => input("argmax", a).argmax(dim, keepdim);
/**
 * The int32 index of the smallest element, of the flattened tensor or along `dim` (`torch.argmin`).
 * @category Reductions
 */
export const argmin = (a: T, dim?: number, keepdim?: boolean) => input("argmin", a).argmin(dim, keepdim);
/**
 * The unbiased variance (N - 1) over all elements or `dim` (`torch.var`). Also exported as `var`,
 * which a namespace import can call (`torch.var(x)`) but a named import cannot name, `var` being a
 * reserved word.
 * @category Reductions
 */
export const var_ = (a: T, dim?: DimArg, keepdim?: boolean) => input("var", a).var(dim, keepdim);
export { var_ as var };
/**
 * The unbiased standard deviation (N - 1) over all elements or `dim` (`torch.std`).
 * @category Reductions
 */
export const std = (a: T, dim?: DimArg, keepdim?: boolean) => input("std", a).std(dim, keepdim);
/**
 * `log(sum(exp(a)))` over `dim`, computed stably (`torch.logsumexp`).
 * @category Reductions
 */
export const logsumexp = (a: T, dim: DimArg, keepdim?: boolean) => input("logsumexp", a).logsumexp(dim, keepdim);
/**
 * The p-norm (default 2) over all elements or `dim` (`torch.norm`). See {@link Tensor.norm}.
 * @category Reductions
 */
export const norm = (a: T, p?: number, dim?: DimArg, keepdim?: boolean) => input("norm", a).norm(p, dim, keepdim);
/**
 * The running sum along `dim` (`torch.cumsum`). See {@link Tensor.cumsum}.
 * @category Reductions
 */
export const cumsum = (a: T, dim: number) => input("cumsum", a).cumsum(dim);
/**
 * The running product along `dim` (`torch.cumprod`).
 * @category Reductions
 */
export const cumprod = (a: T, dim: number) => input("cumprod", a).cumprod(dim);
/**
 * The largest values over `dim` (`torch.amax`). See {@link Tensor.amax}.
 * @category Reductions
 */
export const amax = (a: T, dim?: DimArg, keepdim?: boolean) => input("amax", a).amax(dim, keepdim);
/**
 * The smallest values over `dim` (`torch.amin`).
 * @category Reductions
 */
export const amin = (a: T, dim?: DimArg, keepdim?: boolean) => input("amin", a).amin(dim, keepdim);
/**
 * `a` sorted along `dim`: `{ values, indices }` (`torch.sort`). See {@link Tensor.sort}.
 * @category Reductions
 */
export const sort = (a: T, dim?: number, descending?: boolean) => input("sort", a).sort(dim, descending);
/**
 * The int32 indices that sort `a` along `dim` (`torch.argsort`).
 * @category Reductions
 */
export const argsort = (a: T, dim?: number, descending?: boolean) => input("argsort", a).argsort(dim, descending);
/**
 * The `k` largest (or smallest) elements along `dim`: `{ values, indices }` (`torch.topk`). See
 * {@link Tensor.topk}.
 * @category Reductions
 */
export const topk = (a: T, k: number, dim?: number, largest?: boolean, sorted?: boolean) => input("topk", a).topk(k, dim, largest, sorted);
/**
 * The matrix product with broadcasting of batch dimensions (`torch.matmul`). See {@link
 * Tensor.matmul}.
 * @category Linear algebra
 */
export const matmul = (a: T, b: T) => input("matmul", a).matmul(b);
/**
 * The product of two 2-D matrices (`torch.mm`).
 * @category Linear algebra
 */
export const mm = (a: T, b: T) => input("mm", a).mm(b);
/**
 * The batched matrix product of two 3-D tensors (`torch.bmm`). See {@link Tensor.bmm}.
 * @category Linear algebra
 */
export const bmm = (a: T, b: T) => input("bmm", a).bmm(b);
/**
 * The dot product of two 1-D tensors (`torch.dot`).
 * @category Linear algebra
 */
export const dot = (a: T, b: T) => input("dot", a).dot(b);
/**
 * The outer product of two 1-D tensors (`torch.outer`).
 * @category Linear algebra
 */
export const outer = (a: T, b: T) => input("outer", a).outer(b);
/**
 * Einstein summation, as PyTorch's `torch.einsum`: `equation` names each operand's dimensions
 * with letters (`"ij,jk->ik"` is a matrix product, `"bij,bjk->bik"` a batched one, `"ii->i"` a
 * diagonal, `"i,i->"` a dot product); `...` stands for further dimensions, which broadcast; without
 * `->` the output is the ellipsis and the letters used once, in alphabetical order. Operands as
 * separate arguments or one array. Contracts left to right through `bmm`, as PyTorch does.
 *
 * @throws PyTorch's `einsum(): ...` messages for a bad equation (an operand count or a number of
 *   subscripts that does not match, a subscript in the output that no operand has, sizes that do
 *   not match ...).
 * @example
 * ```ts
 * const scores = torch.einsum("bqd,bkd->bqk", q, k); // attention scores
 * ```
 * @category Linear algebra
 */
export function einsum(equation: string, ...tensors: (T | T[])[]): T {
  if (typeof equation !== "string") throw A.argError("einsum", "equation", 1, "str", equation);
  const ops = tensors.length === 1 && Array.isArray(tensors[0]) ? tensors[0] : tensors;
  A.checkTensorList("einsum", "operands", 2, ops);
  if (ops.length === 0) {
    throw new Error("einsum(): must specify the equation string and at least one operand, or at least one operand and its subscripts list");
  }
  return EIN.einsum(equation, ops);
}
/**
 * The transpose of a tensor of at most 2 dimensions, as a view (`torch.t`).
 * @category Linear algebra
 */
export const t = (a: T) => input("t", a).t();
/**
 * `a`'s elements in a new shape, a view when possible (`torch.reshape`). See {@link
 * Tensor.reshape}.
 * @category Shape and indexing
 */
export const reshape = (a: T, ...shape: (number | number[])[]) => input("reshape", a).reshape(...shape);
/**
 * A view of `a` with dimensions `d0` and `d1` swapped (`torch.transpose`).
 * @category Shape and indexing
 */
export const transpose = (a: T, d0: number, d1: number) => input("transpose", a).transpose(d0, d1);
/**
 * A view of `a` with its dimensions reordered (`torch.permute`).
 * @category Shape and indexing
 */
export const permute = (a: T, ...dims: (number | number[])[]) => input("permute", a).permute(...dims);
/**
 * A view of `a` with a size-1 dimension inserted at `d` (`torch.unsqueeze`).
 * @category Shape and indexing
 */
export const unsqueeze = (a: T, d: number) => input("unsqueeze", a).unsqueeze(d);
/**
 * A view of `a` without size-1 dimensions, or without dimension `d` when its size is 1
 * (`torch.squeeze`).
 * @category Shape and indexing
 */
export const squeeze = (a: T, d?: number) => input("squeeze", a).squeeze(d);
/**
 * `a` with dimensions `start`..`end` (inclusive) merged into one (`torch.flatten`).
 * @category Shape and indexing
 */
export const flatten = (a: T, start?: number, end?: number) => input("flatten", a).flatten(start, end);
/**
 * A copy of `a` with its own storage; the gradient flows back to `a` (`torch.clone`).
 * @category Shape and indexing
 */
export const clone = (a: T) => input("clone", a).clone();
/**
 * Softmax along `dim` (`torch.softmax`). See {@link Tensor.softmax}.
 * @category Neural network math
 */
export const softmax = (a: T, dim: number) => input("softmax", a).softmax(dim);
/**
 * Log-softmax along `dim` (PyTorch's `torch.log_softmax`).
 * @category Neural network math
 */
export const logSoftmax = (a: T, dim: number) => input("logSoftmax", a).logSoftmax(dim);
/**
 * A tensor sharing `a`'s storage, out of the graph (`torch.detach`). See {@link Tensor.detach}.
 * @category Autograd
 */
export const detach = (a: T) => input("detach", a).detach();
/**
 * The number of elements of `a` (`torch.numel`).
 * @category Shape and indexing
 */
export const numel = (a: T) => input("numel", a).numel();
/**
 * Concatenate tensors along an existing dimension `dim` (default 0) (`torch.cat`). All must have
 * the same number of dimensions and the same sizes except along `dim`.
 *
 * @throws `torch.cat(): expected a non-empty list of Tensors`; `zero-dimensional tensor (at
 *   position N) cannot be concatenated`; `Sizes of tensors must match except in dimension D...`.
 * @example
 * ```ts
 * torch.cat([torch.zeros(2, 3), torch.ones(1, 3)]).shape; // [3, 3]
 * ```
 * Bool tensors concatenate to a {@link BoolTensor}.
 * @category Shape and indexing
 */
export function cat(tensors: BoolTensor[], dim?: number): BoolTensor;
export function cat(tensors: T[], dim?: number): T;
export function cat(tensors: T[], dim = 0): T { A.checkTensorList("cat", "tensors", 1, tensors); A.checkInt("cat", "dim", 2, dim); return M.cat(tensors, dim); }
/**
 * Alias of {@link cat} (`torch.concat`).
 * @category Shape and indexing
 */
export const concat = cat;
/**
 * Stack tensors of equal shape along a new dimension `dim` (default 0) (`torch.stack`).
 *
 * @throws `stack expects a non-empty TensorList`; `stack expects each tensor to be equal size...`.
 * Bool tensors stack to a {@link BoolTensor}.
 * @category Shape and indexing
 */
export function stack(tensors: BoolTensor[], dim?: number): BoolTensor;
export function stack(tensors: T[], dim?: number): T;
export function stack(tensors: T[], dim = 0): T { A.checkTensorList("stack", "tensors", 1, tensors); A.checkInt("stack", "dim", 2, dim); return M.stack(tensors, dim); }
/**
 * Views of pieces of `a` along `dim` (`torch.split`). See {@link Tensor.split}.
 * @category Shape and indexing
 */
export const split = (a: T, sizeOrSizes: number | number[], dim?: number) => input("split", a).split(sizeOrSizes, dim);
/**
 * Views of `chunks` pieces of `a` along `dim` (`torch.chunk`).
 * @category Shape and indexing
 */
export const chunk = (a: T, chunks: number, dim?: number) => input("chunk", a).chunk(chunks, dim);
/**
 * Views of each slice of `a` along `dim`, without that dimension (`torch.unbind`).
 * @category Shape and indexing
 */
export const unbind = (a: T, dim?: number) => input("unbind", a).unbind(dim);
/**
 * A view of `length` elements of `a` along `dim` from `start` (`torch.narrow`).
 * @category Shape and indexing
 */
export const narrow = (a: T, dim: number, start: number, length: number) => input("narrow", a).narrow(dim, start, length);
/**
 * The view of `a` at `index` along `dim` (`torch.select`).
 * @category Shape and indexing
 */
export const select = (a: T, dim: number, index: number) => input("select", a).select(dim, index);
/**
 * Values of `a` picked along `dim` by an int32 `index` (`torch.gather`). See {@link Tensor.gather}.
 * @category Shape and indexing
 */
export const gather = (a: T, dim: number, index: T) => input("gather", a).gather(dim, index);
/**
 * A copy of `a` with `src` written at `index` along `dim` (`torch.scatter`). See {@link Tensor.scatter}.
 * @category Shape and indexing
 */
export const scatter = (a: T, dim: number, index: T, src: T | number) => input("scatter", a).scatter(dim, index, src);
/**
 * A copy of `a` with `src` added at `index` along `dim` (`torch.scatter_add`).
 * @category Shape and indexing
 */
export const scatterAdd = (a: T, dim: number, index: T, src: T) => input("scatter_add", a).scatterAdd(dim, index, src);
/**
 * The slices of `a` at a 1-D int32 `index` along `dim` (`torch.index_select`).
 * @category Shape and indexing
 */
export const indexSelect = (a: T, dim: number, index: T) => input("index_select", a).indexSelect(dim, index);
/**
 * A copy of `a` reversed along `dims` (`torch.flip`).
 * @category Shape and indexing
 */
export const flip = (a: T, ...dims: (number | number[])[]) => input("flip", a).flip(...dims);
/**
 * A copy of `a` shifted by `shifts` along `dims`, wrapping around (`torch.roll`).
 * @category Shape and indexing
 */
export const roll = (a: T, shifts: number | number[], dims?: number | number[]) => input("roll", a).roll(shifts, dims);
/**
 * The lower triangle of `a`'s last two dimensions (`torch.tril`).
 * @category Shape and indexing
 */
export const tril = (a: T, diagonal?: number) => input("tril", a).tril(diagonal);
/**
 * The upper triangle of `a`'s last two dimensions (`torch.triu`).
 * @category Shape and indexing
 */
export const triu = (a: T, diagonal?: number) => input("triu", a).triu(diagonal);
/**
 * Elementwise choice: `a` where `cond` is true, else `b`, with broadcasting (`torch.where(cond, a,
 * b)`). `a` and `b` may be numbers.
 *
 * @param cond - A bool tensor.
 * @throws `where expected condition to be a boolean tensor...` for a `cond` that is not bool.
 * A choice between two bool tensors (or booleans) is a {@link BoolTensor}.
 * @category Math
 */
export function where(cond: T, a: BoolTensor | boolean, b: BoolTensor | boolean): BoolTensor;
export function where(cond: T, a: TensorOrScalar, b: TensorOrScalar): T;
export function where(cond: T, a: TensorOrScalar, b: TensorOrScalar): T {
  A.checkTensor("where", "condition", 1, cond);
  A.checkTensorOrScalar("where", "input", 2, a);
  A.checkTensorOrScalar("where", "other", 3, b);
  return E.where(cond, a, b);
}
/**
 * Whether `x` is a wasmgrad {@link Tensor} (`torch.is_tensor`).
 * @category Creation
 */
export const isTensor = (x: unknown): x is Tensor => x instanceof Tensor;
/**
 * A 1-D convolution with PyTorch's positional arguments (`torch.conv1d(input, weight, bias,
 * stride, padding, dilation, groups)`); see {@link nn.functional.conv1d}.
 * @category Neural networks
 */
export const conv1d = (input: T, weight: T, bias?: T | null, stride?: SizeArg, padding?: SizeArg | "same" | "valid", dilation?: SizeArg, groups?: number) =>
  nn.functional.conv1d(input, weight, bias, { stride, padding, dilation, groups });
/**
 * A 2-D convolution with PyTorch's positional arguments (`torch.conv2d(input, weight, bias,
 * stride, padding, dilation, groups)`); see {@link nn.functional.conv2d}.
 * @category Neural networks
 */
export const conv2d = (input: T, weight: T, bias?: T | null, stride?: SizeArg, padding?: SizeArg | "same" | "valid", dilation?: SizeArg, groups?: number) =>
  nn.functional.conv2d(input, weight, bias, { stride, padding, dilation, groups });
/**
 * 2-D max pooling with PyTorch's positional arguments (`torch.max_pool2d(input, kernel_size,
 * stride, padding, dilation, ceil_mode)`); see {@link nn.functional.maxPool2d}.
 * @category Neural networks
 */
export const maxPool2d = (input: T, kernelSize: SizeArg, stride?: SizeArg | null, padding?: SizeArg, dilation?: SizeArg, ceilMode?: boolean) =>
  nn.functional.maxPool2d(input, kernelSize, { stride, padding, dilation, ceilMode });
/**
 * Batch normalisation with PyTorch's positional arguments (`torch.batch_norm(input, weight, bias,
 * running_mean, running_var, training, momentum, eps, cudnn_enabled)`; `cudnnEnabled` is
 * ignored). Unlike {@link nn.functional.batchNorm} it does not refuse one value per channel in
 * training mode (the running variance then becomes NaN, as PyTorch's).
 * @category Neural networks
 */
export const batchNorm = (
  input: T, weight: T | null, bias: T | null, runningMean: T | null, runningVar: T | null,
  training: boolean, momentum: number, eps: number, cudnnEnabled = false,
): T => {
  A.checkBool("batch_norm", "cudnn_enabled", 9, cudnnEnabled);
  return batchNormChecked(input, weight, bias, runningMean, runningVar, training, momentum, eps, false);
};
/**
 * The rows of `weight` at the int32 `indices`, with PyTorch's positional arguments
 * (`torch.embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse)`; a negative
 * `paddingIdx`, the default -1, is none); see {@link nn.functional.embedding}.
 * @category Neural networks
 */
export const embedding = (weight: T, indices: T, paddingIdx = -1, scaleGradByFreq = false, sparse = false): T =>
  embeddingChecked(weight, indices, paddingIdx, scaleGradByFreq, sparse);

/**
 * torch.autograd: gradients of arbitrary outputs, custom differentiable functions, gradient checks,
 * functional derivatives and anomaly detection.
 * @namespace
 * @category Autograd
 */
export const autograd = {
  /** @function */
  grad: autogradFns.grad,
  /** @function */
  backward: autogradFns.backward,
  /**
   * Base class of custom differentiable operations (PyTorch's `torch.autograd.Function`).
   *
   * A subclass defines two static methods: `forward(ctx, ...args)` computes the outputs (a
   * Tensor, or an array) with grad mode off; `backward(ctx, ...gradOutputs)` gets one gradient
   * per output and returns one gradient (or `null`) per `forward` argument after `ctx` (a single
   * Tensor when there is one argument). Call it with the static `apply`; the result's `gradFn`
   * is named `<ClassName>Backward`. See {@link FunctionCtx} for what `ctx` offers.
   *
   * @example
   * ```ts
   * class Exp extends torch.autograd.Function {
   *   static forward(ctx: torch.FunctionCtx, x: torch.Tensor) { const r = x.exp(); ctx.saveForBackward(r); return r; }
   *   static backward(ctx: torch.FunctionCtx, g: torch.Tensor) { const [r] = ctx.savedTensors; return g.mul(r!); }
   * }
   * const y = Exp.apply(x); // y.gradFn.name() === "ExpBackward"
   * ```
   */
  Function: AutogradFunction,
  /** @function */
  gradcheck: gradcheckFns.gradcheck,
  /** @function */
  gradgradcheck: gradcheckFns.gradgradcheck,
  /**
   * torch.autograd.functional: derivatives of a function at given inputs (Jacobian, Hessian,
   * vector-Jacobian and Jacobian-vector products). Results are detached unless `createGraph` is set.
   * @namespace
   */
  functional: {
    /** @function */
    jacobian: functionalFns.jacobian,
    /** @function */
    hessian: functionalFns.hessian,
    /** @function */
    vjp: functionalFns.vjp,
    /** @function */
    jvp: functionalFns.jvp,
  },
  /** @function */
  detectAnomaly,
  /** @function */
  setDetectAnomaly,
  /** @function */
  isAnomalyEnabled,
};

export * as utils from "./utils/index.js";
export * as viz from "./viz.js";
export { nn, optim };

// ---- types the signatures above use, exported so that a program can name them ------------------
export type { Scalar } from "./tensor.js";
export type { ValuesIndices } from "./ops/reduce.js";
export type { TensorHook } from "./autograd/node.js";
export type { GradOptions } from "./autograd/grad.js";
export type { GradcheckOptions } from "./autograd/gradcheck.js";
export type { FunctionalOptions } from "./autograd/functional.js";
