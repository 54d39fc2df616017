/** AdamW (Adam with decoupled weight decay), as PyTorch 1.13's `_single_tensor_adamw`. */
import { checkOptions } from "../argcheck.js";
import { adamUpdate, type AdamOptions } from "./adam.js";
import { checkOptionKinds, Optimizer, pyNum, type ParamGroup, type ParamsInput } from "./optimizer.js";

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

const ADAMW_KINDS = { lr: "number", betas: "pair", eps: "number", weightDecay: "number", amsgrad: "bool", maximize: "bool" } as const;

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
    checkOptions("AdamW", opts, { lr: "any", betas: "any", eps: "any", weightDecay: "any", amsgrad: "any", maximize: "any" });
    checkOptionKinds("AdamW", opts ?? {}, ADAMW_KINDS);
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2 } = opts ?? {};
    if (!(lr >= 0)) throw new Error(`Invalid learning rate: ${pyNum(lr)}`);
    if (!(eps >= 0)) throw new Error(`Invalid epsilon value: ${pyNum(eps)}`);
    if (!(betas[0] >= 0 && betas[0] < 1)) throw new Error(`Invalid beta parameter at index 0: ${pyNum(betas[0])}`);
    if (!(betas[1] >= 0 && betas[1] < 1)) throw new Error(`Invalid beta parameter at index 1: ${pyNum(betas[1])}`);
    if (!(weightDecay >= 0)) throw new Error(`Invalid weight_decay value: ${pyNum(weightDecay)}`);
    opts ??= {};
    super(params, {
      lr: opts.lr ?? 1e-3,
      betas: opts.betas ?? [0.9, 0.999],
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? 1e-2,
      amsgrad: opts.amsgrad ?? false,
      maximize: opts.maximize ?? false,
    }, ADAMW_KINDS);
  }

  protected override updateGroup(g: ParamGroup<AdamWOptions>): void {
    for (const p of g.params) {
      const grad = p._liveGrad(); // internal read: the optimizer does not keep it (see Tensor.grad)
      if (grad === null) continue;
      adamUpdate(p, grad, this.stateOf(p), (t) => this.keep(t), g as AdamOptions, true);
    }
  }
}
