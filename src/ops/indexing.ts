/**
 * Indexing by tensors: gather, scatter, scatter_add, index_select, advanced indexing with an
 * int32 tensor, and flip. Forward: one gather or scatter kernel (Backend.gather/scatter) over
 * strided operands. Backward: the matching scatter-add or gather (index_select's gradient is a
 * scatter-add through the index broadcast along the other dims: no one-hot matrix is made).
 * Index tensors are int32 (PyTorch's int64).
 */
import { contiguousStrides, normDim, numelOf, sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { allocTensor, castRaw, compute, handleOf, int32OverflowError, moveTo, record, rule, scalarTensor, wantsGrad } from "./core.js";
import { appliedIndices, index as basicIndex, reshape } from "./movement.js";
import type { IndexArg } from "../tensor.js";

/** int32 stands for PyTorch's int64: its messages say int64. */
function checkIndexDtype(fn: string, index: Tensor): void {
  if (index.dtype !== "int32") throw new Error(`${fn}(): Expected dtype int64 for index (wasmgrad's int32, its stand-in for int64)`);
}

const nonEmptyDim = (t: Tensor) => Math.max(t.ndim, 1);
const nonEmptySize = (t: Tensor, d: number) => (t.ndim === 0 ? 1 : t.shape[d]!);
const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;

/** The strides an operand is addressed with in a kernel over `n` dims (a 0-d tensor: one of size 1). */
function stridesFor(t: Tensor, n: number): number[] {
  return t.ndim === 0 ? new Array<number>(n).fill(0) : t._strides.slice();
}

/** PyTorch's message for an index outside [0, size) at the kernel's loop position `pos`. */
function badIndex(index: Tensor, pos: number, dim: number, size: number): Error {
  const v = pos < 0 ? NaN : valueAt(index, pos);
  return new Error(`index ${v} is out of bounds for dimension ${dim} with size ${size}`);
}

/** The element at row-major position `pos` of `t` (for error messages). */
function valueAt(t: Tensor, pos: number): number {
  const flat = t.toArray();
  return flat[pos]!;
}

// ---- gather ------------------------------------------------------------------------------------

/** x gathered along dim through `index` (no autograd; checks done). */
export function gatherRaw(x: Tensor, dim: number, index: Tensor): Tensor {
  const be = x._storage.backend;
  const idx = moveTo(index, be);
  const shape = index.shape.slice();
  const n = Math.max(shape.length, 1);
  const out = allocTensor(be, x.dtype, shape, false);
  const kshape = shape.length === 0 ? [1] : shape;
  const bad = be.gather(x.dtype, handleOf(x), x._offset, stridesFor(x, n), handleOf(idx), idx._offset, stridesFor(idx, n),
    out._storage.handle, kshape, dim, nonEmptySize(x, dim));
  if (bad >= 0) {
    out.dispose();
    const e = badIndex(idx, bad, dim, nonEmptySize(x, dim));
    if (idx !== index) idx.dispose();
    throw e;
  }
  if (idx !== index) idx.dispose();
  return out;
}

interface DimIndex { dim: number; shape: number[] }

// d self = zeros(self.shape).scatter_add(dim, index, grad)
const GatherBackward = rule<[Tensor], DimIndex>("GatherBackward0", (g, [index], { dim, shape }) => {
  const z = allocTensor(g._storage.backend, g.dtype, shape.slice());
  return [scatterAdd(z, dim, index, g)];
});

/** PyTorch's gather: out[i][j] = x[index[i][j]][j] along `dim` (index of x's ndim, smaller or equal
 *  elsewhere). */
export function gather(x: Tensor, dim0: number, index: Tensor): Tensor {
  const dim = normDim(dim0, x.ndim);
  checkIndexDtype("gather", index);
  if (nonEmptyDim(x) !== nonEmptyDim(index)) throw new Error("Index tensor must have the same number of dimensions as input tensor");
  for (let d = 0; d < nonEmptyDim(x); d++) {
    if (d !== dim && nonEmptySize(index, d) > nonEmptySize(x, d)) {
      throw new Error(`Size does not match at dimension ${d} expected index ${shapeText(index.shape)} to be smaller than self ${shapeText(x.shape)} apart from dimension ${dim}`);
    }
  }
  const out = gatherRaw(x, dim, index);
  if (wantsGrad(x)) record(out, GatherBackward, [x], [index], { dim, shape: x.shape.slice() });
  return out;
}

// ---- scatter, scatter_add ------------------------------------------------------------------------

/** Write (or add) `src` (a tensor, or a number as a broadcast scalar) into a copy of x through
 *  `index` along dim (no autograd; checks done). */
export function scatterRaw(x: Tensor, dim: number, index: Tensor, src: Tensor | number, add: boolean, name: string): Tensor {
  const be = x._storage.backend;
  const out = castRaw(x, x.dtype); // contiguous, strides as contiguousStrides
  if (index.numel() === 0) return out;
  const n = Math.max(index.ndim, 1);
  const idx = moveTo(index, be);
  const s = src instanceof Tensor ? moveTo(src, be) : scalarTensor(src, x.dtype, be);
  const srcStrides = src instanceof Tensor ? stridesFor(s, n) : new Array<number>(n).fill(0);
  const kshape = index.ndim === 0 ? [1] : index.shape;
  const bad = be.scatter(add, x.dtype, out._storage.handle, 0, x.ndim === 0 ? [0] : contiguousStrides(x.shape),
    handleOf(idx), idx._offset, stridesFor(idx, n), handleOf(s), s._offset, srcStrides, kshape, dim, nonEmptySize(x, dim));
  let err: Error | null = null;
  if (bad === -2) err = int32OverflowError(name);
  else if (bad >= 0) err = badIndex(idx, bad, dim, nonEmptySize(x, dim));
  if (idx !== index) idx.dispose();
  if (s !== src) s.dispose();
  if (err !== null) { out.dispose(); throw err; }
  return out;
}

/** PyTorch's scatter_shape_check. */
function checkScatterShapes(x: Tensor, dim: number, index: Tensor, src: Tensor | null): void {
  if (index.numel() === 0) return;
  if (nonEmptyDim(x) !== nonEmptyDim(index)) throw new Error("Index tensor must have the same number of dimensions as self tensor");
  let wrong = false;
  for (let d = 0; d < nonEmptyDim(x) && !wrong; d++) if (d !== dim && nonEmptySize(index, d) > nonEmptySize(x, d)) wrong = true;
  if (!wrong && src !== null) {
    for (let d = 0; d < nonEmptyDim(x) && !wrong; d++) if (nonEmptySize(index, d) > nonEmptySize(src, d)) wrong = true;
  }
  if (src !== null) {
    if (nonEmptyDim(src) !== nonEmptyDim(index)) throw new Error("Index tensor must have the same number of dimensions as src tensor");
    if (wrong) {
      throw new Error(`Expected index ${shapeText(index.shape)} to be smaller than self ${shapeText(x.shape)} apart from dimension ${dim} and to be smaller size than src ${shapeText(src.shape)}`);
    }
  } else if (wrong) {
    throw new Error(`Expected index ${shapeText(index.shape)} to be smaller than self ${shapeText(x.shape)} apart from dimension ${dim}`);
  }
}

interface ScatterAttrs { dim: number }

// self: grad with the scattered places zeroed; src: grad gathered from them (the index's shape:
// for a src larger than the index PyTorch 1.13's engine then refuses the gradient, and so does this)
const ScatterBackward0 = rule<[Tensor], ScatterAttrs>("ScatterBackward0", (g, [index], { dim }, needsInputGrad) => [
  needsInputGrad(0) ? scatter(g, dim, index, 0) : null,
  needsInputGrad(1) ? gather(g, dim, index) : null,
]);
const ScatterBackward1 = rule<[Tensor], ScatterAttrs>("ScatterBackward1", (g, [index], { dim }) => [scatter(g, dim, index, 0)]);

/** PyTorch's scatter: a copy of x with `src`'s values (or the number `src`) written at `index` along dim. */
export function scatter(x: Tensor, dim0: number, index: Tensor, src: Tensor | number): Tensor {
  const dim = normDim(dim0, x.ndim);
  checkIndexDtype("scatter", index);
  if (src instanceof Tensor && src.dtype !== x.dtype) throw new Error("scatter(): Expected self.dtype to be equal to src.dtype");
  checkScatterShapes(x, dim, index, src instanceof Tensor ? src : null);
  const out = scatterRaw(x, dim, index, src, false, "scatter");
  if (src instanceof Tensor) {
    if (wantsGrad(x, src)) record(out, ScatterBackward0, [x, src], [index], { dim });
  } else if (wantsGrad(x)) {
    record(out, ScatterBackward1, [x], [index], { dim });
  }
  return out;
}

// self: grad; src: grad gathered at the index
const ScatterAddBackward = rule<[Tensor], ScatterAttrs>("ScatterAddBackward0", (g, [index], { dim }, needsInputGrad) => [
  needsInputGrad(0) ? g : null,
  needsInputGrad(1) ? gather(g, dim, index) : null,
]);

/** PyTorch's scatter_add: a copy of x with `src`'s values added at `index` along dim (repeated
 *  indices accumulate). */
export function scatterAdd(x: Tensor, dim0: number, index: Tensor, src: Tensor): Tensor {
  const dim = normDim(dim0, x.ndim);
  checkIndexDtype("scatter_add", index);
  if (src.dtype !== x.dtype) throw new Error("scatter_add(): Expected self.dtype to be equal to src.dtype");
  if (x.dtype === "bool") throw new Error(`"scatter_add_" not implemented for 'Bool'`);
  checkScatterShapes(x, dim, index, src);
  const out = scatterRaw(x, dim, index, src, true, "scatter_add");
  if (wantsGrad(x, src)) record(out, ScatterAddBackward, [x, src], [index], { dim });
  return out;
}

// ---- index_select and advanced indexing -----------------------------------------------------------

/** The 1-D index viewed in `shape` along `dim` (stride 0 elsewhere): index_select as a gather. */
function indexAlong(index: Tensor, shape: readonly number[], dim: number): Tensor {
  const strides = shape.map(() => 0);
  if (shape.length > 0) strides[dim] = index.ndim === 0 ? 0 : index._strides[0]!;
  return index._view(shape.slice(), strides, index._offset);
}

/** x's elements at the 1-D (or 0-d) `index` along dim (no autograd). `message` makes the error
 *  for an index outside [0, size). */
export function indexSelectRaw(x: Tensor, dim: number, index: Tensor, message: (v: number, size: number) => string): Tensor {
  if (x.ndim === 0) {
    // a 0-d tensor has one position, 0: the result is x itself (an empty index has no result:
    // PyTorch returns uninitialised memory there)
    if (index.numel() === 0) throw new Error("index_select(): an empty index has no element of a 0-d tensor to select");
    const bad = Array.from(index.toArray()).find((v) => v !== 0);
    if (bad !== undefined) throw new Error(message(bad, 1));
    return castRaw(x, x.dtype);
  }
  const shape = x.shape.slice();
  if (shape.length > 0) shape[dim] = index.numel();
  const be = x._storage.backend;
  const idx = moveTo(index, be);
  const view = indexAlong(idx, shape, dim);
  const out = allocTensor(be, x.dtype, shape, false);
  const n = Math.max(shape.length, 1);
  const size = nonEmptySize(x, dim);
  const bad = be.gather(x.dtype, handleOf(x), x._offset, stridesFor(x, n), handleOf(view), view._offset, stridesFor(view, n),
    out._storage.handle, shape.length === 0 ? [1] : shape, dim, size);
  view.dispose();
  if (bad >= 0) {
    // the loop position's index along dim names the bad entry of the 1-D index
    const along = shape.length === 0 ? 0 : Math.floor(bad / numelOf(shape.slice(dim + 1))) % shape[dim]!;
    const v = idx.toArray()[along]!;
    if (idx !== index) idx.dispose();
    out.dispose();
    throw new Error(message(v, size));
  }
  if (idx !== index) idx.dispose();
  return out;
}

/** zeros of `shape` with g added at the 1-D `index` along dim (index_add; recorded as a scatter-add). */
function indexAddToZeros(g: Tensor, shape: number[], dim: number, index: Tensor): Tensor {
  const z = allocTensor(g._storage.backend, g.dtype, shape.slice());
  const view = indexAlong(index, g.shape, dim);
  try { return scatterAdd(z, dim, view, g); } finally { view.dispose(); }
}

const IndexSelectBackward = rule<[Tensor], DimIndex>("IndexSelectBackward0", (g, [index], { dim, shape }) => [
  indexAddToZeros(g, shape, dim, index),
]);

/** PyTorch's index_select: x's slices at the 1-D int32 `index` along dim (repeats allowed). */
export function indexSelect(x: Tensor, dim0: number, index: Tensor): Tensor {
  const dim = normDim(dim0, x.ndim);
  if (index.ndim > 1) throw new Error("index_select(): Index is supposed to be a vector");
  if (index.dtype !== "int32") throw new Error("index_select(): Expected dtype int32 or int64 for index");
  const out = indexSelectRaw(x, dim, index, (v, size) => `INDICES element is out of DATA bounds, id=${v} axis_dim=${size}`);
  if (wantsGrad(x)) record(out, IndexSelectBackward, [x], [index], { dim, shape: x.shape.slice() });
  return out;
}

// index_put_(zeros, indices, grad, accumulate=True): the gathered rows' gradients summed back
const IndexBackward = rule<[Tensor], { dim: number; shape: number[]; flatShape: number[] }>("IndexBackward0", (g, [flat], a) => {
  const gFlat = reshape(g, a.flatShape);
  return [indexAddToZeros(gFlat, a.shape, a.dim, flat)];
});

/**
 * x indexed along `dim` by an int32 tensor (PyTorch's advanced indexing `x[..., index, ...]`):
 * a copy whose dimension `dim` is replaced by index's shape. Negative entries count from the end.
 */
export function advancedIndex(x: Tensor, dim: number, index: Tensor): Tensor {
  const size = x.shape[dim]!;
  const flat = compute(() => {
    const f = index.reshape(-1);
    // negative entries count from the end, as in PyTorch (only here: gather does not wrap)
    return f.lt(0).any().item() ? f.add(f.lt(0).to("int32").mul(size)) : f.contiguous();
  });
  let out: Tensor;
  try {
    out = indexSelectRaw(x, dim, flat, (v) => `index ${v < 0 ? v - size : v} is out of bounds for dimension ${dim} with size ${size}`);
  } catch (e) {
    flat.dispose();
    throw e;
  }
  const flatShape = out.shape.slice();
  const shape = [...x.shape.slice(0, dim), ...index.shape, ...x.shape.slice(dim + 1)];
  if (!sameShape(shape, out.shape)) {
    const r = out._onStorage(shape, contiguousStrides(shape), 0);
    out.dispose();
    out = r;
  }
  if (wantsGrad(x)) record(out, IndexBackward, [x], [flat], { dim, shape: x.shape.slice(), flatShape });
  flat.dispose();
  return out;
}

/**
 * `x.index(...)` with one int32 tensor among the indices (PyTorch's `x[..., t, ...]`): the other
 * indices first, as a view (a number selects, a range or `null` slices), then the tensor's
 * dimension gathered (IndexBackward0): a copy. A 0-d tensor is a number.
 */
export function indexWithTensor(x: Tensor, idx: (IndexArg | Tensor)[]): Tensor {
  const at = idx.findIndex((a) => a instanceof Tensor);
  if (idx.some((a, i) => i !== at && a instanceof Tensor)) {
    throw new Error("index(): wasmgrad takes one index tensor (advanced indexing by several tensors at once is not supported)");
  }
  const t = idx[at] as Tensor;
  if (t.dtype !== "int32") {
    if (t.dtype === "bool") throw new Error("index(): boolean mask indices are not supported: use maskedFill, where, or an int32 index tensor");
    throw new Error("tensors used as indices must be long, byte or bool tensors");
  }
  if (idx.length > x.ndim) throw new Error(`too many indices for tensor of dimension ${x.ndim}`);
  const rest = idx.map((a, i) => (i === at ? null : a)) as IndexArg[];
  if (t.ndim === 0) { rest[at] = t.item(); return basicIndex(x, rest); }
  // the other indices as a view, unless PyTorch applies none of them (then x itself)
  const base = appliedIndices(x, idx, at).length > 0 ? basicIndex(x, rest, at) : x;
  // the tensor's dimension in base: numbers before it removed theirs
  const dim = at - rest.slice(0, at).filter((a) => typeof a === "number").length;
  try {
    return advancedIndex(base, dim, t);
  } finally {
    if (base !== x) base.dispose();
  }
}

// ---- flip ----------------------------------------------------------------------------------------

const FlipBackward = rule<[], number[]>("FlipBackward0", (g, _, dims) => [flip(g, dims)]);

/** A copy of x with the order of the elements along each of `dims` reversed. */
export function flip(x: Tensor, dims0: readonly number[]): Tensor {
  const dims = dims0.map((d) => normDim(d, x.ndim));
  const seen = new Set<number>();
  for (const d of dims) {
    if (seen.has(d)) throw new Error(`dim ${d} appears multiple times in the list of dims`);
    seen.add(d);
  }
  // a view walking the flipped dims backwards (negative strides, inside this op only), copied
  const strides = x._strides.slice();
  let offset = x._offset;
  for (const d of dims) {
    if (x.shape[d]! > 0) offset += (x.shape[d]! - 1) * strides[d]!;
    strides[d] = -strides[d]!;
  }
  const out = allocTensor(x._storage.backend, x.dtype, x.shape.slice(), false);
  if (out.numel() > 0) {
    x._storage.backend.copy(handleOf(x), x.dtype, offset, strides, out._storage.handle, x.dtype, 0, out._strides, x.shape);
  }
  if (wantsGrad(x)) record(out, FlipBackward, [x], null, dims);
  return out;
}
