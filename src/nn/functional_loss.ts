/**
 * The losses of nn.functional beyond mse/nll/cross entropy: binaryCrossEntropy,
 * binaryCrossEntropyWithLogits, l1Loss, smoothL1Loss, huberLoss (PyTorch 1.13's values, gradients,
 * node names and errors; the fused ones run src/ops/loss.ts), and cross entropy's label smoothing
 * and class-probability targets (composed as PyTorch composes them).
 * @module
 */
import { Loss } from "../backend/backend.js";
import { dtypeName, isFloating, promoteTypes, type DType } from "../dtype.js";
import { broadcastShapes, sameShape } from "../shape.js";
import type { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { fusedLoss } from "../ops/loss.js";
import type { Reduction } from "./functional.js";
import { compute, record, rule, wantsGrad } from "../ops/core.js";


function reductionOf(reduction: unknown): Reduction {
  if (reduction === "mean" || reduction === "sum" || reduction === "none") return reduction;
  throw new Error(`${String(reduction)} is not a valid value for reduction`);
}

/** Python's printing of a torch.Size. */
function torchSize(shape: readonly number[]): string {
  return `torch.Size([${shape.join(", ")}])`;
}

/** PyTorch refuses a weight that requires grad where it has no derivative for it. */
function noGradWeight(fn: string, name: string, w: Tensor | null): void {
  if (w !== null && w.requiresGrad) {
    throw new Error(`The function '${fn}' is not differentiable with respect to argument '${name}'. This input cannot have requires_grad True.`);
  }
}

/** `t` in `dtype` (a recorded cast when it differs, as PyTorch's type promotion). */
function asDtype(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : t.to(dtype);
}

/** PyTorch's broadcast_tensors: a tensor keeps itself (no node) when its shape already fits. */
function broadcastPair(x: Tensor, t: Tensor): [Tensor, Tensor] {
  const shape = broadcastShapes(x.shape, t.shape);
  return [sameShape(x.shape, shape) ? x : x.expand(shape), sameShape(t.shape, shape) ? t : t.expand(shape)];
}

// ---- binary cross entropy ----------------------------------------------------------------------

/** Options of {@link binaryCrossEntropy}. */
export interface BCEOptions {
  /** A weight for each element (broadcast to the input's shape), or `null`. Must not require grad. */
  weight?: Tensor | null;
  /** `"mean"` (default), `"sum"` or `"none"`. */
  reduction?: Reduction;
}

/**
 * Binary cross entropy between probabilities `input` and `target` (PyTorch's
 * `F.binary_cross_entropy`): `-w * (t * log(p) + (1 - t) * log(1 - p))`, each log clamped at -100
 * as PyTorch, reduced. One fused op (`BinaryCrossEntropyBackward0`); the target gets a gradient too.
 *
 * @param input - Probabilities in [0, 1], float32 or float64.
 * @param target - The same shape and dtype as `input`.
 * @param opts - `weight` (broadcast to the input), `reduction`.
 * @throws `all elements of input should be between 0 and 1`; PyTorch's size and dtype errors.
 * @example
 * ```ts
 * F.binaryCrossEntropy(torch.tensor([0.8, 0.2]), torch.tensor([1, 0])); // tensor(0.2231)
 * ```
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts?: BCEOptions): Tensor {
  const fn = "binary_cross_entropy";
  A.checkTensor(fn, "input", 1, input);
  A.checkTensor(fn, "target", 2, target);
  A.checkOptions(fn, opts, { weight: "tensor", reduction: "any" });
  const reduction = reductionOf(opts?.reduction ?? "mean");
  if (!sameShape(target.shape, input.shape)) {
    throw new Error(`Using a target size (${torchSize(target.shape)}) that is different to the input size (${torchSize(input.shape)}) is deprecated. Please ensure they have the same size.`);
  }
  let weight = opts?.weight ?? null;
  if (weight !== null) {
    const shape = broadcastShapes(target.shape, weight.shape);
    if (!sameShape(shape, input.shape)) throw new Error(`output with shape [${input.shape.join(", ")}] doesn't match the broadcast shape [${shape.join(", ")}]`);
  }
  if (target.dtype !== input.dtype) {
    throw new Error(`Found dtype ${dtypeName(target.dtype, "scalar")} but expected ${dtypeName(input.dtype, "scalar")}`);
  }
  if (!isFloating(input.dtype)) throw new Error(`"binary_cross_entropy" not implemented for '${dtypeName(input.dtype, "scalar")}'`);
  noGradWeight(fn, "weight", weight);
  if (weight !== null) weight = asDtype(weight, input.dtype).expand(input.shape);
  return fusedLoss(Loss.BCE, input, target, null, weight, 0, reduction);
}

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** A weight for the positive class (broadcast along the last dimension: one per class), or `null`. */
  posWeight?: Tensor | null;
}

