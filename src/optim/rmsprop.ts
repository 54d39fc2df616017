/** RMSprop (with momentum and the centered variant), as PyTorch 1.13's `_single_tensor_rmsprop`. */
import type { Tensor } from "../tensor.js";
import { checkOptions } from "../argcheck.js";
import { zerosOf } from "./adam.js";
import { checkOptionKinds, Optimizer, pyNum, type ParamGroup, type ParamsInput } from "./optimizer.js";

/** Options of {@link RMSprop}; PyTorch's names in camelCase. */
export interface RMSpropOptions {
  /** The learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the running average of squared gradients (default 0.99). */
  alpha: number;
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (PyTorch's `weight_decay`; default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /**
   * Normalise by an estimate of the gradient's variance (the running average of squares minus the
   * square of the running average) instead of the raw second moment (default false).
   */
  centered: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

const RMSPROP_KINDS = { lr: "number", alpha: "number", eps: "number", weightDecay: "number", momentum: "number", centered: "bool", maximize: "bool" } as const;

/**
 * The RMSprop optimizer (Hinton), with optional momentum and the centered variant; updates step
 * for step as PyTorch 1.13's `torch.optim.RMSprop`.
 * @example
 * ```ts
 * const opt = new torch.optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 });
 * ```
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  /** @internal */
  static override readonly _pytorchFlags = { foreach: null, differentiable: false };

  /**
   * @param params - Tensors (`model.parameters()`) or parameter groups.
   * @param opts - See {@link RMSpropOptions}.
   * @throws `TypeError` for an unknown option or a value of the wrong kind; `Invalid learning rate:
   *   ...`, `Invalid epsilon value: ...`, `Invalid momentum value: ...`, `Invalid weight_decay
   *   value: ...`, `Invalid alpha value: ...` for negative values.
   */
  constructor(params: ParamsInput<RMSpropOptions>, opts: Partial<RMSpropOptions> = {}) {
    checkOptions("RMSprop", opts, { lr: "any", alpha: "any", eps: "any", weightDecay: "any", momentum: "any", centered: "any", maximize: "any" });
    checkOptionKinds("RMSprop", opts ?? {}, RMSPROP_KINDS);
    const { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0 } = opts ?? {};
    if (!(lr >= 0)) throw new Error(`Invalid learning rate: ${pyNum(lr)}`);
    if (!(eps >= 0)) throw new Error(`Invalid epsilon value: ${pyNum(eps)}`);
    if (!(momentum >= 0)) throw new Error(`Invalid momentum value: ${pyNum(momentum)}`);
    if (!(weightDecay >= 0)) throw new Error(`Invalid weight_decay value: ${pyNum(weightDecay)}`);
    if (!(alpha >= 0)) throw new Error(`Invalid alpha value: ${pyNum(alpha)}`);
    opts ??= {};
    super(params, {
      lr: opts.lr ?? 1e-2,
      momentum: opts.momentum ?? 0,
      alpha: opts.alpha ?? 0.99,
      eps: opts.eps ?? 1e-8,
      centered: opts.centered ?? false,
      weightDecay: opts.weightDecay ?? 0,
      maximize: opts.maximize ?? false,
    }, RMSPROP_KINDS);
  }

  protected override updateGroup(g: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = g;
    for (const p of g.params) {
      const grad0 = p._liveGrad(); // internal read: the optimizer does not keep it (see Tensor.grad)
      if (grad0 === null) continue;
      const state = this.stateOf(p);
      if (state.step === undefined) {
        state.step = 0;
        state.squareAvg = this.keep(zerosOf(p));
        if (momentum > 0) state.momentumBuffer = this.keep(zerosOf(p));
        if (centered) state.gradAvg = this.keep(zerosOf(p));
      }
      state.step += 1;
      let grad: Tensor = maximize ? grad0.neg() : grad0;
      if (weightDecay !== 0) grad = grad.add(p, { alpha: weightDecay });
      const squareAvg = state.squareAvg as Tensor;
      squareAvg.mul_(alpha).add_(grad.mul(grad), { alpha: 1 - alpha });
      let avg: Tensor;
      if (centered) {
        // switched on after the state was made: PyTorch would fail, start the average at zero
        if (state.gradAvg === undefined) state.gradAvg = this.keep(zerosOf(p));
        const gradAvg = state.gradAvg as Tensor;
        gradAvg.mul_(alpha).add_(grad, { alpha: 1 - alpha });
        avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt();
      } else {
        avg = squareAvg.sqrt();
      }
      avg.add_(eps);
      if (momentum > 0) {
        if (state.momentumBuffer === undefined || state.momentumBuffer === null) state.momentumBuffer = this.keep(zerosOf(p));
        const buf = state.momentumBuffer as Tensor;
        buf.mul_(momentum).add_(grad.div(avg));
        p.add_(buf, { alpha: -lr });
      } else {
        p.add_(grad.div(avg), { alpha: -lr });
      }
    }
  }
}
