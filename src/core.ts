/**
 * wasmgrad's public surface, not started: `init({ module })` first. The package's
 * main entry (index.ts) is this plus an embedded binary started with top-level await.
 * Nothing here imports `node:` modules, so it runs in browsers, Deno, Bun and workerd.
 */
import { backendByName, installWasmBackend, isInitialised } from "./backend/registry.js";
import { instantiate } from "./backend/wasm/loader.js";
import { WasmBackend } from "./backend/wasm/index.js";
import { Tensor, type BoolTensor, type DimArg, type IndexArg, type NestedList, type TensorOrScalar } from "./tensor.js";
import { memoryCache } from "./storage.js";
import { stats } from "./accounting.js";
import * as E from "./ops/elementwise.js";
import * as M from "./ops/movement.js";
import * as autogradFns from "./autograd/grad.js";
import { Function as AutogradFunction } from "./autograd/function.js";
import * as gradcheckFns from "./autograd/gradcheck.js";
import * as functionalFns from "./autograd/functional.js";
import { detectAnomaly, isAnomalyEnabled, setDetectAnomaly } from "./autograd/anomaly.js";
import { checkpoint } from "./utils/checkpoint.js";
import * as nn from "./nn/index.js";
import * as optim from "./optim/index.js";

export { Tensor };
export type { BoolTensor, DimArg, IndexArg, NestedList, TensorOrScalar };
export type { DType, TypedArray } from "./dtype.js";
export { float32, float64, int32, bool } from "./dtype.js";
export { setBackend, getBackend, type BackendName } from "./backend/registry.js";
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, type GradModeGuard } from "./autograd/grad_mode.js";
export { Node, AccumulateGrad } from "./autograd/node.js";
export type { FunctionCtx, FunctionClass } from "./autograd/function.js";
export {
  tensor, fromArray, zeros, ones, empty, full, rand, randn, arange, linspace, eye,
  zerosLike, onesLike, fullLike, randnLike, randLike, emptyLike, manualSeed, type CreateOptions, type BoolCreateOptions,
} from "./creation.js";

// ---- start-up ----------------------------------------------------------------------------------

let starting: Promise<void> | null = null;

/** Start the Wasm core from a compiled `WebAssembly.Module` or the binary's bytes. Idempotent. */
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

export interface MemoryInfo {
  /** Live tensor objects (views included). */
  tensors: number;
  /** Bytes of storage not disposed and not known to be garbage collected. */
  bytesInUse: number;
  /** The high-water mark of bytesInUse. */
  peakBytes: number;
  /** The size of the Wasm linear memory. */
  wasmHeapBytes: number;
  /** Of bytesInUse, the bytes of wasm storage moved out to the JS heap (see setMemoryBudget). */
  spilledBytes: number;
}

