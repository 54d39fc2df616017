/**
 * Shape ops. Views (view, transpose, permute, expand, squeeze, unsqueeze, index,
 * detach) share storage and only change (shape, strides, offset); their gradient
 * rules are the inverse movement. cat/stack/contiguous/clone copy.
 */
import { type DType, dtypeName, isFloating, promoteTypes as promote } from "../dtype.js";
import { noGrad } from "../autograd/grad_mode.js";
import { contiguousStrides, isContiguous, normDim, numelOf, sameShape } from "../shape.js";
import { Tensor, type IndexArg } from "../tensor.js";
import { allocTensor, castRaw, contiguousRaw, handleOf, moveTo, record, rule, wantsGrad, type RuleBackward } from "./core.js";
import type { Backend } from "../backend/backend.js";

export { contiguousRaw };

// ---- reshape / view -------------------------------------------------------------------------

function inferShape(x: Tensor, shape: number[]): number[] {
  const n = x.numel();
  let infer = -1, known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw new Error("only one dimension can be inferred");
      infer = i;
    } else if (d < 0) throw new Error(`invalid shape dimension ${d}`);
    else known *= d;
  });
  const out = shape.slice();
  if (infer >= 0) {
    if (known === 0 && n === 0) {
      throw new Error(`cannot reshape tensor of 0 elements into shape [${shape.join(", ")}] because the unspecified dimension size -1 can be any value and is ambiguous`);
    }
    if (known === 0 || n % known !== 0) throw new Error(`shape '[${shape.join(", ")}]' is invalid for input of size ${n}`);
    out[infer] = n / known;
  } else if (known !== n) throw new Error(`shape '[${shape.join(", ")}]' is invalid for input of size ${n}`);
  return out;
}

/** Strides that read `x` as `shape` without copying, or null (PyTorch's computeStride). */
function viewStrides(x: Tensor, shape: number[]): number[] | null {
  if (isContiguous(x.shape, x._strides)) return contiguousStrides(shape);
  const oldShape = x.shape, oldStrides = x._strides;
  const newStrides = new Array<number>(shape.length);
  if (numelOf(oldShape) === 0) return contiguousStrides(shape);
  let viewD = shape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1] ?? 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d]!;
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) { chunkBase = oldStrides[d - 1]!; tensorNumel = 1; viewNumel = 1; }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

// the gradient read back in the input's shape
const reshapeBack: RuleBackward<[], number[]> = (g, _, inShape) => [reshape(g, inShape)];
const ViewBackward = rule("ViewBackward0", reshapeBack);
const ReshapeAliasBackward = rule("ReshapeAliasBackward0", reshapeBack);
const UnsafeViewBackward = rule("UnsafeViewBackward0", reshapeBack);

