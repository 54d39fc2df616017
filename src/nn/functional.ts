/**
 * torch.nn.functional: relu, mseLoss, crossEntropy (logSoftmax + NLL), nllLoss,
 * softmax, logSoftmax, linear. Losses are single recorded ops whose gradient rules
 * are written in Tensor ops, so `createGraph` gives higher-order gradients.
 * @module
 */
import type { Backend } from "../backend/backend.js";
import { noGrad } from "../autograd/grad_mode.js";
import { isFloating, typedArrayFor, type DType, type TypedArray, dtypeName } from "../dtype.js";
import { broadcastShapes, isContiguous, numelOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { allocTensor, composite, compute, record, rule, wantsGrad } from "../ops/core.js";
import { bmmRaw } from "../ops/matmul.js";
import { where } from "../ops/elementwise.js";
import { geluApproximate } from "../ops/activations.js";
export { oneHot } from "../sampling.js";

/**
 * How a loss combines its per-element (or per-sample) values: `"mean"` (default), `"sum"`, or
 * `"none"` (no reduction: one value each).
 */
export type Reduction = "mean" | "sum" | "none";

function checkReduction(reduction: unknown): Reduction {
  if (reduction === "mean" || reduction === "sum" || reduction === "none") return reduction;
  throw new Error(`${String(reduction)} is not a valid value for reduction`);
}

function checkTensor(x: unknown, fn: string, what: string): asserts x is Tensor {
  A.checkTensor(fn, what, undefined, x);
}


/** A tensor on `be` over a copy of `data`. */
function tensorOn(be: Backend, dtype: DType, shape: number[], data: TypedArray): Tensor {
  const t = allocTensor(be, dtype, shape);
  if (data.length > 0) be.write(t._storage.handle, dtype, data, 0);
  return t;
}

// ---- activations and linear -------------------------------------------------------------------

/** `max(input, 0)` elementwise (`F.relu`). */
export function relu(input: Tensor): Tensor {
  checkTensor(input, "relu", "input");
  return input.relu();
}

/** The hyperbolic tangent, elementwise (`F.tanh`). */
export function tanh(input: Tensor): Tensor { checkTensor(input, "tanh", "input"); return input.tanh(); }
/** The logistic sigmoid, elementwise (`F.sigmoid`). */
export function sigmoid(input: Tensor): Tensor { checkTensor(input, "sigmoid", "input"); return input.sigmoid(); }

/**
 * `x` where `x > 0`, else `negativeSlope * x` (`F.leaky_relu`). See {@link Tensor.leakyRelu}.
 * @example
 * ```ts
 * F.leakyRelu(torch.tensor([-1, 2]), 0.1); // tensor([-0.1000,  2.0000])
 * ```
 */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  checkTensor(input, "leaky_relu", "input");
  A.checkNumber("leaky_relu", "negative_slope", 2, negativeSlope);
  return input.leakyRelu(negativeSlope);
}
/**
 * The Gaussian error linear unit (`F.gelu`): exact (`approximate: "none"`, the default) or its tanh
 * approximation (`approximate: "tanh"`). See {@link Tensor.gelu}.
 */
export function gelu(input: Tensor, opts?: { approximate?: "none" | "tanh" }): Tensor {
  checkTensor(input, "gelu", "input");
  geluApproximate("gelu", opts);
  return input.gelu(opts);
}
/** `x * sigmoid(x)` (`F.silu`). */
export function silu(input: Tensor): Tensor { checkTensor(input, "silu", "input"); return input.silu(); }
/**
 * `log(1 + e ** (beta * x)) / beta`, linear above `threshold` (`F.softplus`; `beta` 1 and
 * `threshold` 20 by default). See {@link Tensor.softplus}.
 */
