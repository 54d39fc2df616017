/**
 * torch.nn.functional's batchNorm: the argument checks of PyTorch 1.13's F.batch_norm,
 * at::batch_norm and the CPU kernel, in their order and words, then one recorded op
 * (src/ops/batchnorm.ts).
 * @module
 */
import { isGradEnabled } from "../autograd/grad_mode.js";
import { dtypeName, isFloating } from "../dtype.js";
import { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { batchNorm as batchNormOp } from "../ops/batchnorm.js";

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Normalise with the batch's statistics (and update the running ones in place) instead of the running ones. Default false. */
  training?: boolean;
  /** The weight of the batch's statistics in the running averages: `running = (1 - momentum) * running + momentum * batch`. Default 0.1. */
  momentum?: number;
  /** Added to the variance before its square root. Default 1e-5. */
  eps?: number;
}

const FN = "batch_norm";

function floatArg(name: string, position: number, v: unknown): number {
  if (typeof v !== "number") throw A.argError(FN, name, position, "float", v);
  return v;
}

/** PyTorch's `Tensor?` argument: null or undefined for none. */
function optionalTensor(name: string, position: number, v: unknown): Tensor | null {
  if (v === undefined || v === null) return null;
  A.checkTensor(FN, name, position, v);
  return v;
}

/**
 * Batch normalisation (`F.batch_norm`): normalises `input` (`[N, C]`, `[N, C, L]`, `[N, C, H, W]`,
 * ...) per channel (dim 1) over every other dim, then scales by `weight` and shifts by `bias` (both
 * `[C]`, optional). With `training: true` it uses the batch's mean and biased variance and, when
 * `runningMean`/`runningVar` are given, updates them in place with `momentum` (the variance with the
 * unbiased estimate, as PyTorch); otherwise it uses `runningMean` and `runningVar`, which must
 * then be given. The result's gradient node is `NativeBatchNormBackward0`.
 *
 * @param input - The batch, float32 or float64, at least 2-D.
 * @param runningMean - `[C]` running mean, or `null`.
 * @param runningVar - `[C]` running variance, or `null`.
 * @param weight - `[C]` scale (default none: 1).
 * @param bias - `[C]` shift (default none: 0).
 * @param opts - `training` (default false), `momentum` (default 0.1), `eps` (default 1e-5).
 * @throws PyTorch's errors: `Expected more than 1 value per channel when training, got input size
 *   torch.Size([1, 3])`, `running_mean should contain 3 elements not 4`, `running_mean must be
 *   defined in evaluation mode`, `mixed dtype (CPU): ...`.
 * @example
 * ```ts
 * const x = torch.tensor([[1, 2], [3, 6]]);
 * const rm = torch.zeros(2), rv = torch.ones(2);
 * F.batchNorm(x, rm, rv, null, null, { training: true }); // tensor([[-1.0000, -1.0000], [ 1.0000,  1.0000]])
 * rm; // tensor([0.2000, 0.4000])
 * ```
 */
export function batchNorm(
  input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  weight?: Tensor | null, bias?: Tensor | null, opts?: BatchNormOptions,
): Tensor {
  if (runningMean === undefined || runningVar === undefined) {
    const missing = runningMean === undefined ? ["'running_mean'", "'running_var'"] : ["'running_var'"];
    if (runningVar !== undefined) missing.pop();
    throw new TypeError(`batch_norm() missing ${missing.length} required positional argument${missing.length > 1 ? "s" : ""}: ${missing.join(" and ")}`);
  }
  A.checkOptions(FN, opts, { training: "any", momentum: "any", eps: "any" });
  const o = opts ?? {};
  // null is Python's None here, not "use the default"
  return batchNormChecked(input, weight, bias, runningMean, runningVar, o.training === undefined ? false : o.training,
    o.momentum === undefined ? 0.1 : o.momentum, o.eps === undefined ? 1e-5 : o.eps, true);
}

/**
 * @internal torch.batch_norm's checks (its argument positions) and computation; `verifyBatch`:
 * F.batch_norm's refusal of one value per channel in training mode.
 */
export function batchNormChecked(
  input: unknown, weight: unknown, bias: unknown, runningMean: unknown, runningVar: unknown,
  training: unknown, momentumArg: unknown, epsArg: unknown, verifyBatch: boolean,
): Tensor {
  A.checkTensor(FN, "input", 1, input);
  const w = optionalTensor("weight", 2, weight);
  const b = optionalTensor("bias", 3, bias);
  const rm = optionalTensor("running_mean", 4, runningMean);
  const rv = optionalTensor("running_var", 5, runningVar);
  if (typeof training !== "boolean") throw A.argError(FN, "training", 6, "bool", training);
  const momentum = floatArg("momentum", 7, momentumArg);
  const eps = floatArg("eps", 8, epsArg);

  const shape = input.shape;
  if (training && verifyBatch) {
    // F.batch_norm's _verify_batch_size: one value per channel has no variance
    let values = shape[0] ?? 1;
    for (let d = 2; d < shape.length; d++) values *= shape[d]!;
    if (values === 1) throw new Error(`Expected more than 1 value per channel when training, got input size torch.Size([${shape.join(", ")}])`);
  }
  // at::_batch_norm_impl_index
  if (input.numel() === 0) {
    // PyTorch returns a copy (scaled by weight[0] and shifted by bias[0], keeping their gradients)
    let out = input.clone();
    if (w !== null) out = out.mul(w.select(0, 0));
    if (b !== null) out = out.add(b.select(0, 0));
    return out;
  }
  const features = shape.length >= 2 ? shape[1]! : 0;
  const checkSize = (name: string, t: Tensor) => {
    if (t.numel() !== features) throw new Error(`${name} should contain ${features} elements not ${t.numel()}`);
  };
  if (rm !== null) checkSize("running_mean", rm);
  else if (!training) throw new Error("running_mean must be defined in evaluation mode");
  if (rv !== null) checkSize("running_var", rv);
  else if (!training) throw new Error("running_var must be defined in evaluation mode");
  if (w !== null) checkSize("weight", w);
  if (b !== null) checkSize("bias", b);
  if (shape.length < 2) throw new Error("Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  for (const [name, t] of [["running_mean", rm], ["running_var", rv]] as const) {
    if (t !== null && t.requiresGrad && isGradEnabled()) {
      throw new Error(`The function 'native_batch_norm' is not differentiable with respect to argument '${name}'. This input cannot have requires_grad True.`);
    }
  }
  // the CPU kernel: float input only; parameters of another dtype than the first one's are a
  // "mixed dtype" call (which only bfloat16 input with float32 parameters may make)
  if (!isFloating(input.dtype)) throw new Error(`"batch_norm" not implemented for '${dtypeName(input.dtype, "scalar")}'`);
  const params = [w, b, rm, rv].filter((t): t is Tensor => t !== null);
  if (params.length > 0 && params[0]!.dtype !== input.dtype) {
    if (params.some((t) => t.dtype !== "float32")) throw new Error("mixed dtype (CPU): expect parameter to have scalar type of Float");
    throw new Error("mixed dtype (CPU): expect input to have scalar type of BFloat16");
  }
  const odd = params.find((t) => t.dtype !== input.dtype);
  if (odd !== undefined) {
    throw new Error(`expected scalar type ${dtypeName(input.dtype, "scalar")} but found ${dtypeName(odd.dtype, "scalar")}`);
  }
  for (const t of [rm, rv]) {
    if (t !== null && t.ndim !== 1) throw new Error(`TensorAccessor expected 1 dims but tensor has ${t.ndim}`);
  }
  return batchNormOp(input, rm, rv, w, b, training, momentum, eps);
}