/**
 * Binary cross entropy on logits (PyTorch's `F.binary_cross_entropy_with_logits`): sigmoid and
 * binary cross entropy in one numerically stable formula, `(1 - t) * x + (1 + (pw - 1) * t) *
 * log(1 + e^-x)`, weighted and reduced. One fused op (`BinaryCrossEntropyWithLogitsBackward0`).
 *
 * @param input - Logits, float32 or float64.
 * @param target - The same shape; a float dtype (the result has the promoted dtype).
 * @param opts - `weight`, `posWeight` (the positive class's weight), `reduction`.
 * @throws `Target size (torch.Size([3])) must be the same as input size (torch.Size([2]))`; for
 *   integer tensors; broadcast errors of the weights.
 * @example
 * ```ts
 * F.binaryCrossEntropyWithLogits(torch.tensor([2, -1]), torch.tensor([1, 0]), { posWeight: torch.tensor([3]) });
 * ```
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts?: BCEWithLogitsOptions): Tensor {
  const fn = "binary_cross_entropy_with_logits";
  A.checkTensor(fn, "input", 1, input);
  A.checkTensor(fn, "target", 2, target);
  A.checkOptions(fn, opts, { weight: "tensor", posWeight: "tensor", reduction: "any" });
  const reduction = reductionOf(opts?.reduction ?? "mean");
  if (!sameShape(target.shape, input.shape)) {
    throw new Error(`Target size (${torchSize(target.shape)}) must be the same as input size (${torchSize(input.shape)})`);
  }
  let weight = opts?.weight ?? null;
  let posWeight = opts?.posWeight ?? null;
  for (const w of [posWeight, weight]) {
    if (w !== null && !sameShape(broadcastShapes(w.shape, target.shape), input.shape)) {
      throw new Error(`output with shape [${input.shape.join(", ")}] doesn't match the broadcast shape [${broadcastShapes(w.shape, target.shape).join(", ")}]`);
    }
  }
  // PyTorch's formula runs in-place ops on 1 - target (times the input) and on -input (exp): an
  // integer one cannot take the float result (the input's dtype, or the default float32)
  if (!isFloating(target.dtype)) {
    const result = isFloating(input.dtype) ? input.dtype : "float32";
    throw new Error(`result type ${dtypeName(result, "scalar")} can't be cast to the desired output type ${dtypeName(target.dtype, "scalar")}`);
  }
  if (!isFloating(input.dtype)) throw new Error(`result type Float can't be cast to the desired output type ${dtypeName(input.dtype, "scalar")}`);
  noGradWeight(fn, "weight", weight);
  noGradWeight(fn, "pos_weight", posWeight);
  const dtype = promoteTypes(input.dtype, target.dtype);
  const x = asDtype(input, dtype), t = asDtype(target, dtype);
  if (weight !== null) weight = asDtype(weight, dtype).expand(input.shape);
  if (posWeight !== null) posWeight = asDtype(posWeight, dtype).expand(input.shape);
  return fusedLoss(Loss.BCE_LOGITS, x, t, posWeight, weight, 0, reduction);
}

// ---- L1, smooth L1, Huber ------------------------------------------------------------------

/**
 * Mean absolute error `|input - target|`, reduced (PyTorch's `F.l1_loss`). `target` broadcasts
 * against `input`. Composed as PyTorch 1.13 composes it: `(input - target).abs()` then `mean()` or
 * `sum()` (nodes `SubBackward0`, `AbsBackward0`, `MeanBackward0`).
 *
 * @param opts - `reduction`: `"mean"` (default), `"sum"` or `"none"`.
 * @example
 * ```ts
 * F.l1Loss(torch.tensor([1, 2]), torch.tensor([2, 4])); // tensor(1.5000)
 * ```
 */