export function softplus(input: Tensor, opts?: { beta?: number; threshold?: number }): Tensor {
  checkTensor(input, "softplus", "input");
  A.checkOptions("softplus", opts, { beta: "number", threshold: "number" });
  return input.softplus(opts);
}
/** `x` where `x > 0`, else `alpha * (e ** x - 1)` (`F.elu`, `alpha` 1 by default). */
export function elu(input: Tensor, alpha = 1): Tensor {
  checkTensor(input, "elu", "input");
  A.checkNumber("elu", "alpha", 2, alpha);
  return input.elu(alpha);
}
/** Clamp to `[minVal, maxVal]` (default -1 and 1), with a gradient only strictly inside (`F.hardtanh`). */
export function hardtanh(input: Tensor, minVal = -1, maxVal = 1): Tensor {
  checkTensor(input, "hardtanh", "input");
  A.checkNumber("hardtanh", "min_val", 2, minVal);
  A.checkNumber("hardtanh", "max_val", 3, maxVal);
  return input.hardtanh(minVal, maxVal);
}
/** `log(sigmoid(x))`, computed stably (PyTorch's `F.logsigmoid`). */
export function logSigmoid(input: Tensor): Tensor { checkTensor(input, "logsigmoid", "input"); return input.logSigmoid(); }

/** PyTorch's implicit dim choice for softmax without `dim` (deprecated there, kept for parity). */
function implicitDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/**
 * Softmax along `dim` (`F.softmax`). Without `dim`, PyTorch's deprecated implicit choice: 0 for 0-,
 * 1- and 3-D input, else 1.
 */
export function softmax(input: Tensor, dim?: number): Tensor {
  checkTensor(input, "softmax", "input");
  A.checkOptionalDim("softmax", dim, 2);
  return input.softmax(dim ?? implicitDim(input.ndim));
}

/**
 * Log-softmax along `dim` (PyTorch's `F.log_softmax`); without `dim`, the implicit choice of {@link
 * softmax}.
 */
export function logSoftmax(input: Tensor, dim?: number): Tensor {
  checkTensor(input, "log_softmax", "input");
  A.checkOptionalDim("log_softmax", dim, 2);
  return input.logSoftmax(dim ?? implicitDim(input.ndim));
}

// PyTorch 1.13's at::linear records one op per case:
//   2-D input with bias          addmm(bias, input, weight.t())              AddmmBackward0
//   contiguous 3-D input, bias   addmm over input.view(-1, in), then a view  ViewBackward0 <- AddmmBackward0
//   1-D input                    mm(input.unsqueeze(0), weight.t()).squeeze_(0)  SqueezeBackward3 <- MmBackward0
//   otherwise                    matmul(input, weight.t())
// and, outside the addmm cases, the bias is added in place (`output.add_(bias)`: AddBackward0,
// with add_'s broadcast errors).

/** Where mat1 and mat2 sit among the saved tensors (-1: not saved). */
interface AddmmAttrs { mat1At: number; mat2At: number }

// d/dbias = g (the engine sums it to bias's shape: it was expanded); d/dmat1 = g @ mat2^T; d/dmat2 = mat1^T @ g
const AddmmBackward = rule<Tensor[], AddmmAttrs>("AddmmBackward0", (g, saved, a, needsInputGrad) => [
  g,
  needsInputGrad(1) ? g.mm(saved[a.mat2At]!.t()) : null,
  needsInputGrad(2) ? saved[a.mat1At]!.t().mm(g) : null,
]);

/** @internal `bias + mat1 @ mat2` (bias expanded to the result's shape) as one recorded AddmmBackward0. */
export function addmm(bias: Tensor, mat1: Tensor, mat2: Tensor): Tensor {
  checkTensor(bias, "addmm", "input"); checkTensor(mat1, "addmm", "mat1"); checkTensor(mat2, "addmm", "mat2");
  // PyTorch's ADDMM_META checks, in its order, then addmm's expand of self
  if (bias.dtype !== mat2.dtype) throw new Error("self and mat2 must have the same dtype");
  if (mat1.dtype !== mat2.dtype) throw new Error("mat1 and mat2 must have the same dtype");
  if (mat1.ndim !== 2) throw new Error(`mat1 must be a matrix, got ${mat1.ndim}-D tensor`);
  if (mat2.ndim !== 2) throw new Error(`mat2 must be a matrix, got ${mat2.ndim}-D tensor`);
  if (mat1.shape[1] !== mat2.shape[0]) {
    throw new Error(`mat1 and mat2 shapes cannot be multiplied (${mat1.shape[0]}x${mat1.shape[1]} and ${mat2.shape[0]}x${mat2.shape[1]})`);
  }
  const outShape = [mat1.shape[0]!, mat2.shape[1]!];
  const out = compute(() => {
    const b = bias.expand(outShape);
    return bmmRaw(mat1, mat2).add(b);
  });
  if (wantsGrad(bias, mat1, mat2)) {
    // as PyTorch: mat1 is kept only for mat2's gradient, mat2 only for mat1's
    const saved: Tensor[] = [];
    const mat1At = mat2.requiresGrad ? saved.push(mat1) - 1 : -1;
    const mat2At = mat1.requiresGrad ? saved.push(mat2) - 1 : -1;
    record(out, AddmmBackward, [bias, mat1, mat2], saved, { mat1At, mat2At });
  }
  return out;
}

