/** Adam (and AMSGrad), as PyTorch 1.13's `_single_tensor_adam`. */
import type { Tensor } from "../tensor.js";
import { allocTensor } from "../ops/core.js";
import { checkOptionKinds, Optimizer, pyNum, type ParamGroup, type ParamsInput } from "./optimizer.js";
import { checkOptions } from "../argcheck.js";

/** Options of {@link Adam}; PyTorch's names in camelCase. */
export interface AdamOptions {
  /** The learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment estimates (default `[0.9, 0.999]`). */
  betas: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /**
   * L2 penalty added to the gradient (PyTorch's `weight_decay`; default 0). Not AdamW's decoupled
   * decay.
   */
  weightDecay: number;
  /** Use the AMSGrad variant (default false). */
  amsgrad: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

export function zerosOf(p: Tensor): Tensor {
  return allocTensor(p._storage.backend, p.dtype, p.shape.slice());
}

export const ADAM_KINDS = { lr: "number", betas: "pair", eps: "number", weightDecay: "number", amsgrad: "bool", maximize: "bool" } as const;

/** Adam's and AdamW's option checks and defaults (they differ in the name and the default
 *  weight decay). PyTorch checks the defaults' ranges only: a param group's own values are
 *  taken as given. */
export function adamDefaults(name: string, opts: Partial<AdamOptions> | null | undefined, weightDecayDefault: number): AdamOptions {
  checkOptions(name, opts, { lr: "any", betas: "any", eps: "any", weightDecay: "any", amsgrad: "any", maximize: "any" });
  const o = opts ?? {};
  checkOptionKinds(name, o, ADAM_KINDS);
  const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = weightDecayDefault } = o;
  if (!(lr >= 0)) throw new Error(`Invalid learning rate: ${pyNum(lr)}`);
  if (!(eps >= 0)) throw new Error(`Invalid epsilon value: ${pyNum(eps)}`);
  if (!(betas[0] >= 0 && betas[0] < 1)) throw new Error(`Invalid beta parameter at index 0: ${pyNum(betas[0])}`);
  if (!(betas[1] >= 0 && betas[1] < 1)) throw new Error(`Invalid beta parameter at index 1: ${pyNum(betas[1])}`);
  if (!(weightDecay >= 0)) throw new Error(`Invalid weight_decay value: ${pyNum(weightDecay)}`);
  // `??` as the options were read before (a null option takes the default)
  return {
    lr: o.lr ?? 1e-3, betas: o.betas ?? [0.9, 0.999], eps: o.eps ?? 1e-8,
    weightDecay: o.weightDecay ?? weightDecayDefault, amsgrad: o.amsgrad ?? false, maximize: o.maximize ?? false,
  };
}

/**
 * The Adam optimizer (and AMSGrad); updates step for step as PyTorch 1.13's `torch.optim.Adam`.
 * @example
 * ```ts
 * const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
 * ```
 */
export class Adam extends Optimizer<AdamOptions> {
  /** @internal */
  static override readonly _pytorchFlags = { foreach: null, capturable: false, differentiable: false, fused: false };
  /** @internal */
  static override readonly _stepIsTensor = true;
  /**
   * @param params - Tensors (`model.parameters()`) or parameter groups.
   * @param opts - See {@link AdamOptions}.
   * @throws `TypeError` for an unknown option or a value of the wrong kind (`Adam(): argument 'eps'
   *   must be Number, not str`); `Invalid learning rate: ...`, `Invalid epsilon value: ...`,
   *   `Invalid beta parameter at index 0: ...`, `Invalid weight_decay value: ...` for out-of-range
   *   values.
   */
  constructor(params: ParamsInput<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, adamDefaults("Adam", opts, 0), ADAM_KINDS);
  }

  protected override updateGroup(g: ParamGroup<AdamOptions>): void {
    for (const p of g.params) {
      const grad = p._liveGrad(); // internal read: the optimizer does not keep it (see Tensor.grad)
      if (grad === null) continue;
      adamUpdate(p, grad, this.stateOf(p), (t) => this.keep(t), g, false);
    }
  }
}

/**
 * One Adam step of one parameter, as PyTorch 1.13's `_single_tensor_adam` (`decoupled` false: the
 * weight decay is added to the gradient) or `_single_tensor_adamw` (`decoupled`: the parameter
 * shrinks by `lr * weightDecay` first).
 */
export function adamUpdate(p: Tensor, grad0: Tensor, state: Record<string, any>, keep: (t: Tensor) => Tensor, g: AdamOptions, decoupled: boolean): void {
  const { lr, eps, weightDecay, amsgrad, maximize } = g;
  const [beta1, beta2] = g.betas;
  let grad: Tensor = maximize ? grad0.neg() : grad0;
  if (state.step === undefined) {
    state.step = 0;
    state.expAvg = keep(zerosOf(p));
    state.expAvgSq = keep(zerosOf(p));
    if (amsgrad) state.maxExpAvgSq = keep(zerosOf(p));
  }
  const expAvg = state.expAvg as Tensor, expAvgSq = state.expAvgSq as Tensor;
  state.step += 1;
  const step = state.step as number;
  if (decoupled) p.mul_(1 - lr * weightDecay);
  else if (weightDecay !== 0) grad = grad.add(p, { alpha: weightDecay });
  expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
  expAvgSq.mul_(beta2).add_(grad.mul(grad), { alpha: 1 - beta2 });
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  const stepSize = lr / biasCorrection1;
  const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
  let second = expAvgSq;
  if (amsgrad) {
    // PyTorch creates it with the rest of the state; amsgrad may be switched on later
    if (state.maxExpAvgSq === undefined) state.maxExpAvgSq = keep(zerosOf(p));
    const maxSq = state.maxExpAvgSq as Tensor;
    maxSq.copy_(maxSq.maximum(expAvgSq));
    second = maxSq;
  }
  const denom = second.sqrt().div(biasCorrection2Sqrt).add_(eps);
  p.add_(expAvg.div(denom), { alpha: -stepSize });
}
