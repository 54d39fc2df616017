/** SGD with momentum, dampening, weight decay and Nesterov, as PyTorch 1.13's `_single_tensor_sgd`. */
import type { Tensor } from "../tensor.js";
import { Optimizer, pyNum, required, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { checkOptions } from "../argcheck.js";

/** Options of {@link SGD}; PyTorch's names in camelCase. */
export interface SGDOptions {
  /** The learning rate; required. */
  lr: number;
  /** Momentum factor (default 0: plain SGD). */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient, `weightDecay * param` (PyTorch's `weight_decay`; default 0). */
  weightDecay: number;
  /** Use Nesterov momentum (default false; needs a momentum and zero dampening). */
  nesterov: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

const SGD_KINDS = { lr: "number", momentum: "number", dampening: "number", weightDecay: "number", nesterov: "bool", maximize: "bool" } as const;

/**
 * Stochastic gradient descent with optional momentum, dampening, weight decay and Nesterov
 * momentum; updates step for step as PyTorch 1.13's `torch.optim.SGD`.
 * @example
 * ```ts
 * const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * ```
 */
export class SGD extends Optimizer<SGDOptions> {
  /** @internal */
  static override readonly _pytorchFlags = { foreach: null, differentiable: false };
  /**
   * @param params - Tensors (`model.parameters()`) or parameter groups.
   * @param opts - See {@link SGDOptions}; `lr` is required (here or in every group).
   * @throws `TypeError` for an unknown option or a value of the wrong kind (`SGD(): argument 'lr'
   *   must be Number, not str`); `Invalid learning rate: -1` and the like for negative values; `Nesterov momentum
   *   requires a momentum and zero dampening`; `parameter group didn't specify a value of required
   *   optimization parameter lr`.
   */
  constructor(params: ParamsInput<SGDOptions>, opts: Partial<SGDOptions> = {}) {
    checkOptions("SGD", opts, SGD_KINDS);
    // PyTorch checks the defaults' ranges only (a param group's own values are taken as given)
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = opts ?? {};
    if (lr !== undefined && lr < 0) throw new Error(`Invalid learning rate: ${pyNum(lr)}`);
    if (momentum < 0) throw new Error(`Invalid momentum value: ${pyNum(momentum)}`);
    if (weightDecay < 0) throw new Error(`Invalid weight_decay value: ${pyNum(weightDecay)}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new Error("Nesterov momentum requires a momentum and zero dampening");
    super(params, {
      lr: opts.lr ?? required,
      momentum: opts.momentum ?? 0,
      dampening: opts.dampening ?? 0,
      weightDecay: opts.weightDecay ?? 0,
      nesterov: opts.nesterov ?? false,
      maximize: opts.maximize ?? false,
    }, SGD_KINDS);
  }

  protected override updateGroup(g: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = g;
    for (const p of g.params) {
      const grad = p._liveGrad(); // internal read: the optimizer does not keep it (see Tensor.grad)
      if (grad === null) continue;
      let dp: Tensor = maximize ? grad.neg() : grad;
      if (weightDecay !== 0) dp = dp.add(p, { alpha: weightDecay });
      const state = this.stateOf(p);
      if (momentum !== 0) {
        let buf: Tensor | null | undefined = state.momentumBuffer;
        if (buf === undefined || buf === null || buf.isDisposed) {
          buf = this.keep(dp.clone());
          state.momentumBuffer = buf;
        } else {
          buf.mul_(momentum).add_(dp, { alpha: 1 - dampening });
        }
        dp = nesterov ? dp.add(buf, { alpha: momentum }) : buf;
      } else if (state.momentumBuffer === undefined) {
        state.momentumBuffer = null; // as PyTorch's state: { momentum_buffer: None }
      }
      p.add_(dp, { alpha: -lr });
    }
  }
}