export function l1Loss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  A.checkTensor("l1_loss", "input", 1, input);
  A.checkTensor("l1_loss", "target", 2, target);
  A.checkOptions("l1_loss", opts, { reduction: "any" });
  const reduction = reductionOf(opts?.reduction ?? "mean");
  const [x, t] = broadcastPair(input, target);
  if (reduction === "mean" && !isFloating(promoteTypes(x.dtype, t.dtype))) {
    throw new Error(`mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${dtypeName(promoteTypes(x.dtype, t.dtype), "scalar")}`);
  }
  const loss = x.sub(t).abs();
  if (reduction === "none") return loss;
  return reduction === "mean" ? loss.mean() : loss.sum();
}

/** smooth_l1_loss and huber_loss: broadcast, promote, then the fused op. */
function smoothLoss(op: typeof Loss.SMOOTH_L1 | typeof Loss.HUBER, kernel: string, input: Tensor, target: Tensor, a: number, reduction: Reduction): Tensor {
  const [x, t] = broadcastPair(input, target);
  const dtype = promoteTypes(x.dtype, t.dtype);
  if (!isFloating(dtype)) throw new Error(`"${kernel}" not implemented for '${dtypeName(dtype, "scalar")}'`);
  return fusedLoss(op, asDtype(x, dtype), asDtype(t, dtype), null, null, a, reduction);
}

/**
 * Smooth L1 loss (PyTorch's `F.smooth_l1_loss`): `0.5 * z² / beta` where `z = |input - target| <
 * beta`, else `z - 0.5 * beta`; `beta` 0 gives the L1 loss. `target` broadcasts against `input`.
 * One fused op (`SmoothL1LossBackward0`).
 *
 * @param opts - `reduction` (default `"mean"`), `beta` (default 1, not negative).
 * @throws `smooth_l1_loss does not support negative values for beta.`; for integer inputs.
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction; beta?: number }): Tensor {
  A.checkTensor("smooth_l1_loss", "input", 1, input);
  A.checkTensor("smooth_l1_loss", "target", 2, target);
  A.checkOptions("smooth_l1_loss", opts, { reduction: "any", beta: "number" });
  const reduction = reductionOf(opts?.reduction ?? "mean");
  const beta = opts?.beta ?? 1;
  if (beta < 0) throw new Error("smooth_l1_loss does not support negative values for beta.");
  return smoothLoss(Loss.SMOOTH_L1, "smooth_l1_cpu", input, target, beta, reduction);
}

/**
 * Huber loss (PyTorch's `F.huber_loss`): `0.5 * z²` where `z = |input - target| < delta`, else
 * `delta * (z - 0.5 * delta)`. `target` broadcasts against `input`. One fused op
 * (`HuberLossBackward0`).
 *
 * @param opts - `reduction` (default `"mean"`), `delta` (default 1, positive).
 * @throws `huber_loss does not support non-positive values for delta.`; for integer inputs.
 */
export function huberLoss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction; delta?: number }): Tensor {
  A.checkTensor("huber_loss", "input", 1, input);
  A.checkTensor("huber_loss", "target", 2, target);
  A.checkOptions("huber_loss", opts, { reduction: "any", delta: "number" });
  const reduction = reductionOf(opts?.reduction ?? "mean");
  const delta = opts?.delta ?? 1;
  if (!(delta > 0)) throw new Error("huber_loss does not support non-positive values for delta.");
  return smoothLoss(Loss.HUBER, "huber_cpu", input, target, delta, reduction);
}

// ---- cross entropy: class probabilities and label smoothing --------------------------------