// matmul's squeeze_(0) of a 1-D input's row: an in-place squeeze, PyTorch's SqueezeBackward3
const SqueezeBackward3 = rule<[], number[]>("SqueezeBackward3", (g, _, inShape) => [g.reshape(inShape)]);

/**
 * `input @ weight.T + bias` (`F.linear`): `input` `[..., in]`, `weight` `[out, in]`, `bias` `[out]`
 * (optional). Recorded as PyTorch 1.13 records it (`AddmmBackward0` for 2-D input with a bias).
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(input, "linear", "input");
  checkTensor(weight, "linear", "weight");
  const hasBias = bias !== undefined && bias !== null;
  if (hasBias) checkTensor(bias, "linear", "bias");
  if (hasBias && input.ndim === 2) return composite(() => addmm(bias, input, weight.t()));
  if (hasBias && input.ndim === 3 && isContiguous(input.shape, input._strides)) {
    const [b, m, k] = input.shape as [number, number, number];
    return composite(() => {
      const r = addmm(bias, input.view(b * m, k), weight.t());
      return r.view(b, m, r.shape[1]!);
    });
  }
  let out: Tensor;
  if (input.ndim === 1 && weight.ndim === 2) {
    out = composite(() => {
      const row = input.unsqueeze(0).mm(weight.t());
      // squeeze_ changes the mm result itself: no view
      const r = row._onStorage([row.shape[1]!], [row._strides[1]!], row._offset);
      if (wantsGrad(row)) record(r, SqueezeBackward3, [row], null, row.shape.slice());
      return r;
    });
  } else {
    out = composite(() => input.matmul(weight.t()));
  }
  if (!hasBias) return out;
  try {
    return out.add_(bias);
  } catch (e) {
    out.dispose();
    throw e;
  }
}

// ---- mse loss -----------------------------------------------------------------------------

interface MseAttrs { reduction: Reduction; n: number }

// d/dinput = 2 * (input - target) * g / N (N only for "mean"); d/dtarget = the negation
const MseLossBackward = rule<[Tensor, Tensor], MseAttrs>("MseLossBackward0", (g, [input, target], a, needsInputGrad) => {
  const scale = a.reduction === "mean" ? 2 / a.n : 2;
  const grad = input.sub(target).mul(g).mul(scale);
  return [grad, needsInputGrad(1) ? grad.neg() : null];
});

/**
 * Mean squared error `(input - target)²`, reduced (PyTorch's `F.mse_loss`). `target` broadcasts
 * against `input`.
 *
 * @param opts - `reduction`: `"mean"` (default), `"sum"` or `"none"`.
 * @throws For non-floating inputs, shapes that cannot broadcast, or an unknown reduction.
 * @example
 * ```ts
 * torch.nn.functional.mseLoss(torch.tensor([1, 2]), torch.tensor([1, 4])); // tensor(2.)
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkTensor(input, "mse_loss", "input");
  checkTensor(target, "mse_loss", "target");
  A.checkOptions("mse_loss", opts, { reduction: "any" });
  const reduction = checkReduction(opts.reduction ?? "mean");
  const shape = broadcastShapes(input.shape, target.shape);
  const n = numelOf(shape);
  const out = noGrad(() => {
    const d = input.sub(target);
    if (!isFloating(d.dtype)) {
      d.dispose();
      throw new Error(`"mse_cpu" not implemented for '${dtypeName(input.dtype, "scalar")}'`);
    }
    const sq = d.mul(d);
    d.dispose();
    if (reduction === "none") return sq;
    const r = reduction === "mean" ? sq.mean() : sq.sum();
    sq.dispose();
    return r;
  });
  if (wantsGrad(input, target)) {
    record(out, MseLossBackward, [input, target], [input, target], { reduction, n });
  }
  return out;
}

// ---- negative log likelihood and cross entropy -------------------------------------------------

interface NllAttrs { reduction: Reduction; classDim: number; denom: number }

// d/dlogp = -W * g / denom, W holding the target class's weight at each target position
const NllLossBackward = rule<[Tensor], NllAttrs>("NllLossBackward0", (g, [w], a) => {
  const ge = a.reduction === "none" ? g.unsqueeze(a.classDim) : g;
  const grad = w.mul(ge).mul(-1 / a.denom);
  return [grad];
});

/** Options of {@link nllLoss} (and {@link crossEntropy}). */
export interface NllOptions {
  /** `"mean"` (default: the weighted mean over targets not ignored), `"sum"` or `"none"`. */
  reduction?: Reduction;
  /** Targets equal to this contribute nothing (and don't count for "mean"). Default -100. */
  ignoreIndex?: number;
  /** A 1-D tensor of C per-class weights. */
  weight?: Tensor | null;
}

