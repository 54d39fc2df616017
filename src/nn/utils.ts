/**
 * torch.nn.utils: gradient clipping, as PyTorch 1.13's `clip_grad_norm_` and `clip_grad_value_`.
 * @module
 * @category Neural networks
 */
import * as A from "../argcheck.js";
import { noGrad } from "../autograd/grad_mode.js";
import { tensor } from "../creation.js";
import { scalarTensor } from "../ops/core.js";
import { stack } from "../ops/movement.js";
import { Tensor } from "../tensor.js";
import { pyNum } from "../optim/optimizer.js";

/** Options of {@link clipGradNorm_}. */
export interface ClipGradNormOptions {
  /** The p of the p-norm (default 2); `Infinity` (or `"inf"`) for the largest absolute value. */
  normType: number | "inf";
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false). */
  errorIfNonfinite: boolean;
}

/** A tensor or an iterable of them -> the array (PyTorch takes either). */
function paramList(site: string, parameters: unknown): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (parameters === null || typeof parameters !== "object" || typeof (parameters as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw A.argError(site, "parameters", 1, "a Tensor or an iterable of Tensors", parameters);
  }
  const list = Array.from(parameters as Iterable<unknown>);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${site}(): parameters[${i}] must be a Tensor, not ${A.kindOf(p)}`);
  });
  return list as Tensor[];
}

/** Python's `str(float(x))` (`2.0`, `inf`), as PyTorch's message prints the norm type. */
function pyFloat(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e16 ? `${x}.0` : pyNum(x);
}

/**
 * Scale the gradients of `parameters` in place so that their total norm (the norm of all of them
 * as one vector) is at most `maxNorm`, and return that total norm before clipping (PyTorch's
 * `nn.utils.clip_grad_norm_`). Parameters without a gradient are skipped; with none, the result
 * is `tensor(0.)`. The scale is `min(1, maxNorm / (total + 1e-6))`.
 *
 * @param parameters - A tensor or an iterable of them (`model.parameters()`).
 * @param maxNorm - The largest total norm allowed.
 * @param args - `normType = 2`, `errorIfNonfinite = false`, positionally or as
 *   {@link ClipGradNormOptions}.
 * @returns The total norm, a 0-dimensional tensor.
 * @throws With `errorIfNonfinite`, PyTorch's `The total norm of order 2.0 for gradients from
 *   \`parameters\` is non-finite, so it cannot be clipped. ...`.
 * @example
 * ```ts
 * loss.backward();
 * torch.nn.utils.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 * ```
 */
export function clipGradNorm_(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number,
  ...args: (number | "inf" | boolean | Partial<ClipGradNormOptions> | undefined)[]
): Tensor {
  const site = "clip_grad_norm_";
  const params = paramList(site, parameters);
  A.checkNumber(site, "max_norm", 2, maxNorm);
  let positional = args;
  let opts: Partial<ClipGradNormOptions> = {};
  if (args.length > 0 && A.kindOf(args[args.length - 1]) === "dict") {
    positional = args.slice(0, -1);
    opts = args[args.length - 1] as Partial<ClipGradNormOptions>;
    A.checkOptions(site, opts, { normType: "any", errorIfNonfinite: "bool" });
  }
  if (positional.length > 2) throw new TypeError(`${site}() takes from 2 to 4 positional arguments but ${positional.length + 2} were given`);
  const [normArg, errorArg] = positional;
  if (normArg !== undefined && opts.normType !== undefined) throw new TypeError(`${site}() got multiple values for argument 'norm_type'`);
  if (errorArg !== undefined && opts.errorIfNonfinite !== undefined) throw new TypeError(`${site}() got multiple values for argument 'error_if_nonfinite'`);
  const rawNorm = normArg ?? opts.normType ?? 2;
  if (typeof rawNorm !== "number" && rawNorm !== "inf") throw A.argError(site, "norm_type", 3, "a Number or \"inf\"", rawNorm);
  const normType = rawNorm === "inf" ? Infinity : rawNorm;
  const errorIfNonfinite = errorArg ?? opts.errorIfNonfinite ?? false;
  A.checkBool(site, "error_if_nonfinite", 4, errorIfNonfinite);

  const grads = params.map((p) => p._liveGrad()).filter((g): g is Tensor => g !== null);
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    let total: Tensor;
    if (normType === Infinity) {
      const norms = grads.map((g) => g.detach().abs().max());
      total = norms.length === 1 ? norms[0]! : stack(norms).max();
      if (norms.length > 1) for (const n of norms) n.dispose();
    } else {
      const norms = grads.map((g) => g.detach().norm(normType));
      const stacked = stack(norms);
      total = stacked.norm(normType);
      for (const n of norms) n.dispose();
      stacked.dispose();
    }
    if (errorIfNonfinite && !Number.isFinite(total.item() as number)) {
      total.dispose();
      throw new Error(
        `The total norm of order ${pyFloat(normType)} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
          "To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`",
      );
    }
    const shifted = total.add(1e-6);
    // max_norm / (total + 1e-6): the number as a tensor of the norm's dtype, as PyTorch's division
    const num = scalarTensor(maxNorm, shifted.dtype, shifted._storage.backend);
    const coef = num.div(shifted);
    const clamped = coef.clamp(null, 1);
    for (const g of grads) g.detach().mul_(clamped);
    for (const x of [shifted, num, coef, clamped]) x.dispose();
    return total;
  });
}

/**
 * Clamp the gradients of `parameters` in place to [-clipValue, clipValue] (PyTorch's
 * `nn.utils.clip_grad_value_`). Parameters without a gradient are skipped.
 * @param parameters - A tensor or an iterable of them.
 * @param clipValue - The largest absolute value allowed.
 */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  const site = "clip_grad_value_";
  const params = paramList(site, parameters);
  A.checkNumber(site, "clip_value", 2, clipValue);
  const v = Number(clipValue);
  noGrad(() => {
    for (const p of params) p._liveGrad()?.detach().clamp_(-v, v);
  });
}
