/**
 * In-place ops: the result is computed (recording the graph as usual) straight into this
 * tensor's storage when the kernel can write there, else out of place and then written
 * through this tensor's (possibly strided) view; the shared version
 * counter is bumped, and this tensor takes the result's gradFn (PyTorch's rebase).
 */
import { isGradEnabled } from "../autograd/grad_mode.js";
import { FnNode, type Node } from "../autograd/node.js";
import { CreationMeta, viewRebaseError } from "../autograd/meta.js";
import { gradEdge, inputNrsOf } from "../autograd/engine.js";
import { canCast, isFloating, dtypeName } from "../dtype.js";
import { broadcastShapes, broadcastStrides, sameShape } from "../shape.js";
import { Tensor, type TensorOrScalar } from "../tensor.js";
import { allocTensor, castRaw, contiguousRaw, handleOf, moveTo, record, rule, scalarTensor, wantsGrad, type RuleBackward } from "./core.js";
import { binaryRaw, withInplaceTarget } from "./elementwise.js";
import { Bin } from "../backend/backend.js";


function checkInPlace(x: Tensor): void {
  x._assertLive();
  if (!isGradEnabled()) return;
  const view = x._viewMeta;
  const creation = view === null ? CreationMeta.DEFAULT : view.creationMeta;
  const customFnView = creation === CreationMeta.IN_CUSTOM_FUNCTION || creation === CreationMeta.MULTI_OUTPUT_NODE;
  if (customFnView && x.requiresGrad) throw new Error(viewRebaseError(view!));
  if (x.isLeaf && x._requiresGrad) throw new Error("a leaf Variable that requires grad is being used in an in-place operation.");
  if (view === null) return;
  const base = view.base;
  if (creation === CreationMeta.NO_GRAD_MODE && base.requiresGrad) throw new Error(viewRebaseError(view));
  if (base.isLeaf && base._requiresGrad) {
    throw new Error("a view of a leaf Variable that requires grad is being used in an in-place operation.");
  }
}

// ---- memory overlap (PyTorch's MemOverlap.cpp) ---------------------------------------------------

const INTERNAL_OVERLAP =
  "unsupported operation: more than one element of the written-to tensor refers to a single memory location. " +
  "Please clone() the tensor before performing the operation.";
const PARTIAL_OVERLAP =
  "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. " +
  "Please clone() the tensor before performing the operation.";

/** PyTorch's is_non_overlapping_and_dense: some order of the dims makes the strides contiguous. */
function isNonOverlappingAndDense(t: Tensor): boolean {
  const shape = t.shape, strides = t._strides;
  const dims = shape.map((_, d) => d).filter((d) => shape[d]! >= 2).sort((p, q) => strides[p]! - strides[q]!);
  let want = 1;
  for (const d of dims) {
    if (strides[d] !== want) return false;
    want *= shape[d]!;
  }
  return true;
}

/**
 * PyTorch's assert_no_internal_overlap (an op that writes `out`) and assert_no_partial_overlap
 * for each tensor it reads: writing an expanded tensor, or reading elements that the same write
 * changes at other positions, would give numbers that depend on the order of the loop. Identical
 * layouts are fine (`x.add_(x)`), and so are layouts too hard to tell (not dense), as in PyTorch.
 */
function checkOverlap(out: Tensor, inputs: readonly unknown[]): void {
  // (a stride-0 dim of size > 1 is what makes a tensor overlap itself; such a tensor is never dense)
  for (let d = 0; d < out.ndim; d++) if (out._strides[d] === 0 && out.shape[d]! > 1) throw new Error(INTERNAL_OVERLAP);
  for (const x of inputs) {
    if (!(x instanceof Tensor) || x._storage !== out._storage || x.numel() === 0 || out.numel() === 0) continue;
    if (!isNonOverlappingAndDense(out) || !isNonOverlappingAndDense(x)) continue; // too hard to tell
    const outEnd = out._offset + out.numel(), xEnd = x._offset + x.numel();
    if (x._offset === out._offset && xEnd === outEnd) {
      // the same elements in the same places (PyTorch compares every stride; a size-1 dim's
      // stride addresses nothing, so it is not compared here)
      if (x.shape.length === out.shape.length && x._strides.every((s, d) => s === out._strides[d] || (x.shape[d] === 1 && out.shape[d] === 1))) continue;
      throw new Error(PARTIAL_OVERLAP);
    }
    if (x._offset < outEnd && out._offset < xEnd) throw new Error(PARTIAL_OVERLAP);
  }
}

/** Write `src` (same shape as x or broadcastable to it) through x's view, casting to x's dtype. */
function writeInto(x: Tensor, src: Tensor): void {
  if (sameLayout(src, x)) { x._assertLive(); x._version.n++; return; } // already there (written in place)
  const be = x._storage.backend;
  const s = moveTo(src, be);
  const shape = broadcastShapes(x.shape, s.shape);
  if (!sameShape(shape, x.shape)) {
    throw new Error(`output with shape [${x.shape.join(", ")}] doesn't match the broadcast shape [${shape.join(", ")}]`);
  }
  x._assertLive();
  be.copy(handleOf(s), s.dtype, s._offset, broadcastStrides(s.shape, s._strides, x.shape), x._storage.handle, x.dtype, x._offset, x._strides, x.shape);
  if (s !== src) s.dispose();
  x._version.n++;
}

