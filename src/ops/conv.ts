/**
 * Convolution and pooling ops (no argument checks: src/nn/conv_functional.ts checks the public
 * calls). Forward and backward are single backend kernels over contiguous NCHW data (a 1-D
 * convolution runs as a 2-D one of height 1). Every gradient is itself a recorded op whose rule
 * is written with these ops, so gradients of gradients come free:
 *
 *   y  = conv(x, w) + b            ConvolutionBackward0:  gx = convInputGrad(g, w), gw = convWeightGrad(x, g), gb = sum(g)
 *   gx = convInputGrad(g, w)       (ConvolutionBackwardBackward0): d/dg = conv(gg, w), d/dw = convWeightGrad(gg, g)
 *   gw = convWeightGrad(x, g)      (ConvolutionBackwardBackward0): d/dx = convInputGrad(g, gg), d/dg = conv(x, gg)
 *
 * and likewise each pooling is linear in its input given its windows (and, for max pooling, its
 * argmax indices), with its adjoint as the gradient and the pooling again as the adjoint's.
 */
import { Pool, type Backend, type ConvGeometry, type PoolGeometry, type PoolOp } from "../backend/backend.js";
import { isFloating, type DType } from "../dtype.js";
import { isContiguous } from "../shape.js";
import { Tensor } from "../tensor.js";
import { allocTensor, castRaw, compute, handleOf, moveTo, record, rule, wantsGrad, type TypedRule } from "./core.js";

// ---- convolution --------------------------------------------------------------------------------

/** A convolution's settings, one entry per spatial dim (1 or 2); `padEnd` is the bottom/right
 *  padding, which "same" padding may make one more than `padding` (the top/left). */
export interface ConvParams {
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly padEnd: readonly number[];
  readonly dilation: readonly number[];
  readonly groups: number;
}

/** What a convolution's gradient rules need: its settings and its input and weight shapes. */
interface ConvAttrs {
  readonly p: ConvParams;
  readonly xShape: readonly number[];
  readonly wShape: readonly number[];
}

/** Output length of one spatial dim. */
export function convOutSize(size: number, k: number, s: number, pad: number, padEnd: number, d: number): number {
  return Math.floor((size + pad + padEnd - d * (k - 1) - 1) / s) + 1;
}

/** The kernel geometry of a batched input and weight (a 1-D convolution as height 1). */
function geometry(xShape: readonly number[], wShape: readonly number[], p: ConvParams): ConvGeometry {
  const two = wShape.length === 4;
  const at = (a: readonly number[], i: number, one: number) => (two ? a[i]! : i === 0 ? one : a[0]!);
  const h = two ? xShape[2]! : 1, w = xShape[xShape.length - 1]!;
  const kh = two ? wShape[2]! : 1, kw = wShape[wShape.length - 1]!;
  const [sh, sw] = [at(p.stride, 0, 1), at(p.stride, 1, 1)];
  const [ph, pw] = [at(p.padding, 0, 0), at(p.padding, 1, 0)];
  const [eh, ew] = [at(p.padEnd, 0, 0), at(p.padEnd, 1, 0)];
  const [dh, dw] = [at(p.dilation, 0, 1), at(p.dilation, 1, 1)];
  return {
    n: xShape[0]!, cin: xShape[1]!, h, w, cout: wShape[0]!, kh, kw,
    ho: convOutSize(h, kh, sh, ph, eh, dh), wo: convOutSize(w, kw, sw, pw, ew, dw),
    sh, sw, ph, pw, dh, dw, groups: p.groups,
  };
}

/** The output shape of a convolution of `g` (3-D for a 1-D convolution). */
function outShapeOf(g: ConvGeometry, spatial: number): number[] {
  return spatial === 1 ? [g.n, g.cout, g.wo] : [g.n, g.cout, g.ho, g.wo];
}

/** An operand as a kernel takes it: on `be`, of dtype `dtype`, contiguous. `temps` collects the copies. */
function operand(t: Tensor | null, be: Backend, dtype: DType, temps: Tensor[]): Tensor | null {
  if (t === null) return null;
  let r = moveTo(t, be);
  if (r !== t) temps.push(r);
  if (r.dtype !== dtype || !isContiguous(r.shape, r._strides)) {
    r = castRaw(r, dtype);
    temps.push(r);
  }
  return r;
}

