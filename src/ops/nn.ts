/** softmax and logSoftmax over one dim, numerically stable (max subtracted first). */
import { Red } from "../backend/backend.js";
import { noGrad } from "../autograd/grad_mode.js";
import { normDim } from "../shape.js";
import { Tensor } from "../tensor.js";
import { record, rule, wantsGrad, castRaw } from "./core.js";
import { reduceRaw } from "./reduce.js";
import { isFloating } from "../dtype.js";

function floatInput(x: Tensor): Tensor { return isFloating(x.dtype) ? x : castRaw(x, "float32"); }

// d softmax: y * (g - sum(g * y))
const SoftmaxBackward = rule("SoftmaxBackward0", (n, g) => {
  const [y] = n.saved as [Tensor];
  const d = n.attrs as number;
  return [y.mul(g.sub(g.mul(y).sum(d, true)))];
});
export function softmax(x0: Tensor, dim: number): Tensor {
  const x = floatInput(x0);
  const d = normDim(dim, x.ndim);
  const out = noGrad(() => {
    if (x.ndim === 0) return x.sub(x).exp();
    const m = reduceRaw(Red.MAX, x, [d], true);
    const e = x.sub(m).exp();
    const r = e.div(e.sum(d, true));
    m.dispose(); e.dispose();
    return r;
  });
  if (wantsGrad(x0)) record(out, SoftmaxBackward, [x0], [out], d);
  return out;
}

// d logSoftmax: g - exp(y) * sum(g)
const LogSoftmaxBackward = rule("LogSoftmaxBackward0", (n, g) => {
  const [y] = n.saved as [Tensor];
  const d = n.attrs as number;
  return [g.sub(y.exp().mul(g.sum(d, true)))];
});
export function logSoftmax(x0: Tensor, dim: number): Tensor {
  const x = floatInput(x0);
  const d = normDim(dim, x.ndim);
  const out = noGrad(() => {
    if (x.ndim === 0) return x.sub(x);
    const m = reduceRaw(Red.MAX, x, [d], true);
    const shifted = x.sub(m);
    const r = shifted.sub(shifted.exp().sum(d, true).log());
    m.dispose(); shifted.dispose();
    return r;
  });
  if (wantsGrad(x0)) record(out, LogSoftmaxBackward, [x0], [out], d);
  return out;
}
