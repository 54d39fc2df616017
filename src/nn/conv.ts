/**
 * torch.nn's convolution and pooling layers and two shape helpers: Conv1d, Conv2d, MaxPool2d,
 * AvgPool2d, AdaptiveAvgPool2d, Flatten, Identity. Each wraps its `nn.functional` form; the
 * convolutions have PyTorch's default initialisation, parameter names and printed form.
 * @module
 */
import type { DType } from "../dtype.js";
import { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { Module, uniformParam } from "./modules.js";
import * as F from "./functional_conv.js";
import type { SizeArg } from "./functional_conv.js";

/** A value as Python prints it in an extra_repr: arrays as tuples, booleans as True/False. */
function py(v: unknown): string {
  if (Array.isArray(v)) return v.length === 1 ? `(${py(v[0])},)` : `(${v.map(py).join(", ")})`;
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  return String(v);
}

/** PyTorch's `_single` / `_pair`: one int for every spatial dim, or the given list as it is. */
function ntuple(fn: string, name: string, position: number | undefined, v: unknown, n: number): number[] {
  // a bare number is repeated; a list is kept whatever its length (the forward call checks it)
  if (typeof v === "number" && Number.isInteger(v)) return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.every((e) => typeof e === "number" && Number.isInteger(e))) return v.slice() as number[];
  throw A.argError(fn, name, position, "int or tuple of ints", v);
}