/** The class weight viewed to broadcast along the class dim of an `ndim`-D input. */
function classWeightView(weight: Tensor, ndim: number, classDim: number): Tensor {
  const shape = new Array<number>(ndim).fill(1);
  shape[classDim] = weight.numel();
  return weight.view(shape);
}

/**
 * @internal PyTorch's cross_entropy_loss_prob_target: `-(logSoftmax(input) * target' * w)` summed
 * over classes and reduced ("mean" divides by the number of samples), target' = target * (1 -
 * ls) + ls / C.
 */
export function crossEntropyProbTarget(input: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, ignoreIndex: number, labelSmoothing: number): Tensor {
  if (!isFloating(target.dtype)) throw new Error(`Expected floating point type for target with class probabilities, got ${dtypeName(target.dtype, "scalar")}`);
  if (ignoreIndex >= 0) throw new Error("ignore_index is not supported for floating point target");
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim]!;
  if (weight !== null && (weight.ndim !== 1 || weight.numel() !== C)) {
    throw new Error(`cross_entropy: weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: [${weight.shape.join(", ")}]`);
  }
  const logp = input.logSoftmax(classDim);
  let t = target;
  if (labelSmoothing > 0) {
    if (labelSmoothing > 1) throw new Error(`label_smoothing must be between 0.0 and 1.0. Got: ${pyFloat(labelSmoothing)}`);
    t = target.mul(1 - labelSmoothing).add(labelSmoothing / C);
  }
  let prod = logp.mul(t);
  if (weight !== null) prod = prod.mul(classWeightView(weight, input.ndim, classDim));
  switch (reduction) {
    case "none": return prod.sum(classDim).neg();
    case "sum": return prod.sum().neg();
    default: return input.numel() === 0 ? prod.sum().mul(NaN).neg() : divScalar(prod.sum().neg(), input.numel() / C);
  }
}

// a tensor divided by a number in C++ (at::div(Tensor, Scalar)): PyTorch's DivBackward1
const DivBackward1 = rule<[], number>("DivBackward1", (g, _, d) => [g.div(d)]);
function divScalar(x: Tensor, d: number): Tensor {
  const out = compute(() => x.div(d));
  if (wantsGrad(x)) record(out, DivBackward1, [x], null, d);
  return out;
}

/** A number as Python prints a float (`1.5`, `2.0`). */
function pyFloat(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

/**
 * @internal PyTorch's cross_entropy_loss_label_smoothing for class-index targets: `(1 - ls) *
 * nll + ls / C * smooth`, smooth the (weighted) sum of `-logSoftmax(input)` over classes, zero at
 * ignored targets, reduced as nll reduces (its "mean" divides by the weight of the targets kept).
 */
export function crossEntropyLabelSmoothing(
  input: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, ignoreIndex: number, labelSmoothing: number,
  nll: (logp: Tensor, target: Tensor) => Tensor,
): Tensor {
  if (labelSmoothing > 1) throw new Error(`label_smoothing must be between 0.0 and 1.0. Got: ${pyFloat(labelSmoothing)}`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim]!;
  const logp = input.logSoftmax(classDim);
  const nllLoss = nll(logp, target);
  const idx = target.toArray();
  const ignored = idx.map((v) => (v === ignoreIndex ? 1 : 0));
  const ignoreMask = target.dtype === "bool" ? target : (target.eq(ignoreIndex) as Tensor);
  let smooth = (weight !== null ? logp.mul(classWeightView(weight, input.ndim, classDim)) : logp).sum(classDim).neg();
  smooth = smooth.maskedFill(ignoreMask.reshape(smooth.shape), 0);
  let ret: Tensor;
  if (reduction === "none") ret = smooth;
  else if (reduction === "sum") ret = smooth.sum();
  else {
    // the denominator of nll_loss's mean: the weight of each kept target (or their count)
    let denom = 0;
    const w = weight === null ? null : weight.toArray();
    for (let i = 0; i < idx.length; i++) if (ignored[i] === 0) denom += w === null ? 1 : w[idx[i]!]!;
    ret = smooth.sum().div(denom);
  }
  return nllLoss.mul(1 - labelSmoothing).add(ret.mul(labelSmoothing / C));
}
