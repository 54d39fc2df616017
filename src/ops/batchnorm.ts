/**
 * Batch normalisation (no argument checks: src/nn/functional_batchnorm.ts checks the public call).
 * The forward pass is two backend kernels over the contiguous [N, C, S] view of the input (the
 * batch's per-channel statistics in training, then the normalisation), recorded as one
 * NativeBatchNormBackward0 node; its backward is one kernel computing the input, weight and bias
 * gradients. Under createGraph the gradient is written in Tensor ops instead (PyTorch's formula,
 * with the batch statistics recomputed from x so their dependence on x is differentiated), so
 * gradients of gradients come out right.
 */
import { isGradEnabled, noGrad } from "../autograd/grad_mode.js";
import type { Backend } from "../backend/backend.js";
import type { DType } from "../dtype.js";
import { isContiguous } from "../shape.js";
import { Tensor } from "../tensor.js";
import { allocTensor, castRaw, handleOf, moveTo, record, rule, wantsGrad } from "./core.js";

/** What the gradient rule needs besides its saved tensors. */
interface BatchNormAttrs {
  /** Batch statistics (train) or running ones. */
  readonly train: boolean;
  /** The stored variance divided by this is the variance (N * S for the batch's sum of squares, 1 for a running variance). */
  readonly count: number;
  readonly eps: number;
  readonly hasWeight: boolean;
}

/** `t` on `be` as a contiguous tensor starting at element 0 (a copy, collected in `temps`, when it is not). */
function dense(t: Tensor, be: Backend, temps: Tensor[]): Tensor {
  let r = moveTo(t, be);
  if (r !== t) temps.push(r);
  if (r._offset !== 0 || !isContiguous(r.shape, r._strides)) {
    r = castRaw(r, r.dtype);
    temps.push(r);
  }
  return r;
}

/** [N, C, S] of an input of at least two dims. */
function blockOf(shape: readonly number[]): [number, number, number] {
  let s = 1;
  for (let d = 2; d < shape.length; d++) s *= shape[d]!;
  return [shape[0]!, shape[1]!, s];
}

/** running = momentum * batch + (1 - momentum) * running, in float64 as PyTorch's CPU kernel,
 *  written into `running` in place (a buffer: not recorded). `scale` turns batch into the value
 *  averaged in (1 / (M - 1) for the sum of squares: the unbiased variance). */
function updateRunning(running: Tensor, batch: Tensor, momentum: number, scale: number): void {
  const b = batch.toArray(), r = running.toArray();
  const be = running._storage.backend;
  const next = allocTensor(be, running.dtype, running.shape.slice(), false);
  const data = new (running.dtype === "float32" ? Float32Array : Float64Array)(r.length);
  for (let i = 0; i < r.length; i++) data[i] = momentum * (b[i]! * scale) + (1 - momentum) * r[i]!;
  be.write(next._storage.handle, running.dtype, data, 0);
  try {
    noGrad(() => running.copy_(next));
  } finally {
    next.dispose();
  }
}

/** Whether two elements of 1-D `t` share memory (an expand()ed [C] view). */
const selfOverlapping = (t: Tensor): boolean => t.ndim === 1 && t.shape[0]! > 1 && t._strides[0] === 0;

/**
 * PyTorch's update of the running statistics: for each channel f in order, running_mean[f] then
 * running_var[f] = momentum * batch + (1 - momentum) * running (the variance's batch value
 * unbiased). When their elements share memory (an expand()ed view, or mean and variance in one
 * storage) PyTorch's loop reads, at each channel, what an earlier channel wrote through the alias
 * (and raises no error): that is done here element by element; otherwise in one write per tensor.
 */
function updateRunningStats(
  runningMean: Tensor | null, runningVar: Tensor | null, mean: Tensor, variance: Tensor, momentum: number, count: number,
): void {
  const aliased = (runningMean !== null && selfOverlapping(runningMean)) || (runningVar !== null && selfOverlapping(runningVar)) ||
    (runningMean !== null && runningVar !== null && runningMean._storage === runningVar._storage);
  if (!aliased) {
    if (runningMean !== null) updateRunning(runningMean, mean, momentum, 1);
    if (runningVar !== null) updateRunning(runningVar, variance, momentum, 1 / (count - 1));
    return;
  }
  const bm = mean.toArray(), bv = variance.toArray();
  const step = (running: Tensor, f: number, batch: number) => {
    const e = running.select(0, f);
    try {
      e.fill_(momentum * batch + (1 - momentum) * (e.item() as number));
    } finally {
      e.dispose();
    }
  };
  noGrad(() => {
    for (let f = 0; f < bm.length; f++) {
      if (runningMean !== null) step(runningMean, f, bm[f]!);
      if (runningVar !== null) step(runningVar, f, bv[f]! * (1 / (count - 1)));
    }
  });
}

