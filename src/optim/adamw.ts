/** AdamW (Adam with decoupled weight decay), as PyTorch 1.13's `_single_tensor_adamw`. */
import { ADAM_KINDS, adamDefaults, adamUpdate, type AdamOptions } from "./adam.js";
import { Optimizer, type ParamGroup, type ParamsInput } from "./optimizer.js";

/** Options of {@link AdamW}; PyTorch's names in camelCase. */
export interface AdamWOptions {
  /** The learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment estimates (default `[0.9, 0.999]`). */
  betas: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /**
   * Decoupled weight decay (PyTorch's `weight_decay`; default 1e-2): each step first scales the
   * parameters by `1 - lr * weightDecay`.
   */
  weightDecay: number;
  /** Use the AMSGrad variant (default false). */
  amsgrad: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/**
 * The AdamW optimizer: Adam with the weight decay decoupled from the gradient (Loshchilov &
 * Hutter); updates step for step as PyTorch 1.13's `torch.optim.AdamW`, whose weight decay
 * defaults to 1e-2.
 * @example
 * ```ts
 * const opt = new torch.optim.AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.1 });
 * ```
 */
export class AdamW extends Optimizer<AdamWOptions> {
  /** @internal */
  static override readonly _pytorchFlags = { foreach: null, capturable: false };
  /** @internal */
  static override readonly _stepIsTensor = true;

  /**
   * @param params - Tensors (`model.parameters()`) or parameter groups.
   * @param opts - See {@link AdamWOptions}.
   * @throws `TypeError` for an unknown option or a value of the wrong kind; `Invalid learning
   *   rate: ...`, `Invalid epsilon value: ...`, `Invalid beta parameter at index 0: ...`, `Invalid
   *   weight_decay value: ...` for out-of-range values.
   */
  constructor(params: ParamsInput<AdamWOptions>, opts: Partial<AdamWOptions> = {}) {
    super(params, adamDefaults("AdamW", opts, 1e-2), ADAM_KINDS);
  }

  protected override updateGroup(g: ParamGroup<AdamWOptions>): void {
    for (const p of g.params) {
      const grad = p._liveGrad(); // internal read: the optimizer does not keep it (see Tensor.grad)
      if (grad === null) continue;
      adamUpdate(p, grad, this.stateOf(p), (t) => this.keep(t), g as AdamOptions, true);
    }
  }
}