/** Run a kernel writing a fresh tensor of `shape` in the float dtype of `like` (float64 for an
 *  int32 `like`, whose result is cast back to int32). `inputs` are made that float dtype,
 *  `indices` stay int32. */
function runKernel(
  like: Tensor, shape: number[], inputs: (Tensor | null)[], indices: Tensor | null,
  kernel: (be: Backend, work: DType, ops: (Tensor | null)[], idx: Tensor | null, out: Tensor) => void,
): Tensor {
  const be = like._storage.backend;
  const dtype = like.dtype;
  const work: DType = isFloating(dtype) ? dtype : "float64";
  const temps: Tensor[] = [];
  try {
    const ops = inputs.map((t) => operand(t, be, work, temps));
    const idx = operand(indices, be, "int32", temps);
    const out = allocTensor(be, work, shape, false);
    kernel(be, work, ops, idx, out);
    if (work === dtype) return out;
    const r = castRaw(out, dtype);
    out.dispose();
    return r;
  } finally {
    for (const t of temps) t.dispose();
  }
}

/** conv(x, w) + b, no autograd. x batched ([N, C, L] or [N, C, H, W]). */
function convForwardRaw(x: Tensor, w: Tensor, b: Tensor | null, p: ConvParams): Tensor {
  const g = geometry(x.shape, w.shape, p);
  return runKernel(x, outShapeOf(g, w.ndim - 2), [x, w, b], null, (be, work, [xc, wc, bc], _, out) => {
    be.conv2d(work, handleOf(xc!), xc!._offset, handleOf(wc!), wc!._offset, bc ? handleOf(bc) : null, bc ? bc._offset : 0, out._storage.handle, g);
  });
}

/** The gradient of conv with respect to its input ([N, C, ...] of xShape), no autograd. */
function convInputGradRaw(gy: Tensor, w: Tensor, a: ConvAttrs): Tensor {
  const g = geometry(a.xShape, a.wShape, a.p);
  return runKernel(gy, a.xShape.slice(), [gy, w], null, (be, work, [gc, wc], _, out) => {
    be.conv2dInputGrad(work, handleOf(gc!), gc!._offset, handleOf(wc!), wc!._offset, out._storage.handle, g);
  });
}

/** The gradient of conv with respect to its weight (of wShape), no autograd. */
function convWeightGradRaw(gy: Tensor, x: Tensor, a: ConvAttrs): Tensor {
  const g = geometry(a.xShape, a.wShape, a.p);
  return runKernel(gy, a.wShape.slice(), [gy, x], null, (be, work, [gc, xc], _, out) => {
    be.conv2dWeightGrad(work, handleOf(gc!), gc!._offset, handleOf(xc!), xc!._offset, out._storage.handle, g);
  });
}

/** The dims a bias gradient sums over: all but the channels. */
function biasDims(ndim: number): number[] {
  return ndim === 3 ? [0, 2] : [0, 2, 3];
}

const ConvolutionBackward = rule<[Tensor, Tensor], ConvAttrs>("ConvolutionBackward0", (g, [x, w], a, needsInputGrad) => [
  needsInputGrad(0) ? convInputGrad(g, w, a) : null,
  needsInputGrad(1) ? convWeightGrad(x, g, a) : null,
  needsInputGrad(2) ? convBiasGrad(g) : null,
]);

// gb = g summed over all but the channels: its gradient spreads gg back over them
const ConvBiasGradBackward = rule<[], readonly number[]>("ConvolutionBackwardBackward0", (gg, _, gShape) => [
  gg.reshape(gShape.map((d, i) => (i === 1 ? d : 1))).expand(gShape as number[]),
]);

/** The bias gradient of a convolution, recorded under PyTorch's node name. */
function convBiasGrad(g: Tensor): Tensor {
  const out = compute(() => g.sum(biasDims(g.ndim)));
  if (wantsGrad(g)) record(out, ConvBiasGradBackward, [g], null, g.shape.slice());
  return out;
}

// gx = T(w) g is bilinear in (g, w): d<gg, gx>/dg = conv(gg, w), d/dw = the weight gradient of conv(gg, .) at g
const ConvInputGradBackward = rule<[Tensor, Tensor], ConvAttrs>("ConvolutionBackwardBackward0", (gg, [g, w], a, needsInputGrad) => [
  needsInputGrad(0) ? convolution(gg, w, null, a.p) : null,
  needsInputGrad(1) ? convWeightGrad(gg, g, a) : null,
]);