export function view(x: Tensor, shape: number[]): Tensor {
  const target = inferShape(x, shape);
  const strides = viewStrides(x, target);
  if (strides === null) {
    throw new Error("view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  }
  const out = x._view(target, strides, x._offset);
  if (wantsGrad(x)) record(out, ViewBackward, [x], null, x.shape);
  return out;
}

export function reshape(x: Tensor, shape: number[]): Tensor {
  const target = inferShape(x, shape);
  const strides = viewStrides(x, target);
  if (strides !== null) {
    const out = x._view(target, strides, x._offset);
    if (wantsGrad(x)) record(out, sameShape(target, x.shape) ? ViewBackward : ReshapeAliasBackward, [x], null, x.shape);
    return out;
  }
  const c = castRaw(x, x.dtype);
  const out = c._onStorage(target, contiguousStrides(target), 0);
  c.dispose();
  if (wantsGrad(x)) record(out, UnsafeViewBackward, [x], null, x.shape);
  return out;
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim(startDim, x.ndim), e = normDim(endDim, x.ndim);
  if (s > e) throw new Error("flatten() has invalid args: start_dim cannot come after end_dim");
  if (s === e) return x;
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

// ---- transpose / permute / t ------------------------------------------------------------------

const PermuteBackward = rule<[], number[]>("PermuteBackward0", (g, _, perm) => {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return [permute(g, inv)];
});
export function permute(x: Tensor, dims: number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new Error(`permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.ndim} is not equal to len(dims) = ${dims.length}`);
  }
  const perm = dims.map((d) => normDim(d, x.ndim));
  if (new Set(perm).size !== perm.length) throw new Error("permute(): duplicate dims are not allowed.");
  const out = x._view(perm.map((d) => x.shape[d]!), perm.map((d) => x._strides[d]!), x._offset);
  if (wantsGrad(x)) record(out, PermuteBackward, [x], null, perm);
  return out;
}

const TransposeBackward = rule<[], [number, number]>("TransposeBackward0", (g, _, [a, b]) => [transpose(g, a, b)]);
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim(dim0, x.ndim), b = normDim(dim1, x.ndim);
  const shape = x.shape.slice(), strides = x._strides.slice();
  if (x.ndim > 0) {
    [shape[a], shape[b]] = [shape[b]!, shape[a]!];
    [strides[a], strides[b]] = [strides[b]!, strides[a]!];
  }
  const out = x._view(shape, strides, x._offset);
  if (wantsGrad(x)) record(out, TransposeBackward, [x], null, [a, b]);
  return out;
}

const TBackward = rule("TBackward0", (g) => [t(g)]);
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new Error(`t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  const out = x.ndim < 2 ? x._view(x.shape.slice(), x._strides.slice(), x._offset)
    : x._view([x.shape[1]!, x.shape[0]!], [x._strides[1]!, x._strides[0]!], x._offset);
  if (wantsGrad(x)) record(out, TBackward, [x], null);
  return out;
}

// ---- unsqueeze / squeeze / expand --------------------------------------------------------------

const UnsqueezeBackward = rule<[], number>("UnsqueezeBackward0", (g, _, dim) => [squeeze(g, dim)]);
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1);
  const shape = x.shape.slice(), strides = x._strides.slice();
  const stride = d < x.ndim ? x.shape[d]! * x._strides[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  const out = x._view(shape, strides, x._offset);
  if (wantsGrad(x)) record(out, UnsqueezeBackward, [x], null, d);
  return out;
}

const SqueezeBackward0 = rule("SqueezeBackward0", reshapeBack);
const SqueezeBackward1 = rule("SqueezeBackward1", reshapeBack);
export function squeeze(x: Tensor, dim?: number): Tensor {
  let keep: number[];
  if (dim === undefined || dim === null) keep = x.shape.map((_, i) => i).filter((i) => x.shape[i] !== 1);
  else {
    const d = normDim(dim, x.ndim);
    keep = x.shape.map((_, i) => i).filter((i) => i !== d || x.shape[i] !== 1);
  }
  const out = x._view(keep.map((i) => x.shape[i]!), keep.map((i) => x._strides[i]!), x._offset);
  if (wantsGrad(x)) record(out, dim === undefined || dim === null ? SqueezeBackward0 : SqueezeBackward1, [x], null, x.shape);
  return out;
}

// sum_to(g, input's shape): the engine's shaping does exactly that
const ExpandBackward = rule("ExpandBackward0", (g) => [g]);
export function expand(x: Tensor, shape: number[]): Tensor {
  if (shape.length < x.ndim) {
    throw new Error(`expand(${dtypeName(x.dtype, "tensor")}{[${x.shape.join(", ")}]}, size=[${shape.join(", ")}]): the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`);
  }
  const lead = shape.length - x.ndim;
  const outShape = new Array<number>(shape.length), strides = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const j = i - lead;
    const want = shape[i]!;
    if (j < 0) {
      if (want < 0) throw new Error(`The expanded size of the tensor (${want}) isn't allowed in a leading, non-existing dimension ${i}`);
      outShape[i] = want; strides[i] = 0;
    } else {
      const have = x.shape[j]!;
      const size = want === -1 ? have : want;
      if (size !== have && have !== 1) {
        throw new Error(`The expanded size of the tensor (${size}) must match the existing size (${have}) at non-singleton dimension ${i}.  Target sizes: [${shape.join(", ")}].  Tensor sizes: [${x.shape.join(", ")}]`);
      }
      outShape[i] = size; strides[i] = size === have ? x._strides[j]! : 0;
    }
  }
  if (sameShape(outShape, x.shape) && !wantsGrad(x)) return x._view(outShape, strides, x._offset);
  const out = x._view(outShape, strides, x._offset);
  if (wantsGrad(x)) record(out, ExpandBackward, [x], null);
  return out;
}

