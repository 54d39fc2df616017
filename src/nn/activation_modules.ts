/**
 * torch.nn's activation layers beyond ReLU, Tanh and Sigmoid: GELU, SiLU, LeakyReLU, ELU,
 * Softplus, Hardtanh, LogSigmoid, Softmax, LogSoftmax. Each wraps its `nn.functional` form, takes
 * PyTorch's constructor options in an options object and prints as PyTorch's repr.
 * @module
 */
import type { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { Module } from "./modules.js";
import * as F from "./functional.js";

/**
 * A number as Python prints it: a default that PyTorch declares as a float keeps its `.0`
 * (`alpha=1.0`); a value passed in prints as the int or float it would be in Python.
 */
function pyNum(v: number, floatDefault: boolean): string {
  if (Number.isInteger(v) && floatDefault) return `${v}.0`;
  // Python writes two exponent digits (1e-07)
  return String(v).replace(/e([+-])(\d)$/, "e$10$2");
}

/** The Gaussian error linear unit, as a module (PyTorch's `nn.GELU`); see {@link F.gelu}. */
export class GELU extends Module {
  /** `"none"` (exact, the default) or `"tanh"` (the tanh approximation). */
  readonly approximate: "none" | "tanh";
  /**
   * @param opts - `approximate`: `"none"` (default) or `"tanh"`; another string throws when the
   *   module is called, as in PyTorch.
   */
  constructor(opts?: { approximate?: "none" | "tanh" }) {
    super();
    A.checkOptions("GELU", opts, { approximate: "string" });
    this.approximate = opts?.approximate ?? "none";
  }
  /** `F.gelu(input, { approximate })`. */
  override forward(input: Tensor): Tensor { return F.gelu(input, { approximate: this.approximate }); }
  /** `approximate='none'`. */
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

/** `x * sigmoid(x)`, as a module (PyTorch's `nn.SiLU`); see {@link F.silu}. */
export class SiLU extends Module {
  /** `F.silu(input)`. */
  override forward(input: Tensor): Tensor { return F.silu(input); }
}

/** `log(sigmoid(x))`, as a module (PyTorch's `nn.LogSigmoid`); see {@link F.logSigmoid}. */
export class LogSigmoid extends Module {
  /** `F.logSigmoid(input)`. */
  override forward(input: Tensor): Tensor { return F.logSigmoid(input); }
}

/** `x` where positive, else `negativeSlope * x`, as a module (PyTorch's `nn.LeakyReLU`). */
export class LeakyReLU extends Module {
  /** The slope for negative inputs (default 0.01). */
  readonly negativeSlope: number;
  /** @param opts - `negativeSlope` (default 0.01). */
  constructor(opts?: { negativeSlope?: number }) {
    super();
    A.checkOptions("LeakyReLU", opts, { negativeSlope: "number" });
    this.negativeSlope = opts?.negativeSlope ?? 0.01;
  }
  /** `F.leakyRelu(input, negativeSlope)`. */
  override forward(input: Tensor): Tensor { return F.leakyRelu(input, this.negativeSlope); }
  /** `negative_slope=0.01`. */
  override extraRepr(): string { return `negative_slope=${pyNum(this.negativeSlope, false)}`; }
}

/** `x` where positive, else `alpha * (e^x - 1)`, as a module (PyTorch's `nn.ELU`). */
export class ELU extends Module {
  /** The scale of the negative part (default 1). */
  readonly alpha: number;
  private readonly alphaGiven: boolean;
  /** @param opts - `alpha` (default 1). */
  constructor(opts?: { alpha?: number }) {
    super();
    A.checkOptions("ELU", opts, { alpha: "number" });
    this.alphaGiven = opts?.alpha !== undefined;
    this.alpha = opts?.alpha ?? 1;
  }
  /** `F.elu(input, alpha)`. */
  override forward(input: Tensor): Tensor { return F.elu(input, this.alpha); }
  /** `alpha=1.0`. */
  override extraRepr(): string { return `alpha=${pyNum(this.alpha, !this.alphaGiven)}`; }
}

/** `log(1 + e^(beta x)) / beta`, linear above `threshold`, as a module (PyTorch's `nn.Softplus`). */
export class Softplus extends Module {
  /** The sharpness (default 1). */
  readonly beta: number;
  /** Above `beta * x > threshold` the result is `x` (default 20). */
  readonly threshold: number;
  /** @param opts - `beta` (default 1), `threshold` (default 20). */
  constructor(opts?: { beta?: number; threshold?: number }) {
    super();
    A.checkOptions("Softplus", opts, { beta: "number", threshold: "number" });
    this.beta = opts?.beta ?? 1;
    this.threshold = opts?.threshold ?? 20;
  }
  /** `F.softplus(input, { beta, threshold })`. */
  override forward(input: Tensor): Tensor { return F.softplus(input, { beta: this.beta, threshold: this.threshold }); }
  /** `beta=1, threshold=20`. */
  override extraRepr(): string { return `beta=${pyNum(this.beta, false)}, threshold=${pyNum(this.threshold, false)}`; }
}

/** Clamp to `[minVal, maxVal]`, as a module (PyTorch's `nn.Hardtanh`). */
export class Hardtanh extends Module {
  /** The lower bound (default -1). */
  readonly minVal: number;
  /** The upper bound (default 1). */
  readonly maxVal: number;
  private readonly given: [boolean, boolean];
  /** @param opts - `minVal` (default -1), `maxVal` (default 1). */
  constructor(opts?: { minVal?: number; maxVal?: number }) {
    super();
    A.checkOptions("Hardtanh", opts, { minVal: "number", maxVal: "number" });
    this.minVal = opts?.minVal ?? -1;
    this.maxVal = opts?.maxVal ?? 1;
    this.given = [opts?.minVal !== undefined, opts?.maxVal !== undefined];
  }
  /** `F.hardtanh(input, minVal, maxVal)`. */
  override forward(input: Tensor): Tensor { return F.hardtanh(input, this.minVal, this.maxVal); }
  /** `min_val=-1.0, max_val=1.0`. */
  override extraRepr(): string {
    return `min_val=${pyNum(this.minVal, !this.given[0])}, max_val=${pyNum(this.maxVal, !this.given[1])}`;
  }
}

/** Softmax along `dim`, as a module (PyTorch's `nn.Softmax`); see {@link F.softmax}. */
export class Softmax extends Module {
  /** The dim the probabilities sum to 1 along; `null`: PyTorch's implicit choice. */
  readonly dim: number | null;
  /** @param opts - `dim` (default: PyTorch's deprecated implicit choice, as {@link F.softmax}). */
  constructor(opts?: { dim?: number | null }) {
    super();
    A.checkOptions("Softmax", opts, { dim: "any" });
    if (opts?.dim !== undefined && opts.dim !== null) A.checkInt("Softmax", "dim", undefined, opts.dim);
    this.dim = opts?.dim ?? null;
  }
  /** `F.softmax(input, dim)`. */
  override forward(input: Tensor): Tensor { return F.softmax(input, this.dim ?? undefined); }
  /** `dim=1`, or `dim=None`. */
  override extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}

/** Log-softmax along `dim`, as a module (PyTorch's `nn.LogSoftmax`); see {@link F.logSoftmax}. */
export class LogSoftmax extends Module {
  /** The dim normalised along; `null`: PyTorch's implicit choice. */
  readonly dim: number | null;
  /** @param opts - `dim` (default: PyTorch's deprecated implicit choice, as {@link F.logSoftmax}). */
  constructor(opts?: { dim?: number | null }) {
    super();
    A.checkOptions("LogSoftmax", opts, { dim: "any" });
    if (opts?.dim !== undefined && opts.dim !== null) A.checkInt("LogSoftmax", "dim", undefined, opts.dim);
    this.dim = opts?.dim ?? null;
  }
  /** `F.logSoftmax(input, dim)`. */
  override forward(input: Tensor): Tensor { return F.logSoftmax(input, this.dim ?? undefined); }
  /** `dim=1`, or `dim=None`. */
  override extraRepr(): string { return `dim=${this.dim ?? "None"}`; }
}