/** Class indices of `target` as numbers, checked: int32, or float holding whole numbers. */
function classIndices(target: Tensor): ArrayLike<number> {
  if (target.dtype === "int32") return target.toArray();
  if (isFloating(target.dtype)) {
    const a = target.toArray();
    for (let i = 0; i < a.length; i++) {
      if (!Number.isInteger(a[i])) {
        throw new Error(
          `expected class indices (whole numbers) in target, but found ${a[i]}: targets of cross entropy and nll_loss are class indices`,
        );
      }
    }
    return a;
  }
  throw new Error(`expected scalar type Long but found ${dtypeName(target.dtype, "scalar")}`);
}

/**
 * The negative log likelihood loss (PyTorch's `F.nll_loss`): `-input[n, target[n]]`, weighted and
 * reduced.
 *
 * @param input - Log-probabilities: `[N, C]`, `[C]`, or `[N, C, d1, ...]` (class dimension 1, or 0
 *   for 1-D input).
 * @param target - Class indices: `[N]`, `[]` or `[N, d1, ...]`; int32, or a float tensor holding
 *   whole numbers.
 * @throws `Target t is out of bounds.`; PyTorch's shape errors (`Expected input batch_size (N) to
 *   match target batch_size (M).`); for a float target with fractions.
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NllOptions = {}): Tensor {
  checkTensor(input, "nll_loss", "input");
  checkTensor(target, "nll_loss", "target");
  A.checkOptions("nll_loss", opts, { reduction: "any", ignoreIndex: "int", weight: "tensor" });
  const reduction = checkReduction(opts.reduction ?? "mean");
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (input.ndim < 1) throw new Error("Expected 1 or more dimensions (got 0)");
  if (!isFloating(input.dtype)) throw new Error(`"nll_loss_out_frame" not implemented for '${dtypeName(input.dtype, "scalar")}'`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim]!;
  const expected = input.shape.filter((_, i) => i !== classDim);
  if (input.ndim === 1) {
    if (target.ndim !== 0) throw new Error(`1D target tensor expected, multi-target not supported`);
  } else if (input.ndim === 2 && (target.ndim !== 1 || target.shape[0] !== input.shape[0])) {
    if (target.ndim !== 1) throw new Error("1D target tensor expected, multi-target not supported");
    throw new Error(`Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]}).`);
  } else if (target.ndim !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `Expected target size [${expected.join(", ")}], got [${target.shape.join(", ")}]`,
    );
  }
  let classWeight: ArrayLike<number> | null = null;
  if (opts.weight !== undefined && opts.weight !== null) {
    checkTensor(opts.weight, "nll_loss", "weight");
    if (opts.weight.numel() !== C) {
      throw new Error(`weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: [${opts.weight.shape.join(", ")}]`);
    }
    classWeight = opts.weight.toArray();
  }

  // W: the target class's weight at each target position, zero elsewhere
  const idx = classIndices(target);
  const N = input.ndim === 1 ? 1 : input.shape[0]!;
  const R = input.ndim <= 2 ? 1 : numelOf(input.shape.slice(2));
  const wData = typedArrayFor(input.dtype, input.numel());
  const mData = new Uint8Array(input.numel());
  let denom = 0;
  for (let nIdx = 0; nIdx < N; nIdx++) {
    for (let r = 0; r < R; r++) {
      const t = idx[nIdx * R + r]!;
      if (t === ignoreIndex) continue;
      if (t < 0 || t >= C) throw new Error(`Target ${t} is out of bounds.`);
      const w = classWeight === null ? 1 : classWeight[t]!;
      const at = nIdx * C * R + t * R + r;
      wData[at] = w;
      mData[at] = 1;
      denom += w;
    }
  }
  const be = input._storage.backend;
  const W = tensorOn(be, input.dtype, input.shape.slice(), wData);
  const mask = tensorOn(be, "bool", input.shape.slice(), mData);
  const out = noGrad(() => {
    // where() keeps -inf log-probabilities of non-target classes out of the sum
    const sel = where(mask, input, 0);
    const weighted = sel.mul(W);
    sel.dispose();
    const perItem = weighted.sum(classDim).neg();
    weighted.dispose();
    if (reduction === "none") return perItem;
    const s = perItem.sum();
    perItem.dispose();
    if (reduction === "sum") return s;
    const m = s.div(denom);
    s.dispose();
    return m;
  });
  mask.dispose();
  if (wantsGrad(input)) {
    record(out, NllLossBackward, [input], [W], { reduction, classDim, denom: reduction === "mean" ? denom : 1 });
  }
  W.dispose();
  return out;
}

/** Options of {@link crossEntropy}: those of {@link NllOptions}, plus `labelSmoothing`. */
export interface CrossEntropyOptions extends NllOptions {
  /** Not supported yet: a non-zero value throws rather than being ignored. */
  labelSmoothing?: number;
}

