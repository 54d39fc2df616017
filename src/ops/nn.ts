/** softmax and logSoftmax over one dim, numerically stable (max subtracted first). */
import { Red } from "../backend/backend.js";
import { normDim } from "../shape.js";
import { Tensor } from "../tensor.js";
import { compute, record, rule, wantsGrad } from "./core.js";
import { reduceRaw } from "./reduce.js";
import { isFloating, dtypeName } from "../dtype.js";

function floatInput(x: Tensor, kernel: string): Tensor {
  if (!isFloating(x.dtype)) throw new Error(`"${kernel}_lastdim_kernel_impl" not implemented for '${dtypeName(x.dtype, "scalar")}'`);
  return x;
}

// d softmax: y * (g - sum(g * y))
const SoftmaxBackward = rule<[Tensor], number>("SoftmaxBackward0", (g, [y], d) => [y.mul(g.sub(g.mul(y).sum(d, true)))]);
export function softmax(x0: Tensor, dim: number): Tensor {
  const x = floatInput(x0, "softmax");
  const d = normDim(dim, x.ndim);
  const out = compute(() => {
    if (x.ndim === 0) return x.sub(x).exp();
    const e = x.sub(reduceRaw(Red.MAX, x, [d], true)).exp();
    return e.div(e.sum(d, true));
  });
  if (x !== x0) x.dispose();
  if (wantsGrad(x0)) record(out, SoftmaxBackward, [x0], [out], d);
  return out;
}

// d logSoftmax: g - exp(y) * sum(g)
const LogSoftmaxBackward = rule<[Tensor], number>("LogSoftmaxBackward0", (g, [y], d) => [g.sub(y.exp().mul(g.sum(d, true)))]);
export function logSoftmax(x0: Tensor, dim: number): Tensor {
  const x = floatInput(x0, "log_softmax");
  const d = normDim(dim, x.ndim);
  const out = compute(() => {
    if (x.ndim === 0) return x.sub(x);
    const shifted = x.sub(reduceRaw(Red.MAX, x, [d], true));
    return shifted.sub(shifted.exp().sum(d, true).log());
  });
  if (x !== x0) x.dispose();
  if (wantsGrad(x0)) record(out, LogSoftmaxBackward, [x0], [out], d);
  return out;
}