// ---- copies: contiguous, clone, dtype casts ----------------------------------------------------

const CloneBackward = rule("CloneBackward0", (g) => [g]);
export function clone(x: Tensor): Tensor {
  const out = castRaw(x, x.dtype);
  if (wantsGrad(x)) record(out, CloneBackward, [x], null);
  return out;
}

export function contiguous(x: Tensor): Tensor {
  return isContiguous(x.shape, x._strides) ? x : clone(x);
}

/** A fresh contiguous copy of `g` with `shape` (no autograd); used for owned `.grad`s. */
export function contiguousCopy(g: Tensor, shape: number[]): Tensor {
  const c = castRaw(g, g.dtype);
  if (sameShape(c.shape, shape)) return c;
  const r = c._onStorage(shape.slice(), contiguousStrides(shape), 0);
  c.dispose();
  return r;
}

// a leaf's first gradient under createGraph: a copy that keeps the history (PyTorch's CopyBackwards)
const CopyBackwards = rule("CopyBackwards", reshapeBack);
export function copyForGrad(g: Tensor, shape: number[]): Tensor {
  const out = contiguousCopy(g, shape);
  if (wantsGrad(g)) record(out, CopyBackwards, [g], null, g.shape);
  return out;
}

// _to_copy_backward: the gradient in the input's dtype, which the engine's cast gives
const ToCopyBackward = rule("ToCopyBackward0", (g) => [g]);
export function toDtype(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  if (dtype === "int32" && isFloating(x.dtype)) checkFloatsFitInt32(x);
  const out = castRaw(x, dtype);
  if (isFloating(dtype) && wantsGrad(x)) record(out, ToCopyBackward, [x], null);
  return out;
}

/**
 * A float tensor converted to int32 must hold integers int32 can represent: PyTorch's int64 holds
 * what int32 cannot, so a value that does not fit raises instead of wrapping (NaN and infinities
 * have no integer value; PyTorch gives an undefined one).
 */
function checkFloatsFitInt32(x: Tensor): void {
  if (x.numel() === 0) return;
  const extreme = (which: "max" | "min"): number => noGrad(() => {
    const t = which === "max" ? x.max() : x.min();
    try { return t.item(); } finally { t.dispose(); }
  });
  const hi = extreme("max"), lo = extreme("min");
  if (!(hi < 2147483648 && lo > -2147483649)) {
    throw new Error(`to(): value ${!(hi < 2147483648) ? hi : lo} cannot be converted to type int32 without overflow (int32 is wasmgrad's stand-in for int64)`);
  }
}

/** Ones shaped like `t` on its backend (the implicit gradient of a scalar). */
export function onesOf(t: Tensor): Tensor {
  const out = allocTensor(t._storage.backend, t.dtype, t.shape.slice());
  out._storage.backend.fill(out._storage.handle, t.dtype, 1, 0, out.numel());
  return out;
}

/** int32 [0, 1, ..., shape[d]-1] laid along dim d of a tensor of `shape` (size 1 elsewhere). */
export function arangeAlong(shape: readonly number[], d: number, backend: Backend): Tensor {
  const n = shape[d]!;
  const out = allocTensor(backend, "int32", shape.map((s, i) => (i === d ? n : 1)));
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = i;
  backend.write(out._storage.handle, "int32", data, 0);
  return out;
}

// ---- index (basic indexing: numbers, null, slices) ----------------------------------------------

interface IndexPlan { shape: number[]; strides: number[]; offset: number }