/** Same storage, offset, shape and strides: the same elements. */
function sameLayout(a: Tensor, b: Tensor): boolean {
  if (a._storage !== b._storage || a._offset !== b._offset || !sameShape(a.shape, b.shape)) return false;
  for (let d = 0; d < a.ndim; d++) if (a.shape[d] !== 1 && a._strides[d] !== b._strides[d]) return false;
  return true;
}

/**
 * `x = fn(x)` in place. `other` is what `fn` reads besides x (for the overlap check): a tensor
 * sharing x's memory at other positions is refused.
 */
export function inplace(x: Tensor, fn: (self: Tensor) => Tensor, savesSelf = true, other?: TensorOrScalar): Tensor {
  checkInPlace(x);
  checkOverlap(x, [other]);
  const recording = isGradEnabled() && x.requiresGrad;
  // Saved tensors must see x's old values: give the out-of-place op a copy with x's identity
  // (not needed when the op saves nothing of self, e.g. add_/sub_).
  let self = x;
  if (recording && savesSelf) {
    self = castRaw(x, x.dtype);
    self.gradFn = x.gradFn;
  }
  // the op writes its result straight into x when it can (no full-size temporary); an op
  // that raises (e.g. an int32 result that does not fit) has written nothing into x
  let r: Tensor;
  try {
    r = withInplaceTarget(x, () => fn(self));
  } catch (e) {
    if (self !== x) self.dispose();
    throw e;
  }
  if (r.dtype !== x.dtype && !canCast(r.dtype, x.dtype)) {
    r.dispose();
    if (self !== x) self.dispose();
    throw new Error(`result type ${dtypeName(r.dtype, "scalar")} can't be cast to the desired output type ${dtypeName(x.dtype, "scalar")}`);
  }
  writeInto(x, r);
  if (r.gradFn !== null) {
    if (!rebaseView(x, r.gradFn)) {
      x.gradFn = r.gradFn;
      if (r.gradFn instanceof FnNode) r.gradFn._out = x; // the node now belongs to x (PyTorch's rebase)
    }
  }
  r.dispose();
  if (self !== x) self.dispose();
  return x;
}

/** noGrad accumulation used by the engine: x += g (g broadcast to x). */
export function addInPlaceRaw(x: Tensor, g: Tensor): void {
  const r = binaryRaw(Bin.ADD, x, g, x);
  writeInto(x, r);
  r.dispose();
}

// fill_/zero_: the old values are gone, so the old history gets a zero gradient
const zeroGrad: RuleBackward<[], null> = (g) => [g.mul(0)];
const FillBackward = rule("FillBackward2", zeroGrad);
const ZeroBackward = rule("ZeroBackward0", zeroGrad);
export function fill_(x: Tensor, value: number | boolean, isZero = false): Tensor {
  checkInPlace(x);
  const v = scalarTensor(value, x.dtype, x._storage.backend);
  const before = gradEdge(x);
  writeInto(x, v);
  v.dispose();
  if (rebaseView(x, null)) return x;
  if (isGradEnabled() && before !== null) {
    const node = new FnNode(isZero ? ZeroBackward : FillBackward, [before], null, inputNrsOf([x]), [x]);
    x.gradFn = node;
    node._out = x;
  }
  return x;
}

// copy_: the gradient goes to the source (the engine sums it over broadcast dims); zero to the old self
const CopyBackwards = rule("CopyBackwards", (g, _, __, needsInputGrad) => [needsInputGrad(0) ? g.mul(0) : null, g]);
export function copy_(x: Tensor, src: TensorOrScalar): Tensor {
  checkInPlace(x);
  checkOverlap(x, [src]);
  const s = src instanceof Tensor ? src : scalarTensor(src, x.dtype, x._storage.backend);
  const before = gradEdge(x);
  writeInto(x, s);
  if (s !== src) s.dispose();
  const srcT = src instanceof Tensor ? src : null;
  const recording = isGradEnabled() && isFloating(x.dtype) && (before !== null || (srcT !== null && srcT.requiresGrad));
  const node = recording
    ? new FnNode(CopyBackwards, [before, srcT === null ? null : gradEdge(srcT)], null, inputNrsOf([x, srcT]), [x, srcT])
    : null;
  if (rebaseView(x, node === null || (srcT === null || !srcT.requiresGrad) ? null : node)) return x;
  if (node !== null) {
    x.gradFn = node;
    node._out = x;
  }
  return x;
}

// ---- in-place through a view: PyTorch's CopySlices --------------------------------------------