// gw = W(x, g) is bilinear in (x, g): d<gg, gw>/dx = T(gg) g, d/dg = conv(x, gg)
const ConvWeightGradBackward = rule<[Tensor, Tensor], ConvAttrs>("ConvolutionBackwardBackward0", (gg, [x, g], a, needsInputGrad) => [
  needsInputGrad(0) ? convInputGrad(g, gg, a) : null,
  needsInputGrad(1) ? convolution(x, gg, null, a.p) : null,
]);

/** The input gradient of a convolution, recorded (so it can be differentiated again). */
function convInputGrad(g: Tensor, w: Tensor, a: ConvAttrs): Tensor {
  const out = convInputGradRaw(g, w, a);
  if (wantsGrad(g, w)) record(out, ConvInputGradBackward, [g, w], [g, w], a);
  return out;
}

/** The weight gradient of a convolution, recorded. */
function convWeightGrad(x: Tensor, g: Tensor, a: ConvAttrs): Tensor {
  const out = convWeightGradRaw(g, x, a);
  if (wantsGrad(x, g)) record(out, ConvWeightGradBackward, [x, g], [x, g], a);
  return out;
}

/**
 * The convolution of a batched input `x` ([N, C, L] or [N, C, H, W]) with `w` ([Cout, C/groups,
 * ...kernel]) plus `b` ([Cout] or null), as one ConvolutionBackward0 node. Shapes, dtypes and
 * settings are the caller's to check.
 */
export function convolution(x: Tensor, w: Tensor, b: Tensor | null, p: ConvParams): Tensor {
  const out = convForwardRaw(x, w, b, p);
  if (wantsGrad(x, w, b)) {
    record(out, ConvolutionBackward, [x, w, b], [x, w], { p, xShape: x.shape.slice(), wShape: w.shape.slice() });
  }
  return out;
}

// ---- pooling ------------------------------------------------------------------------------------

/** A pooling's settings (kernel fields unused by adaptive pooling); `ho`/`wo` its output size. */
export interface PoolParams {
  readonly kh: number; readonly kw: number; readonly sh: number; readonly sw: number;
  readonly ph: number; readonly pw: number; readonly dh: number; readonly dw: number;
  readonly ho: number; readonly wo: number;
  readonly countIncludePad: boolean; readonly divisor: number;
}

interface PoolAttrs { readonly op: PoolOp; readonly p: PoolParams; readonly xShape: readonly number[] }

/** The geometry of a pooling over the last two dims of a 3-D or 4-D `xShape`. */
function poolGeometry(xShape: readonly number[], p: PoolParams): PoolGeometry {
  const nd = xShape.length;
  const planes = xShape.slice(0, nd - 2).reduce((s, d) => s * d, 1);
  return { planes, h: xShape[nd - 2]!, w: xShape[nd - 1]!, ...p };
}

function pooledShape(xShape: readonly number[], p: PoolParams): number[] {
  return [...xShape.slice(0, xShape.length - 2), p.ho, p.wo];
}

/** out = pool(x) (GATHER: at `indices`), no autograd; MAX also returns its int32 indices. */
function poolRaw(op: PoolOp, x: Tensor, p: PoolParams, indices: Tensor | null): [Tensor, Tensor | null] {
  const g = poolGeometry(x.shape, p);
  const shape = pooledShape(x.shape, p);
  const be = x._storage.backend;
  const idx = op === Pool.MAX ? allocTensor(be, "int32", shape.slice(), false) : null;
  try {
    const out = runKernel(x, shape, [x], indices, (b, work, [xc], ic, o) => {
      const ih = idx ?? ic;
      b.pool2d(op, work, handleOf(xc!), xc!._offset, o._storage.handle, ih ? handleOf(ih) : null, ih ? ih._offset : 0, g);
    });
    return [out, idx];
  } catch (e) {
    idx?.dispose();
    throw e;
  }
}

