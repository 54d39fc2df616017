/** Adagrad, as PyTorch 1.13's `_single_tensor_adagrad` (dense gradients). */
import type { Tensor } from "../tensor.js";
import { checkOptions } from "../argcheck.js";
import { noGrad } from "../autograd/grad_mode.js";
import { checkOptionKinds, Optimizer, pyNum, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { zerosOf } from "./adam.js";

/** Options of {@link Adagrad}; PyTorch's names in camelCase. */
export interface AdagradOptions {
  /** The learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay: step `t` uses `lr / (1 + (t - 1) * lrDecay)` (PyTorch's `lr_decay`; default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (PyTorch's `weight_decay`; default 0). */
  weightDecay: number;
  /**
   * The starting value of the sum of squared gradients (PyTorch's `initial_accumulator_value`;
   * default 0). As in PyTorch, the constructor's value fills every parameter's sum.
   */
  initialAccumulatorValue: number;
  /** Added to the denominator for stability (default 1e-10). */
  eps: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

const ADAGRAD_KINDS = { lr: "number", lrDecay: "number", weightDecay: "number", initialAccumulatorValue: "number", eps: "number", maximize: "bool" } as const;

/**
 * The Adagrad optimizer (Duchi et al.); updates step for step as PyTorch 1.13's
 * `torch.optim.Adagrad`. As in PyTorch, the state (`step`, `sum`) of every parameter is made by the
 * constructor.
 * @example
 * ```ts
 * const opt = new torch.optim.Adagrad(model.parameters(), { lr: 0.1 });
 * ```
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  /** @internal */
  static override readonly _pytorchFlags = { foreach: null };
  /** @internal */
  static override readonly _stepIsTensor = true;

  /**
   * @param params - Tensors (`model.parameters()`) or parameter groups.
   * @param opts - See {@link AdagradOptions}.
   * @throws `TypeError` for an unknown option or a value of the wrong kind; `Invalid learning rate:
   *   ...`, `Invalid lr_decay value: ...`, `Invalid weight_decay value: ...`, `Invalid
   *   initial_accumulator_value value: ...`, `Invalid epsilon value: ...` for negative values.
   */
  constructor(params: ParamsInput<AdagradOptions>, opts: Partial<AdagradOptions> = {}) {
    checkOptions("Adagrad", opts, { lr: "any", lrDecay: "any", weightDecay: "any", initialAccumulatorValue: "any", eps: "any", maximize: "any" });
    checkOptionKinds("Adagrad", opts ?? {}, ADAGRAD_KINDS);
    const { lr = 1e-2, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10 } = opts ?? {};
    if (!(lr >= 0)) throw new Error(`Invalid learning rate: ${pyNum(lr)}`);
    if (!(lrDecay >= 0)) throw new Error(`Invalid lr_decay value: ${pyNum(lrDecay)}`);
    if (!(weightDecay >= 0)) throw new Error(`Invalid weight_decay value: ${pyNum(weightDecay)}`);
    if (!(initialAccumulatorValue >= 0)) throw new Error(`Invalid initial_accumulator_value value: ${pyNum(initialAccumulatorValue)}`);
    if (!(eps >= 0)) throw new Error(`Invalid epsilon value: ${pyNum(eps)}`);
    opts ??= {};
    super(params, {
      lr: opts.lr ?? 1e-2,
      lrDecay: opts.lrDecay ?? 0,
      eps: opts.eps ?? 1e-10,
      weightDecay: opts.weightDecay ?? 0,
      initialAccumulatorValue: opts.initialAccumulatorValue ?? 0,
      maximize: opts.maximize ?? false,
    }, ADAGRAD_KINDS);
    noGrad(() => {
      for (const g of this.paramGroups) for (const p of g.params) this.initState(p, initialAccumulatorValue);
    });
  }

  private initState(p: Tensor, value: number): Record<string, any> {
    const state = this.stateOf(p);
    state.step = 0;
    state.sum = this.keep(zerosOf(p));
    if (value !== 0) (state.sum as Tensor).fill_(value);
    return state;
  }

  protected override updateGroup(g: ParamGroup<AdagradOptions>): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = g;
    for (const p of g.params) {
      const grad0 = p._liveGrad(); // internal read: the optimizer does not keep it (see Tensor.grad)
      if (grad0 === null) continue;
      let state = this.stateOf(p);
      // a group added later has no state in PyTorch (its step fails): start it as the constructor does
      if (state.sum === undefined) state = this.initState(p, this.defaults.initialAccumulatorValue as number);
      state.step += 1;
      const step = state.step as number;
      let grad: Tensor = maximize ? grad0.neg() : grad0;
      if (weightDecay !== 0) grad = grad.add(p, { alpha: weightDecay });
      const clr = lr / (1 + (step - 1) * lrDecay);
      const sum = state.sum as Tensor;
      sum.add_(grad.mul(grad));
      const std = sum.sqrt().add_(eps);
      p.add_(grad.div(std), { alpha: -clr });
    }
  }
}
