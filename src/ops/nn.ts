/**
 * softmax and logSoftmax over one dim: one fused kernel each way (Backend.softmax /
 * softmaxBackward over the [outer, axis, inner] view of the input, no transposes), the max
 * subtracted first. The gradient is itself a recorded op (PyTorch's
 * SoftmaxBackwardDataBackward0 / LogSoftmaxBackwardDataBackward0) whose rule is written in
 * Tensor ops, so gradients of gradients come free:
 *
 *   y  = softmax(x)            SoftmaxBackward0:  gx = y * (g - sum(g * y))
 *   gx = softmaxGrad(g, y)     d<gg, gx>/dg = softmaxGrad(gg, y), d/dy = gg * (g - sum(g * y)) - g * sum(gg * y)
 *   y  = logSoftmax(x)         LogSoftmaxBackward0:  gx = g - exp(y) * sum(g)
 *   gx = logSoftmaxGrad(g, y)  d/dg = gg - sum(gg * exp(y)), d/dy = -gg * exp(y) * sum(g)
 */
import { normDim, numelOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import { allocTensor, contiguousRaw, handleOf, record, rule, wantsGrad } from "./core.js";
import { isFloating, dtypeName } from "../dtype.js";

function floatInput(x: Tensor, kernel: string): Tensor {
  if (!isFloating(x.dtype)) throw new Error(`"${kernel}_lastdim_kernel_impl" not implemented for '${dtypeName(x.dtype, "scalar")}'`);
  return x;
}

/** outer, axis, inner of `shape` around dim d (a 0-d tensor is one row of one). */
function blocks(shape: readonly number[], d: number): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1];
  return [numelOf(shape.slice(0, d)), shape[d]!, numelOf(shape.slice(d + 1))];
}

/** softmax / log_softmax of x along d, no autograd. */
function softmaxRaw(x: Tensor, d: number, log: boolean): Tensor {
  const be = x._storage.backend;
  const src = contiguousRaw(x);
  const out = allocTensor(be, x.dtype, x.shape.slice(), false);
  const [outer, axis, inner] = blocks(x.shape, d);
  try {
    be.softmax(x.dtype, log, handleOf(src), src._offset, outer, axis, inner, out._storage.handle);
  } finally {
    if (src !== x) src.dispose();
  }
  return out;
}

/** The input gradient of softmax (log_softmax) for output gradient g and output y, no autograd. */
function softmaxGradRaw(g: Tensor, y: Tensor, d: number, log: boolean): Tensor {
  const be = y._storage.backend;
  const gc = contiguousRaw(g);
  const yc = contiguousRaw(y);
  const out = allocTensor(be, y.dtype, y.shape.slice(), false);
  const [outer, axis, inner] = blocks(y.shape, d);
  try {
    be.softmaxBackward(y.dtype, log, handleOf(gc), gc._offset, handleOf(yc), yc._offset, outer, axis, inner, out._storage.handle);
  } finally {
    if (gc !== g) gc.dispose();
    if (yc !== y) yc.dispose();
  }
  return out;
}

interface GradAttrs { d: number; }

const SoftmaxGradBackward = rule<[Tensor, Tensor], GradAttrs>("SoftmaxBackwardDataBackward0", (gg, [g, y], { d }, needsInputGrad) => [
  needsInputGrad(0) ? softmaxGrad(gg, y, d, false) : null,
  needsInputGrad(1) ? gg.mul(g.sub(g.mul(y).sum(d, true))).sub(g.mul(gg.mul(y).sum(d, true))) : null,
]);

const LogSoftmaxGradBackward = rule<[Tensor, Tensor], GradAttrs>("LogSoftmaxBackwardDataBackward0", (gg, [g, y], { d }, needsInputGrad) => {
  const e = y.exp();
  return [
    needsInputGrad(0) ? gg.sub(gg.mul(e).sum(d, true)) : null,
    needsInputGrad(1) ? gg.mul(e).mul(g.sum(d, true)).neg() : null,
  ];
});

/** The gradient of softmax (log_softmax) at output y, recorded when it is to be differentiated again. */
function softmaxGrad(g: Tensor, y: Tensor, d: number, log: boolean): Tensor {
  const out = softmaxGradRaw(g, y, d, log);
  if (wantsGrad(g, y)) record(out, log ? LogSoftmaxGradBackward : SoftmaxGradBackward, [g, y], [g, y], { d });
  return out;
}

const SoftmaxBackward = rule<[Tensor], number>("SoftmaxBackward0", (g, [y], d) => [softmaxGrad(g, y, d, false)]);
const LogSoftmaxBackward = rule<[Tensor], number>("LogSoftmaxBackward0", (g, [y], d) => [softmaxGrad(g, y, d, true)]);

export function softmax(x0: Tensor, dim: number): Tensor {
  const x = floatInput(x0, "softmax");
  const d = normDim(dim, x.ndim);
  const out = softmaxRaw(x, x.ndim === 0 ? 0 : d, false);
  if (wantsGrad(x0)) record(out, SoftmaxBackward, [x0], [out], x.ndim === 0 ? 0 : d);
  return out;
}

export function logSoftmax(x0: Tensor, dim: number): Tensor {
  const x = floatInput(x0, "log_softmax");
  const d = normDim(dim, x.ndim);
  const out = softmaxRaw(x, x.ndim === 0 ? 0 : d, true);
  if (wantsGrad(x0)) record(out, LogSoftmaxBackward, [x0], [out], x.ndim === 0 ? 0 : d);
  return out;
}