function planIndex(x: Tensor, idx: IndexArg[]): IndexPlan {
  if (idx.length > x.ndim) throw new Error(`too many indices for tensor of dimension ${x.ndim}`);
  const shape: number[] = [], strides: number[] = [];
  let offset = x._offset;
  for (let d = 0; d < x.ndim; d++) {
    const a = d < idx.length ? idx[d] : null;
    const size = x.shape[d]!, stride = x._strides[d]!;
    if (a === null || a === undefined) { shape.push(size); strides.push(stride); continue; }
    if (typeof a === "number") {
      if (!Number.isInteger(a) || a < -size || a >= size) {
        throw new Error(`index ${a} is out of bounds for dimension ${d} with size ${size}`);
      }
      offset += (a < 0 ? a + size : a) * stride;
      continue;
    }
    if (!Array.isArray(a) || a.length < 2 || a.length > 3) throw new TypeError(`invalid index at dimension ${d}: ${JSON.stringify(a)}`);
    const step = a.length === 3 ? a[2]! : 1;
    if (!(step > 0) || !Number.isInteger(step)) throw new Error("step must be greater than zero");
    const clampB = (v: number | null, dflt: number) => {
      if (v === null || v === undefined) return dflt;
      const w = v < 0 ? v + size : v;
      return Math.min(Math.max(w, 0), size);
    };
    const start = clampB(a[0], 0), end = Math.max(clampB(a[1], size), start);
    const len = Math.ceil((end - start) / step);
    offset += start * stride;
    shape.push(len);
    strides.push(stride * step);
  }
  return { shape, strides, offset };
}

// the gradient lands in a zero tensor at the indexed positions (PyTorch's select/slice_backward)
const IndexBackward = (name: string) =>
  rule<[], { inShape: number[]; idx: IndexArg[] }>(name, (g, _, { inShape, idx }) => [indexBackward(g, inShape, idx)]);
const SelectBackward = IndexBackward("SelectBackward0");
const SliceBackward = IndexBackward("SliceBackward0");

function indexBackward(g: Tensor, inShape: number[], idx: IndexArg[]): Tensor {
  const z = allocTensor(g._storage.backend, g.dtype, inShape.slice());
  const p = planIndex(z, idx);
  const target = z._view(p.shape, p.strides, p.offset);
  const src = g;
  const be = z._storage.backend;
  be.copy(handleOf(src), src.dtype, src._offset, src._strides, z._storage.handle, z.dtype, target._offset, target._strides, target.shape);
  target.dispose();
  if (g.requiresGrad) {
    // keep higher-order gradients flowing: the result is linear in g
    record(z, IndexBackwardOfBackward, [g], null, idx);
  }
  return z;
}
const IndexBackwardOfBackward = rule<[], IndexArg[]>("SliceBackwardBackward0", (g, _, idx) => [index(g, idx)]);

/**
 * The indices PyTorch applies as ops when indexing with a tuple (`x[a, b, ...]`, how `index(...)`
 * reads): numbers (select) and slices, except a slice that spans its whole dimension written with
 * explicit bounds (`[0, size]`: start 0, end exactly the size, step 1), which PyTorch skips; `null`
 * (`:`, whose end is open) is applied. An index tensor's position (tensorAt) is not among them.
 */
export function appliedIndices(x: Tensor, idx: readonly unknown[], tensorAt = -1): unknown[] {
  return idx.filter((a, i) => {
    if (a === undefined || i === tensorAt) return false;
    if (!Array.isArray(a)) return true;
    const wholeDim = (a[0] === 0 || a[0] === null) && a[1] === x.shape[i] && (a.length < 3 || a[2] === 1);
    return !wholeDim;
  });
}

// nothing applied: PyTorch returns an alias of x (AliasBackward0), the gradient passes as it is
const AliasBackward = rule("AliasBackward0", (g) => [g]);

/** A view by basic indices recorded as one select or slice (narrow and select, which PyTorch
 *  always applies, even over a whole dimension). */
export function indexAs(x: Tensor, idx: IndexArg[], kind: "select" | "slice"): Tensor {
  const p = planIndex(x, idx);
  const out = x._view(p.shape, p.strides, p.offset);
  if (wantsGrad(x)) record(out, kind === "select" ? SelectBackward : SliceBackward, [x], null, { inShape: x.shape, idx });
  return out;
}

