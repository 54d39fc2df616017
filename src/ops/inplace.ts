/**
 * In-place ops: the result is computed out of place (recording the graph as usual),
 * then written through this tensor's (possibly strided) view, the shared version
 * counter is bumped, and this tensor takes the result's gradFn (PyTorch's rebase).
 */
import { isGradEnabled } from "../autograd/grad_mode.js";
import { FnNode } from "../autograd/node.js";
import { isFloating, promoteTypes, type DType } from "../dtype.js";
import { broadcastShapes, broadcastStrides, sameShape } from "../shape.js";
import { Tensor, type TensorOrScalar } from "../tensor.js";
import { castRaw, handleOf, moveTo, record, rule, scalarTensor, wantsGrad } from "./core.js";
import { binaryRaw } from "./elementwise.js";
import { Bin } from "../backend/backend.js";
import { sumToShape } from "./reduce.js";

const DTYPE_NAME: Record<DType, string> = { float32: "Float", float64: "Double", int32: "Int", bool: "Bool" };

function checkInPlace(x: Tensor): void {
  x._assertLive();
  if (!isGradEnabled()) return;
  if (x.isLeaf && x._requiresGrad) throw new Error("a leaf Variable that requires grad is being used in an in-place operation.");
  const base = x._base;
  if (base !== null && base.isLeaf && base._requiresGrad) {
    throw new Error("a view of a leaf Variable that requires grad is being used in an in-place operation.");
  }
}

/** Write `src` (same shape as x or broadcastable to it) through x's view, casting to x's dtype. */
function writeInto(x: Tensor, src: Tensor): void {
  const be = x._storage.backend;
  const s = moveTo(src, be);
  const shape = broadcastShapes(x.shape, s.shape);
  if (!sameShape(shape, x.shape)) {
    throw new Error(`output with shape [${x.shape.join(", ")}] doesn't match the broadcast shape [${shape.join(", ")}]`);
  }
  be.copy(handleOf(s), s.dtype, s._offset, broadcastStrides(s.shape, s._strides, x.shape), handleOf(x), x.dtype, x._offset, x._strides, x.shape);
  if (s !== src) s.dispose();
  x._version.n++;
}

export function inplace(x: Tensor, fn: (self: Tensor) => Tensor): Tensor {
  checkInPlace(x);
  const recording = isGradEnabled() && x.requiresGrad;
  // Saved tensors must see x's old values: give the out-of-place op a copy with x's identity.
  let self = x;
  if (recording) {
    self = castRaw(x, x.dtype);
    self.gradFn = x.gradFn;
  }
  const r = fn(self);
  if (r.dtype !== x.dtype && promoteTypes(r.dtype, x.dtype) !== x.dtype) {
    r.dispose();
    if (self !== x) self.dispose();
    throw new Error(`result type ${DTYPE_NAME[r.dtype]} can't be cast to the desired output type ${DTYPE_NAME[x.dtype]}`);
  }
  writeInto(x, r);
  if (r.gradFn !== null) {
    x.gradFn = r.gradFn;
    if (r.gradFn instanceof FnNode) r.gradFn._out = x; // the node now belongs to x (PyTorch's rebase)
  }
  r.dispose();
  if (self !== x) self.dispose();
  return x;
}

/** noGrad accumulation used by the engine: x += g (g broadcast to x). */
export function addInPlaceRaw(x: Tensor, g: Tensor): void {
  const r = binaryRaw(Bin.ADD, x, g);
  writeInto(x, r);
  r.dispose();
}

const FillBackward = rule("FillBackward0", (_n, g) => [g.mul(0)]);
export function fill_(x: Tensor, value: number | boolean): Tensor {
  checkInPlace(x);
  const v = scalarTensor(value, x.dtype, x._storage.backend);
  writeInto(x, v);
  v.dispose();
  if (isGradEnabled() && x.gradFn !== null) record(x, FillBackward, [x], null); // zero gradient to the old history
  return x;
}

// copy_: the gradient goes to the source (summed over broadcast dims); none to the old self
const CopyBackwards = rule("CopyBackwards", (n, g) => {
  const [srcShape, srcDtype] = n.attrs as [number[], DType];
  const gs = sumToShape(g, srcShape);
  return [null, gs.dtype === srcDtype ? gs : gs.to(srcDtype)];
});
export function copy_(x: Tensor, src: TensorOrScalar): Tensor {
  checkInPlace(x);
  const s = src instanceof Tensor ? src : scalarTensor(src, x.dtype, x._storage.backend);
  writeInto(x, s);
  if (src instanceof Tensor && wantsGrad(src) && isFloating(x.dtype)) {
    record(x, CopyBackwards, [null, src], null, [src.shape, src.dtype]);
  } else if (isGradEnabled() && x.gradFn !== null) {
    x.gradFn = null;
  }
  if (s !== src) s.dispose();
  return x;
}

