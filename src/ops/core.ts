/**
 * Machinery every op uses: turning numbers into tensors, running raw kernels on
 * the right backend, and recording a graph node when grad mode wants one.
 */
import { Red, type Backend } from "../backend/backend.js";
import { FnNode, type GradRule, type Node } from "../autograd/node.js";
import { isGradEnabled, noGrad } from "../autograd/grad_mode.js";
import { gradEdge } from "../autograd/engine.js";
import { typedArrayFor, type DType } from "../dtype.js";
import { allocTensor, Tensor } from "../tensor.js";
import { isContiguous } from "../shape.js";
import { closeScope, openScope } from "../scopes.js";
import { Storage } from "../storage.js";
import { checkFitsInt32 } from "../argcheck.js";

export { allocTensor };

/** The handle of a tensor a kernel reads (and does not write: use `_storage.handle` for that). */
export function handleOf(t: Tensor): unknown {
  t._assertLive();
  return t._storage.readHandle;
}

/** A one-element tensor holding `value` on `backend` (broadcast with stride 0 by kernels).
 *  An int32 value must fit (it would wrap). */
export function scalarTensor(value: number | boolean, dtype: DType, backend: Backend): Tensor {
  if (dtype === "int32" && typeof value === "number") checkFitsInt32(value);
  const t = allocTensor(backend, dtype, []);
  const arr = typedArrayFor(dtype, 1);
  arr[0] = dtype === "bool" ? (value !== 0 && value !== false ? 1 : 0) : +value;
  backend.write(t._storage.handle, dtype, arr, 0);
  return t;
}

/** One reusable one-element tensor per backend and dtype for number operands: a kernel
 *  reads it at once, so binary ops with a number allocate nothing for it. Never dispose it.
 *  Recomputing a dropped block (residency.ts) happens while an op fetches its operands, after
 *  the op filled its scratch: recipes use their own (`forRecipe`). */
const scratchScalars = [new Map<Backend, Map<DType, Tensor>>(), new Map<Backend, Map<DType, Tensor>>()];
export function scratchScalar(value: number | boolean, dtype: DType, backend: Backend, forRecipe = false): Tensor {
  const perBackend = scratchScalars[forRecipe ? 1 : 0]!;
  let perDtype = perBackend.get(backend);
  if (perDtype === undefined) perBackend.set(backend, (perDtype = new Map()));
  let t = perDtype.get(dtype);
  if (t === undefined) {
    t = new Tensor(Storage.scratch(backend, dtype, 1), [], [], 0, true);
    perDtype.set(dtype, t);
  }
  backend.fill(t._storage.handle, dtype, +value, 0, 1);
  return t;
}

// ---- int32 results that do not fit ------------------------------------------------------

/**
 * The error for an int32 result outside the int32 range. wasmgrad's int32 stands in for
 * PyTorch's int64 (integer arange, sums of int tensors, ...), where the result would have
 * fit: wrapping around would silently give a different answer than PyTorch, so ops raise.
 * `op` names the op as called (`add_` for in-place); `hint` the float64 call that works
 * (by default the out-of-place method on x.double()).
 */
export function int32OverflowError(op: string, hint = `x.double().${op.replace(/_$/, "")}(...)`): Error {
  return new Error(`${op}(): the result does not fit in int32 (wasmgrad's stand-in for int64); convert to float64 first: ${hint}`);
}

/** Whether the number is outside the int32 range (a non-integer is not, here: callers pass integers). */
export function outsideInt32(v: number): boolean {
  return !(v >= -2147483648 && v <= 2147483647);
}

/** The smallest and largest value of a float64 or int32 tensor (NaN if it holds one);
 *  [Infinity, -Infinity] when empty. */
export function valueRange(t: Tensor): [number, number] {
  const n = t.numel();
  if (n === 0) return [Infinity, -Infinity];
  const be = t._storage.backend;
  const src = contiguousRaw(t);
  const r = allocTensor(be, t.dtype, [1], false);
  try {
    be.reduce(Red.MIN_LAST, t.dtype, handleOf(src), src._offset, 1, n, 1, r._storage.handle);
    const lo = be.read(r._storage.handle, t.dtype, 0, 1)[0]!;
    be.reduce(Red.MAX_LAST, t.dtype, handleOf(src), src._offset, 1, n, 1, r._storage.handle);
    const hi = be.read(r._storage.handle, t.dtype, 0, 1)[0]!;
    return [lo, hi];
  } finally {
    r.dispose();
    if (src !== t) src.dispose();
  }
}

/** `t` (float64 holding integers) cast to int32, or the int32 overflow error for `op`
 *  (with `hint`) when a value does not fit. */
export function toInt32Checked(t: Tensor, op: string, hint?: string): Tensor {
  const [lo, hi] = valueRange(t);
  if (!(lo >= -2147483648 && hi <= 2147483647) && t.numel() > 0) throw int32OverflowError(op, hint);
  return castRaw(t, "int32");
}