/**
 * Cross entropy between logits and class-index targets (PyTorch's `F.cross_entropy`):
 * `nllLoss(logSoftmax(input, classDim), target)`.
 *
 * @param input - Unnormalised scores: `[N, C]`, `[C]` or `[N, C, d1, ...]`.
 * @param target - Class indices: `[N]`, `[]` or `[N, d1, ...]`; int32, or a float tensor holding
 *   whole numbers. (Class-probability targets are not supported yet.)
 * @param opts - `reduction`, `ignoreIndex`, `weight` as {@link NllOptions}; a non-zero
 *   `labelSmoothing` throws (not supported yet).
 * @example
 * ```ts
 * const logits = torch.randn(4, 3, { requiresGrad: true });
 * const loss = torch.nn.functional.crossEntropy(logits, torch.tensor([0, 2, 1, 0], { dtype: "int32" }));
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  checkTensor(input, "cross_entropy", "input");
  checkTensor(target, "cross_entropy", "target");
  A.checkOptions("cross_entropy", opts, { reduction: "any", ignoreIndex: "int", weight: "tensor", labelSmoothing: "number" });
  if (input.ndim < 1) throw new Error("Expected 1 or more dimensions (got 0)");
  if (opts.labelSmoothing !== undefined && opts.labelSmoothing !== 0) {
    throw new Error("crossEntropy: labelSmoothing is not supported by wasmgrad yet");
  }
  const classDim = input.ndim === 1 ? 0 : 1;
  const logp = input.logSoftmax(classDim);
  try {
    return nllLoss(logp, target, opts);
  } finally {
    logp.dispose();
  }
}

// ---- convolution and pooling (src/nn/functional_conv.ts) ----------------------------------------
export { conv1d, conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d } from "./functional_conv.js";
export type { ConvOptions, MaxPool2dOptions, AvgPool2dOptions, SizeArg } from "./functional_conv.js";

// ---- layer norm, dropout (src/nn/functional_attn.ts) --------------------------------------------
export { layerNorm, dropout } from "./functional_attn.js";
export type { DropoutOptions } from "./functional_attn.js";
// ---- normalisation and embedding (src/nn/functional_batchnorm.ts, src/nn/functional_embedding.ts) ----
export { batchNorm, type BatchNormOptions } from "./functional_batchnorm.js";
export { embedding, type EmbeddingOptions } from "./functional_embedding.js";