/**
 * Memory counts. Storage that is garbage collected without `dispose` leaves the counts
 * when the collector reports it, between tasks, and in batches: inside a long synchronous
 * loop they are an upper bound.
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
 * Most bytes of tensor storage the wasm backend keeps in Wasm linear memory (default
 * 256 MiB). Past it, the storage used least recently moves out to the JS heap (where the
 * garbage collector reclaims it once unreachable) and moves back when an op reads it, so
 * code that never calls `tidy` or `dispose` runs in bounded memory. Linear memory grows
 * past the budget only for what the most recent ops use at once.
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
export const add = (a: T, b: TensorOrScalar, opts?: { alpha?: number }) => a.add(b, opts);
export const sub = (a: T, b: TensorOrScalar, opts?: { alpha?: number }) => a.sub(b, opts);
export const mul = (a: T, b: TensorOrScalar) => a.mul(b);
export const div = (a: T, b: TensorOrScalar) => a.div(b);
export const pow = (a: T, b: TensorOrScalar) => a.pow(b);
export const neg = (a: T) => a.neg();
export const abs = (a: T) => a.abs();
export const exp = (a: T) => a.exp();
export const log = (a: T) => a.log();
export const sqrt = (a: T) => a.sqrt();
export const sin = (a: T) => a.sin();
export const cos = (a: T) => a.cos();
export const tanh = (a: T) => a.tanh();
export const sigmoid = (a: T) => a.sigmoid();
export const relu = (a: T) => a.relu();
export const sign = (a: T) => a.sign();
export const clamp = (a: T, min?: number | null, max?: number | null) => a.clamp(min, max);
export const clip = clamp;
export const maximum = (a: T, b: T) => a.maximum(b);
export const minimum = (a: T, b: T) => a.minimum(b);
export const eq = (a: T, b: TensorOrScalar) => a.eq(b);
export const ne = (a: T, b: TensorOrScalar) => a.ne(b);
export const lt = (a: T, b: TensorOrScalar) => a.lt(b);
export const le = (a: T, b: TensorOrScalar) => a.le(b);
export const gt = (a: T, b: TensorOrScalar) => a.gt(b);
export const ge = (a: T, b: TensorOrScalar) => a.ge(b);
export const all = (a: T, dim?: number, keepdim?: boolean) => a.all(dim, keepdim);
export const any = (a: T, dim?: number, keepdim?: boolean) => a.any(dim, keepdim);
export const sum = (a: T, dim?: DimArg, keepdim?: boolean) => a.sum(dim, keepdim);
export const mean = (a: T, dim?: DimArg, keepdim?: boolean) => a.mean(dim, keepdim);
export const prod = (a: T, dim?: number, keepdim?: boolean) => a.prod(dim, keepdim);
export function max(a: T): T;
export function max(a: T, dim: number, keepdim?: boolean): ReturnType<T["max"]>;
export function max(a: T, dim?: number, keepdim?: boolean) { return dim === undefined ? a.max() : a.max(dim, keepdim); }
export function min(a: T): T;
export function min(a: T, dim: number, keepdim?: boolean): ReturnType<T["min"]>;
export function min(a: T, dim?: number, keepdim?: boolean) { return dim === undefined ? a.min() : a.min(dim, keepdim); }
export const argmax = (a: T, dim?: number, keepdim?: boolean) => a.argmax(dim, keepdim);
export const argmin = (a: T, dim?: number, keepdim?: boolean) => a.argmin(dim, keepdim);
export const var_ = (a: T, dim?: DimArg, keepdim?: boolean) => a.var(dim, keepdim);
export { var_ as var };
export const std = (a: T, dim?: DimArg, keepdim?: boolean) => a.std(dim, keepdim);
export const logsumexp = (a: T, dim: DimArg, keepdim?: boolean) => a.logsumexp(dim, keepdim);
export const norm = (a: T, p?: number, dim?: DimArg, keepdim?: boolean) => a.norm(p, dim, keepdim);
export const matmul = (a: T, b: T) => a.matmul(b);
export const mm = (a: T, b: T) => a.mm(b);
export const t = (a: T) => a.t();
export const reshape = (a: T, ...shape: (number | number[])[]) => a.reshape(...shape);
export const transpose = (a: T, d0: number, d1: number) => a.transpose(d0, d1);
export const permute = (a: T, ...dims: (number | number[])[]) => a.permute(...dims);
export const unsqueeze = (a: T, d: number) => a.unsqueeze(d);
export const squeeze = (a: T, d?: number) => a.squeeze(d);
export const flatten = (a: T, start?: number, end?: number) => a.flatten(start, end);
export const clone = (a: T) => a.clone();
export const softmax = (a: T, dim: number) => a.softmax(dim);
export const logSoftmax = (a: T, dim: number) => a.logSoftmax(dim);
export const detach = (a: T) => a.detach();
export const numel = (a: T) => a.numel();
export const cat = (tensors: T[], dim = 0) => M.cat(tensors, dim);
export const concat = cat;
export const stack = (tensors: T[], dim = 0) => M.stack(tensors, dim);
export const where = (cond: T, a: TensorOrScalar, b: TensorOrScalar) => E.where(cond, a, b);
export const isTensor = (x: unknown): x is Tensor => x instanceof Tensor;

export const autograd = {
  grad: autogradFns.grad,
  backward: autogradFns.backward,
  Function: AutogradFunction,
  gradcheck: gradcheckFns.gradcheck,
  gradgradcheck: gradcheckFns.gradgradcheck,
  functional: {
    jacobian: functionalFns.jacobian,
    hessian: functionalFns.hessian,
    vjp: functionalFns.vjp,
    jvp: functionalFns.jvp,
  },
  detectAnomaly,
  setDetectAnomaly,
  isAnomalyEnabled,
};

/** torch.utils: `checkpoint(fn, ...args)` recomputes `fn`'s intermediates in backward instead of keeping them. */
export const utils = { checkpoint };
export * as viz from "./viz.js";
export { nn, optim };