/** Options of {@link Conv1d} and {@link Conv2d}. */
export interface ConvModuleOptions {
  /** The step between kernel applications: a number, or one per spatial dimension. Default 1. */
  stride?: SizeArg;
  /** Zeros on both sides of each spatial dimension: a number, one per dimension, `"same"` or `"valid"`. Default 0. */
  padding?: SizeArg | "same" | "valid";
  /** The spacing between kernel elements. Default 1. */
  dilation?: SizeArg;
  /** Independent channel groups; both channel counts must divide by it. Default 1. */
  groups?: number;
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** How the input is padded: only `"zeros"` (PyTorch's default) is supported. */
  paddingMode?: "zeros" | "reflect" | "replicate" | "circular";
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

/** What Conv1d and Conv2d share (PyTorch's `_ConvNd`). */
abstract class ConvNd extends Module {
  /** Channels of the input. */
  readonly inChannels: number;
  /** Channels of the output (the number of filters). */
  readonly outChannels: number;
  /** The kernel's size per spatial dimension. */
  readonly kernelSize: number[];
  /** The stride per spatial dimension. */
  readonly stride: number[];
  /** The padding per spatial dimension, or `"same"` / `"valid"`. */
  readonly padding: number[] | "same" | "valid";
  /** The dilation per spatial dimension. */
  readonly dilation: number[];
  /** The number of channel groups. */
  readonly groups: number;
  /** How the input is padded (`"zeros"`). */
  readonly paddingMode: string;
  /** The filters, `[outChannels, inChannels / groups, ...kernelSize]`. */
  weight: Tensor;
  /** The bias, `[outChannels]`, or `null` when made with `{ bias: false }`. */
  bias: Tensor | null;

  /** @internal */
  constructor(name: string, spatial: number, inChannels: number, outChannels: number, kernelSize: SizeArg, opts: ConvModuleOptions | undefined) {
    super();
    A.checkInt(name, "in_channels", 1, inChannels);
    A.checkInt(name, "out_channels", 2, outChannels);
    A.checkOptions(name, opts, { stride: "any", padding: "any", dilation: "any", groups: "int", bias: "bool", paddingMode: "any", dtype: "dtype" });
    const o = opts ?? {};
    const groups = o.groups ?? 1;
    const kernel = ntuple(name, "kernel_size", 3, kernelSize, spatial);
    const stride = ntuple(name, "stride", undefined, o.stride ?? 1, spatial);
    const dilation = ntuple(name, "dilation", undefined, o.dilation ?? 1, spatial);
    const padArg = o.padding ?? 0;
    const padding = typeof padArg === "string" ? padArg : ntuple(name, "padding", undefined, padArg, spatial);
    const paddingMode = o.paddingMode ?? "zeros";
    // PyTorch's _ConvNd checks, in its order and words
    if (groups <= 0) throw new Error("groups must be a positive integer");
    if (inChannels % groups !== 0) throw new Error("in_channels must be divisible by groups");
    if (outChannels % groups !== 0) throw new Error("out_channels must be divisible by groups");
    if (typeof padding === "string") {
      if (padding !== "same" && padding !== "valid") throw new Error(`Invalid padding string '${String(padding)}', should be one of {'valid', 'same'}`);
      if (padding === "same" && stride.some((s) => s !== 1)) throw new Error("padding='same' is not supported for strided convolutions");
    }
    if (!["zeros", "reflect", "replicate", "circular"].includes(paddingMode)) {
      throw new Error(`padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='${String(paddingMode)}'`);
    }
    if (paddingMode !== "zeros") throw new Error(`${name}: paddingMode '${paddingMode}' is not supported by wasmgrad yet (only "zeros")`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernel;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.groups = groups;
    this.paddingMode = paddingMode;
    const dtype = o.dtype ?? "float32";
    // kaiming_uniform_(a=sqrt(5)) has bound gain * sqrt(3 / fanIn) with gain sqrt(2 / (1 + 5)):
    // 1 / sqrt(fanIn), the bias's bound too
    const fanIn = Math.trunc(inChannels / groups) * kernel.reduce((a, b) => a * b, 1);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    this.weight = uniformParam([outChannels, Math.trunc(inChannels / groups), ...kernel], bound, dtype);
    this.bias = o.bias === false ? null : uniformParam([outChannels], bound, dtype);
    this.registerParameter("weight", this.weight);
    this.registerParameter("bias", this.bias);
  }

  /** The convolution options this layer passes to `nn.functional`. */
  protected convOptions(): F.ConvOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  /** As PyTorch: `1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)` (defaults left out). */
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}`;
    const pad = this.padding;
    if (typeof pad === "string" || pad.some((v) => v !== 0)) s += `, padding=${typeof pad === "string" ? pad : py(pad)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${py(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ", bias=False";
    if (this.paddingMode !== "zeros") s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * A 1-D convolution layer (PyTorch's `nn.Conv1d`) over `[N, inChannels, L]` (or `[inChannels, L]`)
 * input. `weight` is `[outChannels, inChannels / groups, kernelSize]` and `bias` `[outChannels]`,
 * both drawn from U(-1/√fanIn, 1/√fanIn) (fanIn = inChannels / groups * kernelSize), PyTorch's
 * default initialisation.
 * @example
 * ```ts
 * const conv = new torch.nn.Conv1d(3, 8, 5, { padding: 2 });
 * conv.call(torch.randn(4, 3, 50)).shape; // [4, 8, 50]
 * ```
 */
export class Conv1d extends ConvNd {
  /**
   * @param inChannels - Channels of the input.
   * @param outChannels - Channels of the output.
   * @param kernelSize - The kernel's length (a number or `[k]`).
   * @param opts - `stride`, `padding` (a number, `"same"` or `"valid"`), `dilation`, `groups`,
   *   `bias` (default true), `paddingMode` (`"zeros"`), `dtype`.
   * @throws PyTorch's errors for bad settings (`in_channels must be divisible by groups`).
   */
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, opts?: ConvModuleOptions) {
    super("Conv1d", 1, inChannels, outChannels, kernelSize, opts);
  }

  /** The convolution of `input` (`[N, inChannels, L]` or `[inChannels, L]`). */
  override forward(input: Tensor): Tensor {
    return F.conv1d(input, this.weight, this.bias, this.convOptions());
  }
}

/**
 * A 2-D convolution layer (PyTorch's `nn.Conv2d`) over `[N, inChannels, H, W]` (or unbatched)
 * input. `weight` is `[outChannels, inChannels / groups, kh, kw]` and `bias` `[outChannels]`, both
 * drawn from U(-1/√fanIn, 1/√fanIn) (fanIn = inChannels / groups * kh * kw), PyTorch's default
 * initialisation. Prints as PyTorch does: `Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1),
 * padding=(1, 1))`.
 * @example
 * ```ts
 * const conv = new torch.nn.Conv2d(1, 8, 3, { padding: 1 });
 * conv.call(torch.randn(64, 1, 28, 28)).shape; // [64, 8, 28, 28]
 * ```
 */
export class Conv2d extends ConvNd {
  /**
   * @param inChannels - Channels of the input.
   * @param outChannels - Channels of the output.
   * @param kernelSize - The kernel's size: a number or `[kh, kw]`.
   * @param opts - `stride`, `padding` (a number, a pair, `"same"` or `"valid"`), `dilation`,
   *   `groups`, `bias` (default true), `paddingMode` (`"zeros"`), `dtype`.
   * @throws PyTorch's errors for bad settings (`out_channels must be divisible by groups`).
   */
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, opts?: ConvModuleOptions) {
    super("Conv2d", 2, inChannels, outChannels, kernelSize, opts);
  }

  /** The convolution of `input` (`[N, inChannels, H, W]` or `[inChannels, H, W]`). */
  override forward(input: Tensor): Tensor {
    return F.conv2d(input, this.weight, this.bias, this.convOptions());
  }
}

/**
 * 2-D max pooling as a module (PyTorch's `nn.MaxPool2d`); see {@link functional.maxPool2d}.
 * @example
 * ```ts
 * new torch.nn.MaxPool2d(2).call(torch.randn(1, 8, 28, 28)).shape; // [1, 8, 14, 14]
 * String(new torch.nn.MaxPool2d(2)); // "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
 * ```
 */
export class MaxPool2d extends Module {
  /** The window: a number or `[kh, kw]`. */
  readonly kernelSize: SizeArg;
  /** The step between windows (the kernel size unless given). */
  readonly stride: SizeArg;
  /** The implicit -infinity padding. */
  readonly padding: SizeArg;
  /** The spacing between window elements. */
  readonly dilation: SizeArg;
  /** Whether the output size rounds up. */
  readonly ceilMode: boolean;

  /**
   * @param kernelSize - The window: a number or `[kh, kw]`.
   * @param opts - `stride` (default: `kernelSize`), `padding` (0), `dilation` (1), `ceilMode` (false).
   */
  constructor(kernelSize: SizeArg, opts?: F.MaxPool2dOptions) {
    super();
    A.checkOptions("MaxPool2d", opts, { stride: "any", padding: "any", dilation: "any", ceilMode: "bool" });
    const o = opts ?? {};
    this.kernelSize = poolSize("MaxPool2d", "kernel_size", 1, kernelSize);
    this.stride = o.stride === undefined || o.stride === null ? this.kernelSize : poolSize("MaxPool2d", "stride", undefined, o.stride);
    this.padding = poolSize("MaxPool2d", "padding", undefined, o.padding ?? 0);
    this.dilation = poolSize("MaxPool2d", "dilation", undefined, o.dilation ?? 1);
    this.ceilMode = o.ceilMode ?? false;
  }

  /** Max pooling of the last two dims of `input` (3-D or 4-D). */
  override forward(input: Tensor): Tensor {
    return F.maxPool2d(input, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  /** `kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False`. */
  override extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}, dilation=${py(this.dilation)}, ceil_mode=${py(this.ceilMode)}`;
  }
}

/** A size argument kept as given (a number or a copied array), type-checked. */
function poolSize(fn: string, name: string, position: number | undefined, v: unknown): SizeArg {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (Array.isArray(v) && v.every((e) => typeof e === "number" && Number.isInteger(e))) return v.slice() as number[];
  throw A.argError(fn, name, position, "int or tuple of ints", v);
}

/**
 * 2-D average pooling as a module (PyTorch's `nn.AvgPool2d`); see {@link functional.avgPool2d}.
 * @example
 * ```ts
 * String(new torch.nn.AvgPool2d(2)); // "AvgPool2d(kernel_size=2, stride=2, padding=0)"
 * ```
 */
export class AvgPool2d extends Module {
  /** The window: a number or `[kh, kw]`. */
  readonly kernelSize: SizeArg;
  /** The step between windows (the kernel size unless given). */
  readonly stride: SizeArg;
  /** The zero padding. */
  readonly padding: SizeArg;
  /** Whether the output size rounds up. */
  readonly ceilMode: boolean;
  /** Whether the padding counts in each window's divisor. */
  readonly countIncludePad: boolean;
  /** The divisor used instead of each window's size, or null. */
  readonly divisorOverride: number | null;

  /**
   * @param kernelSize - The window: a number or `[kh, kw]`.
   * @param opts - `stride` (default: `kernelSize`), `padding` (0), `ceilMode` (false),
   *   `countIncludePad` (true), `divisorOverride` (none).
   */
  constructor(kernelSize: SizeArg, opts?: F.AvgPool2dOptions) {
    super();
    A.checkOptions("AvgPool2d", opts, { stride: "any", padding: "any", ceilMode: "bool", countIncludePad: "bool", divisorOverride: "any" });
    const o = opts ?? {};
    this.kernelSize = poolSize("AvgPool2d", "kernel_size", 1, kernelSize);
    this.stride = o.stride === undefined || o.stride === null ? this.kernelSize : poolSize("AvgPool2d", "stride", undefined, o.stride);
    this.padding = poolSize("AvgPool2d", "padding", undefined, o.padding ?? 0);
    this.ceilMode = o.ceilMode ?? false;
    this.countIncludePad = o.countIncludePad ?? true;
    const d = o.divisorOverride ?? null;
    if (d !== null && !(typeof d === "number" && Number.isInteger(d))) throw A.argError("AvgPool2d", "divisorOverride", undefined, "int", d);
    this.divisorOverride = d;
  }

  /** Average pooling of the last two dims of `input` (3-D or 4-D). */
  override forward(input: Tensor): Tensor {
    return F.avgPool2d(input, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }

  /** `kernel_size=2, stride=2, padding=0`. */
  override extraRepr(): string {
    return `kernel_size=${py(this.kernelSize)}, stride=${py(this.stride)}, padding=${py(this.padding)}`;
  }
}

/**
 * 2-D adaptive average pooling as a module (PyTorch's `nn.AdaptiveAvgPool2d`); see {@link
 * functional.adaptiveAvgPool2d}.
 * @example
 * ```ts
 * new torch.nn.AdaptiveAvgPool2d([1, 1]).call(torch.randn(2, 16, 5, 5)).shape; // [2, 16, 1, 1]
 * ```
 */
export class AdaptiveAvgPool2d extends Module {
  /** The output's size: a number, or `[h, w]` with `null` keeping that input size. */
  readonly outputSize: number | (number | null)[];

  /** @param outputSize - A number (n x n), or `[h, w]` where `null` keeps that input size. */
  constructor(outputSize: number | (number | null)[]) {
    super();
    if (!(typeof outputSize === "number" && Number.isInteger(outputSize)) &&
      !(Array.isArray(outputSize) && outputSize.every((v) => v === null || (typeof v === "number" && Number.isInteger(v))))) {
      throw A.argError("AdaptiveAvgPool2d", "output_size", 1, "int or tuple of ints", outputSize);
    }
    this.outputSize = Array.isArray(outputSize) ? outputSize.slice() : outputSize;
  }

  /** The adaptive average pooling of `input` (3-D or 4-D). */
  override forward(input: Tensor): Tensor {
    return F.adaptiveAvgPool2d(input, this.outputSize);
  }

  /** `output_size=(1, 1)`. */
  override extraRepr(): string {
    return `output_size=${py(this.outputSize)}`;
  }
}

/**
 * Flattens dims `startDim` (default 1, keeping the batch) to `endDim` (default -1) into one (PyTorch's
 * `nn.Flatten`).
 * @example
 * ```ts
 * new torch.nn.Flatten().call(torch.randn(32, 16, 7, 7)).shape; // [32, 784]
 * ```
 */
export class Flatten extends Module {
  /** The first dim flattened. */
  readonly startDim: number;
  /** The last dim flattened. */
  readonly endDim: number;

  /** @param opts - `startDim` (default 1), `endDim` (default -1). */
  constructor(opts?: { startDim?: number; endDim?: number }) {
    super();
    A.checkOptions("Flatten", opts, { startDim: "int", endDim: "int" });
    this.startDim = opts?.startDim ?? 1;
    this.endDim = opts?.endDim ?? -1;
  }

  /** `input.flatten(startDim, endDim)`. */
  override forward(input: Tensor): Tensor {
    A.checkTensor("Flatten.forward", "input", 1, input);
    return input.flatten(this.startDim, this.endDim);
  }

  /** `start_dim=1, end_dim=-1`. */
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Returns its input unchanged (PyTorch's `nn.Identity`): a placeholder layer. Constructor arguments
 * are accepted and ignored, as in PyTorch.
 */
export class Identity extends Module {
  /** @param _args - Ignored. */
  constructor(..._args: unknown[]) {
    super();
  }

  /** `input` itself. */
  override forward(input: Tensor): Tensor {
    return input;
  }
}