/** The kernel's gradients: [gx, gw, gb], each null when not wanted. */
function backwardRaw(g: Tensor, x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor | null, a: BatchNormAttrs, want: [boolean, boolean, boolean]): (Tensor | null)[] {
  const be = x._storage.backend;
  const dtype: DType = x.dtype;
  const [n, c, s] = blockOf(x.shape);
  const temps: Tensor[] = [];
  const outs: (Tensor | null)[] = [null, null, null];
  try {
    let gc = dense(g, be, temps);
    if (gc.dtype !== dtype) { gc = castRaw(gc, dtype); temps.push(gc); }
    const xc = dense(x, be, temps), mc = dense(mean, be, temps), vc = dense(variance, be, temps);
    const wc = weight === null ? null : dense(weight, be, temps);
    if (want[0]) outs[0] = allocTensor(be, dtype, x.shape.slice(), false);
    if (want[1]) outs[1] = allocTensor(be, dtype, [c], false);
    if (want[2]) outs[2] = allocTensor(be, dtype, [c], false);
    be.batchNormBackward(dtype, handleOf(gc), gc._offset, handleOf(xc), xc._offset, n, c, s, handleOf(mc), handleOf(vc), a.count, a.eps,
      wc === null ? null : handleOf(wc), a.train, outs[0]?._storage.handle ?? null, outs[1]?._storage.handle ?? null, outs[2]?._storage.handle ?? null);
    return outs;
  } catch (e) {
    for (const t of outs) t?.dispose();
    throw e;
  } finally {
    for (const t of temps) t.dispose();
  }
}

/** The same gradients in differentiable Tensor ops (for createGraph). */
function backwardComposite(g: Tensor, x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor | null, a: BatchNormAttrs, want: [boolean, boolean, boolean]): (Tensor | null)[] {
  const dims: number[] = [0];
  for (let d = 2; d < x.ndim; d++) dims.push(d);
  const bc = x.shape.map((v, d) => (d === 1 ? v : 1));
  let xhat: Tensor, invstd: Tensor;
  if (a.train) {
    const xc = x.sub(x.mean(dims, true));
    invstd = xc.mul(xc).mean(dims, true).add(a.eps).rsqrt();
    xhat = xc.mul(invstd);
  } else {
    invstd = variance.div(a.count).add(a.eps).rsqrt().reshape(bc);
    xhat = x.sub(mean.reshape(bc)).mul(invstd);
  }
  const scale = weight === null ? invstd : invstd.mul(weight.reshape(bc));
  let gx: Tensor | null = null;
  if (want[0]) {
    gx = a.train
      ? g.sub(g.mean(dims, true)).sub(xhat.mul(g.mul(xhat).mean(dims, true))).mul(scale)
      : g.mul(scale);
  }
  return [gx, want[1] ? g.mul(xhat).sum(dims) : null, want[2] ? g.sum(dims) : null];
}

const NativeBatchNormBackward = rule<Tensor[], BatchNormAttrs>("NativeBatchNormBackward0", (g, saved, a, needsInputGrad) => {
  const [x, mean, variance] = saved as [Tensor, Tensor, Tensor];
  const weight = a.hasWeight ? saved[3]! : null;
  const want: [boolean, boolean, boolean] = [needsInputGrad(0), a.hasWeight && needsInputGrad(1), needsInputGrad(2)];
  return isGradEnabled() ? backwardComposite(g, x, mean, variance, weight, a, want) : backwardRaw(g, x, mean, variance, weight, a, want);
});

/**
 * PyTorch's batch_norm of `x` ([N, C, ...], float, numel > 0) over every dim but 1: with the
 * batch's statistics when `training` (updating the running ones in place when given), else with
 * `runningMean`/`runningVar`. Shapes and dtypes are the caller's to check.
 */
export function batchNorm(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  training: boolean, momentum: number, eps: number,
): Tensor {
  const be = x._storage.backend;
  const dtype = x.dtype;
  const [n, c, s] = blockOf(x.shape);
  const temps: Tensor[] = [];
  let mean: Tensor | null = null, variance: Tensor | null = null;
  try {
    const xc = dense(x, be, temps);
    let count = 1;
    if (training) {
      mean = allocTensor(be, dtype, [c], false);
      variance = allocTensor(be, dtype, [c], false);
      be.batchNormStats(dtype, handleOf(xc), xc._offset, n, c, s, mean._storage.handle, variance._storage.handle);
      count = n * s;
      updateRunningStats(runningMean, runningVar, mean, variance, momentum, count);
    } else {
      // copies: the running statistics are buffers that later training steps change in place
      mean = castRaw(dense(runningMean!, be, temps), dtype);
      variance = castRaw(dense(runningVar!, be, temps), dtype);
    }
    const wc = weight === null ? null : dense(weight, be, temps);
    const bc = bias === null ? null : dense(bias, be, temps);
    const out = allocTensor(be, dtype, x.shape.slice(), false);
    be.batchNormForward(dtype, handleOf(xc), xc._offset, n, c, s, mean._storage.handle, variance._storage.handle, count, eps,
      wc === null ? null : handleOf(wc), bc === null ? null : handleOf(bc), out._storage.handle);
    if (wantsGrad(x, weight, bias)) {
      const saved = weight === null ? [x, mean, variance] : [x, mean, variance, weight];
      record(out, NativeBatchNormBackward, [x, weight, bias], saved, { train: training, count, eps, hasWeight: weight !== null });
    }
    return out;
  } finally {
    for (const t of temps) t.dispose();
    mean?.dispose();
    variance?.dispose();
  }
}
