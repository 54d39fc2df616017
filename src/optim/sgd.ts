/** SGD with momentum, dampening, weight decay and Nesterov, as PyTorch 1.13's `_single_tensor_sgd`. */
import type { Tensor } from "../tensor.js";
import { Optimizer, pyNum, required, type ParamGroup, type ParamsInput } from "./optimizer.js";

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, opts: Partial<SGDOptions> = {}) {
    // PyTorch checks the defaults only (a param group's own values are taken as given)
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
    });
  }

  protected override updateGroup(g: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = g;
    for (const p of g.params) {
      const grad = p._liveGrad(); // internal read: the optimizer does not keep it (see Tensor.grad)
      if (grad === null) continue;
      let dp: Tensor = maximize ? grad.neg() : grad;
      if (weightDecay !== 0) dp = dp.add(p, { alpha: weightDecay });
      if (momentum !== 0) {
        const state = this.stateOf(p);
        let buf: Tensor | undefined = state.momentumBuffer;
        if (buf === undefined || buf.isDisposed) {
          buf = this.keep(dp.clone());
          state.momentumBuffer = buf;
        } else {
          buf.mul_(momentum).add_(dp, { alpha: 1 - dampening });
        }
        dp = nesterov ? dp.add(buf, { alpha: momentum }) : buf;
      }
      p.add_(dp, { alpha: -lr });
    }
  }
}