/** The adjoint of `poolRaw` applied to gy (shaped as the pooling's output), as xShape. */
function poolBackwardRaw(op: PoolOp, gy: Tensor, indices: Tensor | null, a: PoolAttrs): Tensor {
  const g = poolGeometry(a.xShape, a.p);
  return runKernel(gy, a.xShape.slice(), [gy], indices, (be, work, [gc], ic, out) => {
    be.pool2dBackward(op, work, handleOf(gc!), gc!._offset, ic ? handleOf(ic) : null, ic ? ic._offset : 0, out._storage.handle, g);
  });
}

const POOL_NAMES: Record<PoolOp, [string, string]> = {
  [Pool.MAX]: ["MaxPool2DWithIndicesBackward0", "MaxPool2DWithIndicesBackwardBackward0"],
  [Pool.AVG]: ["AvgPool2DBackward0", "AvgPool2DBackwardBackward0"],
  [Pool.ADAPTIVE_AVG]: ["AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool2DBackwardBackward0"],
  // max pooling's double backward: out = x[indices], whose adjoint is max pooling's backward
  [Pool.GATHER]: ["GatherBackward0", "MaxPool2DWithIndicesBackwardBackward0"],
};

/** MAX's gradient is GATHER's adjoint, and GATHER's gradient MAX's adjoint: the same kernel. */
const adjointOp = (op: PoolOp): PoolOp => (op === Pool.GATHER ? Pool.MAX : op);

const forwardRules = new Map<PoolOp, TypedRule<Tensor[], PoolAttrs>>();
const backwardRules = new Map<PoolOp, TypedRule<Tensor[], PoolAttrs>>();
for (const op of [Pool.MAX, Pool.AVG, Pool.ADAPTIVE_AVG, Pool.GATHER] as PoolOp[]) {
  const [fwdName, bwdName] = POOL_NAMES[op];
  // d pool(x) = poolBackward(g) (max: at the saved indices)
  forwardRules.set(op, rule<Tensor[], PoolAttrs>(fwdName, (g, saved, a) => [poolBackward(op, g, saved[0] ?? null, a)]));
  // poolBackward is linear in g; its adjoint is the pooling itself (max and gather: the gather at the indices)
  backwardRules.set(op, rule<Tensor[], PoolAttrs>(bwdName, (gg, saved, a) => [
    poolForward(op === Pool.MAX ? Pool.GATHER : op, gg, saved[0] ?? null, a.p),
  ]));
}

/** The gradient of a pooling of op `op` for its output gradient g, recorded. */
function poolBackward(op: PoolOp, g: Tensor, indices: Tensor | null, a: PoolAttrs): Tensor {
  const out = poolBackwardRaw(adjointOp(op), g, indices, a);
  if (wantsGrad(g)) record(out, backwardRules.get(op)!, [g], indices ? [indices] : [], a);
  return out;
}

/** An AVG or ADAPTIVE_AVG pooling, or a GATHER at `indices` (shaped as the pooled output), recorded. */
function poolForward(op: PoolOp, x: Tensor, indices: Tensor | null, p: PoolParams): Tensor {
  const [out] = poolRaw(op, x, p, indices);
  if (wantsGrad(x)) record(out, forwardRules.get(op)!, [x], indices ? [indices] : [], { op, p, xShape: x.shape.slice() });
  return out;
}

/** Max pooling of the last two dims of a 3-D or 4-D `x`, recorded as MaxPool2DWithIndicesBackward0,
 *  with the int32 flat indices (h * W + w in each plane) of the maxima. */
export function maxPool(x: Tensor, p: PoolParams): { values: Tensor; indices: Tensor } {
  const [out, idx] = poolRaw(Pool.MAX, x, p, null);
  if (wantsGrad(x)) record(out, forwardRules.get(Pool.MAX)!, [x], [idx!], { op: Pool.MAX, p, xShape: x.shape.slice() });
  return { values: out, indices: idx! };
}

/** Average pooling of the last two dims, recorded as AvgPool2DBackward0. */
export function avgPool(x: Tensor, p: PoolParams): Tensor {
  return poolForward(Pool.AVG, x, null, p);
}

/** Adaptive average pooling of the last two dims to p.ho x p.wo, recorded as AdaptiveAvgPool2DBackward0. */
export function adaptiveAvgPool(x: Tensor, p: PoolParams): Tensor {
  return poolForward(Pool.ADAPTIVE_AVG, x, null, p);
}