/** The same values on another backend (a copy), for ops that mix backends. */
export function moveTo(t: Tensor, backend: Backend): Tensor {
  if (t._storage.backend === backend) return t;
  const data = t.toArray();
  const out = allocTensor(backend, t.dtype, t.shape.slice());
  backend.write(out._storage.handle, t.dtype, data, 0);
  return out;
}


/** Raw strided copy with cast to a fresh contiguous tensor (no autograd). */
export function castRaw(t: Tensor, dtype: DType): Tensor {
  const be = t._storage.backend;
  const out = allocTensor(be, dtype, t.shape.slice(), false);
  be.copy(handleOf(t), t.dtype, t._offset, t._strides, out._storage.handle, dtype, 0, out._strides, t.shape);
  return out;
}

/** `t` itself when contiguous, else a contiguous copy (no autograd). */
export function contiguousRaw(t: Tensor): Tensor {
  return isContiguous(t.shape, t._strides) ? t : castRaw(t, t.dtype);
}

/** Whether an op on these inputs is recorded. */
export function wantsGrad(a: Tensor | null, b?: Tensor | null, c?: Tensor | null): boolean {
  if (!isGradEnabled()) return false;
  return (a !== null && a.requiresGrad) || (b != null && b.requiresGrad) || (c != null && c.requiresGrad);
}

/** A gradient rule's math, as its derivatives.yaml line: the output's gradient, the tensors
 *  saved in forward, the op's non-tensor facts, and which inputs need a gradient. The engine
 *  sums each returned gradient to its input's shape and casts it to its dtype. */
export type RuleBackward<Saved extends readonly Tensor[], Attrs> =
  (grad: Tensor, saved: Saved, attrs: Attrs, needsInputGrad: (i: number) => boolean) => (Tensor | null)[];

/** A rule whose saved tensors and attrs have known types (checked where the op records it). */
export interface TypedRule<Saved extends readonly Tensor[], Attrs> extends GradRule {
  readonly math: RuleBackward<Saved, Attrs>;
}

/** Declare a gradient rule: PyTorch's node name and its math. */
export function rule<Saved extends readonly Tensor[] = [], Attrs = null>(name: string, math: RuleBackward<Saved, Attrs>): TypedRule<Saved, Attrs> {
  return {
    name,
    math,
    backward: (node, grad) => math(grad, node.saved as readonly Tensor[] as Saved, node.attrs as Attrs, node.needsInputGradFn()),
  };
}

/**
 * Attach a graph node to `out` for a differentiable op. `inputs` are the tensors
 * gradients flow to (null for a non-tensor argument); `saved` are kept (as aliases
 * that hold their own storage reference) for the rule's backward.
 */
export function record<Saved extends readonly Tensor[], Attrs extends null>(
  out: Tensor, rule: TypedRule<Saved, Attrs>, inputs: readonly (Tensor | null)[], saved: NoInfer<Saved> | null): Tensor;
export function record<Saved extends readonly Tensor[], Attrs>(
  out: Tensor, rule: TypedRule<Saved, Attrs>, inputs: readonly (Tensor | null)[], saved: NoInfer<Saved> | null, attrs: NoInfer<Attrs>): Tensor;
export function record(out: Tensor, rule: GradRule, inputs: readonly (Tensor | null)[], saved: readonly Tensor[] | null, attrs: unknown = null): Tensor {
  // one pass over the inputs for the edges and their output numbers (this runs per op: three
  // helper passes, when the metadata had one too, cost a recorded 4-element add 5-6% more
  // instructions, bench/instructions.js)
  const n = inputs.length;
  const next: (Node | null)[] = new Array(n);
  let nrs: number[] | null = null;
  for (let i = 0; i < n; i++) {
    const t = inputs[i];
    if (t == null) { next[i] = null; continue; }
    next[i] = gradEdge(t);
    const nr = t._outputNr; // as inputNrsOf
    if (nr !== 0) (nrs ??= new Array<number>(n).fill(0))[i] = nr;
  }
  const node = new FnNode(rule, next, attrs, nrs, inputs);
  out.gradFn = node;
  node._out = out;
  // aliases are made after out.gradFn is set, so a saved output keeps its own history
  if (saved !== null) node.save(saved);
  return out;
}

/** Run a composite forward without recording and free every temporary it makes but its result. */
export function compute(fn: () => Tensor): Tensor {
  return composite(() => noGrad(fn));
}

/** Run a composite of differentiable ops (recorded as usual) and free the intermediate
 *  tensor objects at once; what the graph saved holds its own storage references. */
export function composite(fn: () => Tensor): Tensor {
  openScope(true);
  let out: Tensor | undefined;
  try {
    out = fn();
  } finally {
    closeScope(out === undefined ? new Set() : new Set([out]));
  }
  return out;
}