/** Where a view and its base sit in their shared storage. */
interface Geometry {
  storageNumel: number;
  base: { shape: number[]; strides: number[]; offset: number };
  view: { shape: number[]; strides: number[]; offset: number };
}

type Region = Geometry["base"];

// scatter and gather through a region are adjoint linear maps: each one's gradient is the
// other, so the rules below stay differentiable (createGraph through in-place writes)
const ScatterBackward = rule<[], Region>("AsStridedScatterBackward0", (g, _, region) => [gatherFromStorage(g, region)]);
const GatherBackward = rule<[], { region: Region; storageNumel: number }>("AsStridedBackward0",
  (g, _, { region, storageNumel }) => [scatterToStorage(g, storageNumel, region)]);

/** A zero buffer over the whole storage, `g` scattered into it through `into`'s region. */
function scatterToStorage(g: Tensor, storageNumel: number, into: Region): Tensor {
  const be = g._storage.backend;
  const buf = allocTensor(be, g.dtype, [storageNumel]);
  be.copy(handleOf(g), g.dtype, g._offset, g._strides, buf._storage.handle, g.dtype, into.offset, into.strides, into.shape);
  if (wantsGrad(g)) record(buf, ScatterBackward, [g], null, into);
  return buf;
}

/** A contiguous copy of the part of `buf` (a whole-storage buffer) that `at` describes. */
function gatherFromStorage(buf: Tensor, at: Region): Tensor {
  const be = buf._storage.backend;
  const flat = contiguousRaw(buf); // a gradient handed in may be a broadcast view
  const out = allocTensor(be, buf.dtype, at.shape.slice(), false);
  be.copy(handleOf(flat), buf.dtype, flat._offset + at.offset, at.strides, out._storage.handle, buf.dtype, 0, out._strides, at.shape);
  if (flat !== buf) flat.dispose();
  if (wantsGrad(buf)) record(out, GatherBackward, [buf], null, { region: at, storageNumel: buf.numel() });
  return out;
}

/** 1 over the whole storage except 0 inside `region`. */
function maskOutside(like: Tensor, storageNumel: number, region: Region): Tensor {
  const be = like._storage.backend;
  const mask = allocTensor(be, like.dtype, [storageNumel]);
  be.fill(mask._storage.handle, like.dtype, 1, 0, storageNumel);
  const zero = scalarTensor(0, like.dtype, be);
  be.copy(zero._storage.handle, like.dtype, 0, region.shape.map(() => 0), mask._storage.handle, like.dtype, region.offset, region.strides, region.shape);
  zero.dispose();
  return mask;
}

// d(new base) = g outside the view's region (to the old base), g inside it (to the new view values)
const CopySlices = rule<[], Geometry>("CopySlices", (g, _, geo, needsInputGrad) => {
  const buf = scatterToStorage(g, geo.storageNumel, geo.base);
  const gView = needsInputGrad(1) ? gatherFromStorage(buf, geo.view) : null;
  const gBase = needsInputGrad(0) ? gatherFromStorage(buf.mul(maskOutside(g, geo.storageNumel, geo.view)), geo.base) : null;
  return [gBase, gView];
});

// the view after the write reads its base: its gradient lands in the base's region
const AsStridedBackward = rule<[], Geometry>("AsStridedBackward0",
  (g, _, geo) => [gatherFromStorage(scatterToStorage(g, geo.storageNumel, geo.view), geo.base)]);

/**
 * After an in-place op wrote through view `x` of a base that takes part in autograd, make
 * the base's history say so (PyTorch's CopySlices) and re-derive x from the new base.
 * Returns false when x is not such a view (the caller rebases x itself). The gradients
 * of these two nodes are computed with raw kernels: they carry no history for createGraph.
 */
function rebaseView(x: Tensor, newValueFn: Node | null): boolean {
  const base = x._base;
  if (base === null || base.isDisposed || !isGradEnabled()) return false;
  if (!base.requiresGrad && newValueFn === null) return false;
  const geo = geometry(base, x);
  const copySlices = new FnNode(CopySlices, [gradEdge(base), newValueFn], geo, inputNrsOf([base]));
  base.gradFn = copySlices;
  copySlices._out = base;
  const viewFn = new FnNode(AsStridedBackward, [copySlices], geo);
  x.gradFn = viewFn;
  viewFn._out = x;
  return true;
}

/** A view's gradFn re-derived from its base's current history (PyTorch's view replay). */
export function viewOfBaseNode(base: Tensor, view: Tensor): FnNode {
  const node = new FnNode(AsStridedBackward, [gradEdge(base)], geometry(base, view), inputNrsOf([base]));
  node._out = view;
  return node;
}

function geometry(base: Tensor, x: Tensor): Geometry {
  return {
    storageNumel: x._storage.numel,
    base: { shape: base.shape.slice(), strides: base._strides.slice(), offset: base._offset },
    view: { shape: x.shape.slice(), strides: x._strides.slice(), offset: x._offset },
  };
}