export function index(x: Tensor, idx: IndexArg[], tensorAt = -1): Tensor {
  const p = planIndex(x, idx);
  const out = x._view(p.shape, p.strides, p.offset);
  if (wantsGrad(x)) {
    // PyTorch names the node after the last index it applied: a number selects, a range slices
    const applied = appliedIndices(x, idx, tensorAt);
    const last = applied[applied.length - 1];
    if (applied.length === 0) record(out, AliasBackward, [x], null);
    else record(out, typeof last === "number" ? SelectBackward : SliceBackward, [x], null, { inShape: x.shape, idx });
  }
  return out;
}

// ---- cat / stack ---------------------------------------------------------------------------

const CatBackward = rule<[], { dim: number; sizes: number[] }>("CatBackward0", (g, _, { dim, sizes }) => {
  const out: Tensor[] = [];
  let start = 0;
  for (let i = 0; i < sizes.length; i++) {
    const sel: IndexArg[] = g.shape.map(() => null);
    sel[dim] = [start, start + sizes[i]!];
    out.push(index(g, sel));
    start += sizes[i]!;
  }
  return out;
});
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error("torch.cat(): expected a non-empty list of Tensors");
  tensors.forEach((t, i) => {
    if (t.ndim === 0) throw new Error(`zero-dimensional tensor (at position ${i}) cannot be concatenated`);
  });
  const ref = tensors.find((t) => !(t.ndim === 1 && t.shape[0] === 0)) ?? tensors[0]!;
  const d = normDim(dim, ref.ndim);
  const dtype = tensors.map((t) => t.dtype).reduce((a, b) => promote(a, b));
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0 && ref.ndim !== 1));
  parts.forEach((t, i) => {
    if (t.ndim !== ref.ndim) throw new Error(`Tensors must have same number of dimensions: got ${ref.ndim} and ${t.ndim}`);
    for (let k = 0; k < ref.ndim; k++) {
      if (k !== d && t.shape[k] !== ref.shape[k]) {
        throw new Error(`Sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[k]} but got size ${t.shape[k]} for tensor number ${i} in the list.`);
      }
    }
  });
  const be = ref._storage.backend;
  const shape = ref.shape.slice();
  shape[d] = parts.reduce((s, t) => s + t.shape[d]!, 0);
  const out = allocTensor(be, dtype, shape, false);
  let start = 0;
  for (const t0 of parts) {
    const t = moveTo(t0, be);
    const off = start * out._strides[d]!;
    be.copy(handleOf(t), t.dtype, t._offset, t._strides, out._storage.handle, dtype, off, out._strides, t.shape);
    if (t !== t0) t.dispose();
    start += t0.shape[d]!;
  }
  if (parts.some((t) => wantsGrad(t))) record(out, CatBackward, parts, null, { dim: d, sizes: parts.map((t) => t.shape[d]!) });
  return out;
}

const StackBackward = rule<[], { dim: number; count: number }>("StackBackward0", (g, _, { dim, count }) => {
  const out: Tensor[] = [];
  for (let i = 0; i < count; i++) {
    const sel: IndexArg[] = g.shape.map(() => null);
    sel[dim] = i;
    out.push(index(g, sel));
  }
  return out;
});
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error("stack expects a non-empty TensorList");
  const ref = tensors[0]!;
  const d = normDim(dim, ref.ndim + 1);
  tensors.forEach((t, i) => {
    if (!sameShape(t.shape, ref.shape)) {
      throw new Error(`stack expects each tensor to be equal size, but got [${ref.shape.join(", ")}] at entry 0 and [${t.shape.join(", ")}] at entry ${i}`);
    }
  });
  const dtype = tensors.map((t) => t.dtype).reduce((a, b) => promote(a, b));
  const be = ref._storage.backend;
  const shape = ref.shape.slice();
  shape.splice(d, 0, tensors.length);
  const out = allocTensor(be, dtype, shape, false);
  const dstStrides = out._strides.filter((_, i) => i !== d);
  tensors.forEach((t0, i) => {
    const t = moveTo(t0, be);
    be.copy(handleOf(t), t.dtype, t._offset, t._strides, out._storage.handle, dtype, i * out._strides[d]!, dstStrides, t.shape);
    if (t !== t0) t.dispose();
  });
  if (tensors.some((t) => wantsGrad(t))) record(out, StackBackward, tensors, null, { dim: d, count: tensors.length });
  return out;
}

