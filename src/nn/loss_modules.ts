/**
 * torch.nn's loss modules beyond MSELoss and CrossEntropyLoss: BCELoss, BCEWithLogitsLoss,
 * L1Loss, SmoothL1Loss, HuberLoss, NLLLoss. Each wraps its `nn.functional` form; weights are
 * buffers (in `stateDict()` under PyTorch's names), as PyTorch registers them.
 * @module
 */
import type { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { Module } from "./modules.js";
import * as F from "./functional.js";
import type { Reduction } from "./functional.js";

/**
 * Binary cross entropy between probabilities and targets, as a module (PyTorch's `nn.BCELoss`);
 * see {@link F.binaryCrossEntropy}.
 * @example
 * ```ts
 * const loss = new torch.nn.BCELoss().call(torch.sigmoid(logits), target);
 * ```
 */
export class BCELoss extends Module {
  /** How the elementwise losses are combined: `"mean"` (default), `"sum"` or `"none"`. */
  reduction: Reduction;
  /** A weight per element (broadcast to the input), or `null`. A buffer: it is in `stateDict`. */
  weight: Tensor | null = null;
  /** @param opts - `weight` (default none), `reduction` (default `"mean"`). */
  constructor(opts?: { weight?: Tensor | null; reduction?: Reduction }) {
    A.checkOptions("BCELoss", opts, { weight: "tensor", reduction: "any" });
    super();
    this.reduction = opts?.reduction ?? "mean";
    this.registerBuffer("weight", opts?.weight ?? null);
  }
  /** The loss of probabilities `input` against `target` (the same shape). */
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Sigmoid and binary cross entropy in one stable formula, as a module (PyTorch's
 * `nn.BCEWithLogitsLoss`); see {@link F.binaryCrossEntropyWithLogits}.
 */
export class BCEWithLogitsLoss extends Module {
  /** How the elementwise losses are combined: `"mean"` (default), `"sum"` or `"none"`. */
  reduction: Reduction;
  /** A weight per element, or `null`. A buffer. */
  weight: Tensor | null = null;
  /** @param opts - `weight`, `reduction` (default `"mean"`), `posWeight`. */
  constructor(opts?: { weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null }) {
    A.checkOptions("BCEWithLogitsLoss", opts, { weight: "tensor", reduction: "any", posWeight: "tensor" });
    super();
    this.reduction = opts?.reduction ?? "mean";
    this.registerBuffer("weight", opts?.weight ?? null);
    // PyTorch's buffer name, so stateDict() has its key
    this.registerBuffer("pos_weight", opts?.posWeight ?? null);
  }
  /** The positive class's weight (one per class, along the last dim), or `null`. A buffer
   *  (`pos_weight` in `stateDict`). */
  get posWeight(): Tensor | null { return (this as unknown as { pos_weight: Tensor | null }).pos_weight; }
  /** The loss of logits `input` against `target` (the same shape). */
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}

/** Mean absolute error, as a module (PyTorch's `nn.L1Loss`); see {@link F.l1Loss}. */
export class L1Loss extends Module {
  /** How the elementwise losses are combined: `"mean"` (default), `"sum"` or `"none"`. */
  reduction: Reduction;
  /** @param opts - `reduction` (default `"mean"`). */
  constructor(opts?: { reduction?: Reduction }) {
    A.checkOptions("L1Loss", opts, { reduction: "any" });
    super();
    this.reduction = opts?.reduction ?? "mean";
  }
  /** The loss of `input` against `target` (broadcastable). */
  override forward(input: Tensor, target: Tensor): Tensor { return F.l1Loss(input, target, { reduction: this.reduction }); }
}

/** Smooth L1 loss, as a module (PyTorch's `nn.SmoothL1Loss`); see {@link F.smoothL1Loss}. */
export class SmoothL1Loss extends Module {
  /** How the elementwise losses are combined: `"mean"` (default), `"sum"` or `"none"`. */
  reduction: Reduction;
  /** Where the loss turns from quadratic to linear (default 1). */
  beta: number;
  /** @param opts - `reduction` (default `"mean"`), `beta` (default 1). */
  constructor(opts?: { reduction?: Reduction; beta?: number }) {
    A.checkOptions("SmoothL1Loss", opts, { reduction: "any", beta: "number" });
    super();
    this.reduction = opts?.reduction ?? "mean";
    this.beta = opts?.beta ?? 1;
  }
  /** The loss of `input` against `target` (broadcastable). */
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Huber loss, as a module (PyTorch's `nn.HuberLoss`); see {@link F.huberLoss}. */
export class HuberLoss extends Module {
  /** How the elementwise losses are combined: `"mean"` (default), `"sum"` or `"none"`. */
  reduction: Reduction;
  /** Where the loss turns from quadratic to linear (default 1). */
  delta: number;
  /** @param opts - `reduction` (default `"mean"`), `delta` (default 1). */
  constructor(opts?: { reduction?: Reduction; delta?: number }) {
    A.checkOptions("HuberLoss", opts, { reduction: "any", delta: "number" });
    super();
    this.reduction = opts?.reduction ?? "mean";
    this.delta = opts?.delta ?? 1;
  }
  /** The loss of `input` against `target` (broadcastable). */
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/**
 * The negative log likelihood loss, as a module (PyTorch's `nn.NLLLoss`); see {@link F.nllLoss}.
 */
export class NLLLoss extends Module {
  /** How the per-sample losses are combined: `"mean"` (default), `"sum"` or `"none"`. */
  reduction: Reduction;
  /** Targets equal to this contribute nothing and are not counted by `"mean"` (default -100). */
  ignoreIndex: number;
  /** Per-class weights (a 1-D tensor of C entries), or `null`. A buffer. */
  weight: Tensor | null = null;
  /** @param opts - `weight` (default none), `ignoreIndex` (default -100), `reduction` (default `"mean"`). */
  constructor(opts?: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction }) {
    A.checkOptions("NLLLoss", opts, { weight: "tensor", ignoreIndex: "int", reduction: "any" });
    super();
    this.reduction = opts?.reduction ?? "mean";
    this.ignoreIndex = opts?.ignoreIndex ?? -100;
    this.registerBuffer("weight", opts?.weight ?? null);
  }
  /** The loss of log-probabilities `input` (`[N, C]`, `[C]` or `[N, C, ...]`) against class indices `target`. */
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}
