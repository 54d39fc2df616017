/**
 * torch.nn.functional's convolutions and poolings: conv1d, conv2d, maxPool2d, avgPool2d,
 * adaptiveAvgPool2d. Each checks its arguments here, in PyTorch 1.13's order and words, and then
 * runs one kernel (src/ops/conv.ts) recorded as one graph node with PyTorch's name.
 * @module
 */
import type { DType } from "../dtype.js";
import { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { composite } from "../ops/core.js";
import { adaptiveAvgPool, avgPool, convolution, maxPool, type ConvParams, type PoolParams } from "../ops/conv.js";
import { constantPadNd } from "../ops/pad.js";

/** A size given for each spatial dimension at once (`3`) or one by one (`[3, 5]`). */
export type SizeArg = number | number[];

/** Options of {@link conv1d} and {@link conv2d}. */
export interface ConvOptions {
  /** The step between kernel applications: a number, or one per spatial dimension. Default 1. */
  stride?: SizeArg;
  /**
   * Zeros added on both sides of each spatial dimension: a number, one per dimension, `"valid"`
   * (none) or `"same"` (as much as keeps the output the input's size, unit stride only; an odd
   * total goes on the bottom/right, as PyTorch). Default 0.
   */
  padding?: SizeArg | "same" | "valid";
  /** The spacing between kernel elements: a number, or one per spatial dimension. Default 1. */
  dilation?: SizeArg;
  /** Split input and output channels into this many independent groups. Default 1. */
  groups?: number;
}

const CONV_OPTIONS = { stride: "any", padding: "any", dilation: "any", groups: "int" } as const;

/** PyTorch's names in its messages: int32 is its int64. */
const TYPE_NAME: Readonly<Record<DType, string>> = { float32: "float", float64: "double", int32: "long int", bool: "bool" };
const SCALAR_NAME: Readonly<Record<DType, string>> = { float32: "Float", float64: "Double", int32: "Long", bool: "Bool" };
const TENSOR_TYPE: Readonly<Record<DType, string>> = { float32: "torch.FloatTensor", float64: "torch.DoubleTensor", int32: "torch.LongTensor", bool: "CPUBoolType" };

const sizes = (s: readonly number[]) => `[${s.join(", ")}]`;

/** An int or an array of ints, as an array (`n` copies of an int); PyTorch's TypeError otherwise. */
function intList(fn: string, name: string, position: number | undefined, v: unknown, n: number): number[] {
  if (typeof v === "number" && Number.isInteger(v)) return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.every((e) => typeof e === "number" && Number.isInteger(e))) return v.slice() as number[];
  throw A.argError(fn, name, position, "tuple of ints", v);
}

/** PyTorch's expand_param_if_needed: one value for every dim, or one per dim. */
function expandParam(list: number[], name: string, dim: number): number[] {
  if (list.length === 1) return new Array<number>(dim).fill(list[0]!);
  if (list.length !== dim) {
    throw new Error(`expected ${name} to be a single integer value or a list of ${dim} values to match the convolution dimensions, but got ${name}=${sizes(list)}`);
  }
  return list;
}

/** at::conv1d / at::conv2d: batchify, resolve string padding, then _convolution's checks. */
function conv(fn: "conv1d" | "conv2d", spatial: 1 | 2, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: ConvOptions | undefined): Tensor {
  A.checkTensor(fn, "input", 1, input);
  A.checkTensor(fn, "weight", 2, weight);
  if (bias !== undefined && bias !== null) A.checkTensor(fn, "bias", 3, bias);
  A.checkOptions(fn, opts, CONV_OPTIONS);
  const b = bias ?? null;
  const o = opts ?? {};
  const stride = intList(fn, "stride", undefined, o.stride ?? 1, spatial);
  const dilation = intList(fn, "dilation", undefined, o.dilation ?? 1, spatial);
  const groups = o.groups ?? 1;
  const padArg = o.padding ?? 0;
  if (typeof padArg !== "string") intList(fn, "padding", undefined, padArg, spatial);

  const nd = input.ndim;
  if (nd !== spatial + 1 && nd !== spatial + 2) {
    throw new Error(`Expected ${spatial + 1}D (unbatched) or ${spatial + 2}D (batched) input to ${fn}, but got input of size: ${sizes(input.shape)}`);
  }
  const batched = nd === spatial + 2;
  const xShape = batched ? input.shape : [1, ...input.shape];
  const ws = weight.shape, k = weight.ndim, dim = k - 2;

  let padding: number[], padEnd: number[];
  if (typeof padArg === "string") {
    if (padArg === "same") {
      // at::_convolution_same: pads d * (k - 1) in all, the odd one at the end
      if (k <= 2) throw new Error("weight should have at least three dimensions");
      if (k !== xShape.length) {
        throw new Error(`Expected ${k}-dimensional input for ${k}-dimensional weight${sizes(ws)}, but got ${xShape.length}-dimensional input of size ${sizes(xShape)} instead`);
      }
      if (stride.length !== dim && stride.length !== 1) throw new Error(`stride cannot broadcast to ${dim} dimensions`);
      if (dilation.length !== dim && dilation.length !== 1) throw new Error(`dilation cannot broadcast to ${dim} dimensions`);
      if (stride.some((s) => s !== 1)) throw new Error("padding='same' is not supported for strided convolutions");
      padding = []; padEnd = [];
      for (let i = 0; i < dim; i++) {
        const total = (dilation.length === 1 ? dilation[0]! : dilation[i]!) * (ws[i + 2]! - 1);
        const lo = Math.trunc(total / 2);
        // a zero-size kernel makes the total negative: PyTorch crops the input by the difference
        // and pads by the smaller (negative) side, which check_shape_forward then refuses
        padding.push(Math.min(lo, total - lo)); padEnd.push(total - lo);
      }
    } else if (padArg === "valid") {
      padding = [0]; padEnd = [0];
    } else {
      throw new Error(`Invalid padding string: '${padArg}'`);
    }
  } else {
    padding = intList(fn, "padding", undefined, padArg, spatial);
    padEnd = padding;
  }

  // at::_convolution
  if (dim <= 0) throw new Error("weight should have at least three dimensions");
  if (groups <= 0) throw new Error("non-positive groups is not supported");
  const s = expandParam(stride, "stride", dim);
  const p = expandParam(padding, "padding", dim);
  const pe = padEnd.length === p.length ? padEnd : expandParam(padEnd, "padding", dim);
  const d = expandParam(dilation, "dilation", dim);
  // check_shape_forward
  if (p.some((v) => v < 0)) throw new Error("negative padding is not supported");
  if (s.some((v) => v <= 0)) throw new Error("non-positive stride is not supported");
  if (k !== xShape.length) {
    throw new Error(`Expected ${k}-dimensional input for ${k}-dimensional weight ${sizes(ws)}, but got ${xShape.length}-dimensional input of size ${sizes(xShape)} instead`);
  }
  if (ws[0]! < groups) {
    throw new Error(`Given groups=${groups}, expected weight to be at least ${groups} at dimension 0, but got weight of size ${sizes(ws)} instead`);
  }
  if (ws[0]! % groups !== 0) {
    throw new Error(`Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${sizes(ws)}] instead`);
  }
  if (xShape[1] !== ws[1]! * groups) {
    throw new Error(`Given groups=${groups}, weight of size ${sizes(ws)}, expected input${sizes(xShape)} to have ${ws[1]! * groups} channels, but got ${xShape[1]} channels instead`);
  }
  if (b !== null && (b.ndim !== 1 || b.shape[0] !== ws[0])) {
    throw new Error(`Given weight of size ${sizes(ws)}, expected bias to be 1-dimensional with ${ws[0]} elements, but got bias of size ${sizes(b.shape)} instead`);
  }
  const padded: number[] = [], kernel: number[] = [];
  for (let i = 0; i < dim; i++) {
    padded.push(xShape[i + 2]! + p[i]! + pe[i]!);
    kernel.push(d[i]! * (ws[i + 2]! - 1) + 1);
  }
  if (padded.some((v, i) => v < kernel[i]!)) {
    throw new Error(`Calculated padded input size per channel: (${padded.join(" x ")}). Kernel size: (${kernel.join(" x ")}). Kernel size can't be greater than actual input size`);
  }
  // the dtype checks of the convolution backends, in the order PyTorch meets them
  const xt = input.dtype;
  if (b !== null && b.dtype !== xt) throw new Error(`Input type (${TYPE_NAME[xt]}) and bias type (${TYPE_NAME[b.dtype]}) should be the same`);
  // a kernel with a zero-size dim passes the shape checks; the slow backends refuse it before
  // their dtype checks, the dilated one listing the sizes (a 1-D convolution as height 1).
  // (Batched float32 goes to oneDNN in PyTorch, which fails with "could not create a descriptor
  // for a dilated convolution forward propagation primitive"; this clearer message stands in.)
  const kernelSize = dim === 1 ? [1, ws[2]!] : ws.slice(2);
  if (kernelSize.some((v) => v <= 0)) {
    throw new Error(d.some((v) => v !== 1)
      ? `kernel size should be greater than zero, but got ${sizes(kernelSize)}`
      : `kernel size should be greater than zero, but got kernel_height: ${kernelSize[0]} kernel_width: ${kernelSize[1]}`);
  }
  // a non-positive dilation passes the shape checks; the float32 (mkldnn) and the other (slow,
  // where a 1-D convolution is a 2-D one) backends word it differently
  const badDilation = d.some((v) => v <= 0);
  if (xt === "float32") {
    if (weight.dtype !== xt) {
      throw new Error(`Input type (${TENSOR_TYPE[xt]}) and weight type (${TENSOR_TYPE[weight.dtype]}) should be the same or input should be a MKLDNN tensor and weight is a dense tensor`);
    }
    if (badDilation) throw new Error("non-positive dilation is not supported");
  } else if (badDilation) {
    throw new Error(`dilation should be greater than zero, but got ${sizes(dim === 1 ? [1, ...d] : d)}`);
  }
  if (xt === "bool") throw new Error(`"slow_conv2d_cpu" not implemented for 'Bool'`);
  if (weight.dtype !== xt) throw new Error(`expected scalar type ${SCALAR_NAME[xt]} but found ${SCALAR_NAME[weight.dtype]}`);

  const params: ConvParams = { stride: s, padding: p, padEnd: pe, dilation: d, groups };
  // an asymmetric "same" padding: as at::_convolution_same, the input is first padded by the
  // difference at the end (constant_pad_nd: ConstantPadNdBackward0), then convolved symmetrically
  const asymmetric = pe.some((v, i) => v !== p[i]);
  const conv = (x: Tensor): Tensor => {
    if (!asymmetric) return convolution(x, weight, b, params);
    const padNd = new Array<number>(2 * dim).fill(0);
    for (let i = 0; i < dim; i++) padNd[2 * (dim - 1 - i) + 1] = pe[i]! - p[i]!;
    return convolution(constantPadNd(x, padNd, 0), weight, b, { ...params, padEnd: p });
  };
  if (batched) return asymmetric ? composite(() => conv(input)) : conv(input);
  // unbatched: PyTorch runs the batch of one and squeezes it off again (SqueezeBackward1)
  return composite(() => conv(input.unsqueeze(0)).squeeze(0));
}

/**
 * A 1-D convolution (PyTorch's `F.conv1d`): `input` `[N, Cin, L]` (or unbatched `[Cin, L]`),
 * `weight` `[Cout, Cin / groups, K]`, `bias` `[Cout]` (optional). Recorded as
 * `ConvolutionBackward0`; its gradients can be differentiated again.
 *
 * @param opts - `stride`, `padding` (a number, `[p]`, `"same"` or `"valid"`), `dilation`, `groups`.
 * @throws PyTorch's errors for shapes, settings and dtypes that do not fit (`Given groups=1,
 *   weight of size [4, 2, 3], expected input[1, 3, 5] to have 2 channels, but got 3 channels
 *   instead`).
 * @example
 * ```ts
 * const y = torch.nn.functional.conv1d(torch.randn(2, 3, 10), torch.randn(4, 3, 3), null, { padding: 1 });
 * y.shape; // [2, 4, 10]
 * ```
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor {
  return conv("conv1d", 1, input, weight, bias, opts);
}

/**
 * A 2-D convolution (PyTorch's `F.conv2d`): `input` `[N, Cin, H, W]` (or unbatched `[Cin, H, W]`),
 * `weight` `[Cout, Cin / groups, KH, KW]`, `bias` `[Cout]` (optional). Recorded as
 * `ConvolutionBackward0`; its gradients can be differentiated again.
 *
 * @param opts - `stride`, `padding` (a number, a pair, `"same"` or `"valid"`), `dilation`, `groups`.
 * @throws PyTorch's errors for shapes, settings and dtypes that do not fit (`Calculated padded
 *   input size per channel: (5 x 5). Kernel size: (7 x 7). Kernel size can't be greater than
 *   actual input size`).
 * @example
 * ```ts
 * const x = torch.randn(8, 1, 28, 28);
 * const w = torch.randn(6, 1, 3, 3, { requiresGrad: true });
 * const y = torch.nn.functional.conv2d(x, w, null, { padding: 1 });
 * y.shape; // [8, 6, 28, 28]
 * ```
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor {
  return conv("conv2d", 2, input, weight, bias, opts);
}

// ---- pooling ----------------------------------------------------------------------------------

/** Options of {@link maxPool2d}. */
export interface MaxPool2dOptions {
  /** The step between windows: a number or a pair. Default (or `null`, or `[]`): the kernel size. */
  stride?: SizeArg | null;
  /** Implicit -infinity added on both sides: a number or a pair, at most half the kernel. Default 0. */
  padding?: SizeArg;
  /** The spacing between window elements: a number or a pair. Default 1. */
  dilation?: SizeArg;
  /** Round the output size up rather than down (windows may then start in the right/bottom padding). Default false. */
  ceilMode?: boolean;
}

/** Options of {@link avgPool2d}. */
export interface AvgPool2dOptions {
  /** The step between windows: a number or a pair. Default (or `null`, or `[]`): the kernel size. */
  stride?: SizeArg | null;
  /** Zeros added on both sides: a number or a pair, at most half the kernel. Default 0. */
  padding?: SizeArg;
  /** Round the output size up rather than down. Default false. */
  ceilMode?: boolean;
  /** Count the padding's zeros in each window's divisor. Default true. */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead of its size. */
  divisorOverride?: number | null;
}

/** `div_rtn`: division rounding toward negative infinity. */
const divRtn = (a: number, b: number) => Math.floor(a / b);

/** PyTorch's pooling_output_shape (with its checks) for one dimension. */
function poolOutSize(size: number, k: number, pad: number, stride: number, dilation: number, ceil: boolean): number {
  if (stride === 0) throw new Error("stride should not be zero");
  if (pad < 0) throw new Error(`pad must be non-negative, but got pad: ${pad}`);
  if (pad > Math.trunc(k / 2)) throw new Error(`pad should be at most half of kernel size, but got pad=${pad} and kernel_size=${k}`);
  let out = divRtn(size + 2 * pad - dilation * (k - 1) - 1 + (ceil ? stride - 1 : 0), stride) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** PyTorch's pool2d_shape_check. */
function pool2dShapeCheck(x: Tensor, p: PoolParams): void {
  const nd = x.ndim;
  if (!(p.kw > 0 && p.kh > 0)) throw new Error(`kernel size should be greater than zero, but got kH: ${p.kh} kW: ${p.kw}`);
  if (!(p.sw > 0 && p.sh > 0)) throw new Error(`stride should be greater than zero, but got dH: ${p.sh} dW: ${p.sw}`);
  if (!(p.dh > 0 && p.dw > 0)) throw new Error(`dilation should be greater than zero, but got dilationH: ${p.dh} dilationW: ${p.dw}`);
  const s = x.shape;
  const validDims = s[1] !== 0 && s[2] !== 0;
  if (!((nd === 3 && s[0] !== 0 && validDims) || (nd === 4 && validDims && s[3] !== 0))) {
    throw new Error(`Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:${sizes(s)}`);
  }
  if (!(Math.trunc(p.kw / 2) >= p.pw && Math.trunc(p.kh / 2) >= p.ph)) {
    throw new Error(`pad should be smaller than or equal to half of kernel size, but got padW = ${p.pw}, padH = ${p.ph}, kW = ${p.kw}, kH = ${p.kh}`);
  }
  if (p.wo < 1 || p.ho < 1) {
    const planes = s[nd - 3]!;
    throw new Error(`Given input size: (${planes}x${s[nd - 2]}x${s[nd - 1]}). Calculated output size: (${planes}x${p.ho}x${p.wo}). Output size is too small`);
  }
}

/** A pooling's size arguments, type-checked (Python's argument parser, before any other check). */
function poolArgs(fn: string, kernel: unknown, stride: unknown, padding: unknown, dilation: unknown): [number[], number[], number[], number[]] {
  return [
    intList(fn, "kernel_size", 2, kernel, 1),
    stride === undefined || stride === null ? [] : intList(fn, "stride", undefined, stride, 1),
    intList(fn, "padding", undefined, padding, 1),
    intList(fn, "dilation", undefined, dilation, 1),
  ];
}

/** The kernel, stride and padding of a pooling, with PyTorch's size-count errors. */
function poolSizes(fn: string, k: number[], st: number[], pd: number[]): { kh: number; kw: number; sh: number; sw: number; ph: number; pw: number } {
  if (k.length !== 1 && k.length !== 2) throw new Error(`${fn}: kernel_size must either be a single int, or a tuple of two ints`);
  const kh = k[0]!, kw = k.length === 1 ? kh : k[1]!;
  if (st.length > 2) throw new Error(`${fn}: stride must either be omitted, a single int, or a tuple of two ints`);
  const sh = st.length === 0 ? kh : st[0]!;
  const sw = st.length === 0 ? kw : st.length === 1 ? sh : st[1]!;
  if (pd.length !== 1 && pd.length !== 2) {
    throw new Error(fn === "max_pool2d" ? "max_pool2d: padding must be either be a single int, or a tuple of two ints" : `${fn}: padding must either be a single int, or a tuple of two ints`);
  }
  const ph = pd[0]!, pw = pd.length === 1 ? ph : pd[1]!;
  return { kh, kw, sh, sw, ph, pw };
}

function notImplemented(kernel: string, dtype: DType): Error {
  return new Error(`"${kernel}" not implemented for '${SCALAR_NAME[dtype]}'`);
}

/**
 * 2-D max pooling over the last two dims of a 3-D or 4-D input (PyTorch's `F.max_pool2d`),
 * recorded as `MaxPool2DWithIndicesBackward0`: the gradient goes to each window's maximum (a NaN
 * if there is one, else the first of equal maxima).
 *
 * @param kernelSize - The window: a number or `[kh, kw]`.
 * @param opts - `stride` (default: the kernel), `padding`, `dilation`, `ceilMode`.
 * @throws PyTorch's errors for settings and shapes that do not fit; for int32 and bool input.
 * @example
 * ```ts
 * torch.nn.functional.maxPool2d(torch.randn(1, 3, 8, 8), 2).shape; // [1, 3, 4, 4]
 * ```
 */
export function maxPool2d(input: Tensor, kernelSize: SizeArg, opts?: MaxPool2dOptions): Tensor {
  const fn = "max_pool2d";
  A.checkTensor(fn, "input", 1, input);
  A.checkOptions(fn, opts, { stride: "any", padding: "any", dilation: "any", ceilMode: "bool" });
  const o = opts ?? {};
  const [k, st, pd, dil] = poolArgs(fn, kernelSize, o.stride, o.padding ?? 0, o.dilation ?? 1);
  const { kh, kw, sh, sw, ph, pw } = poolSizes(fn, k, st, pd);
  if (dil.length !== 1 && dil.length !== 2) throw new Error("max_pool2d: dilation must be either a single int, or a tuple of two ints");
  const dh = dil[0]!, dw = dil.length === 1 ? dh : dil[1]!;
  if (input.ndim !== 3 && input.ndim !== 4) throw new Error("non-empty 3D or 4D (batch mode) tensor expected for input");
  const ceil = o.ceilMode ?? false;
  const ho = poolOutSize(input.shape[input.ndim - 2]!, kh, ph, sh, dh, ceil);
  const wo = poolOutSize(input.shape[input.ndim - 1]!, kw, pw, sw, dw, ceil);
  const p: PoolParams = { kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, countIncludePad: false, divisor: 0 };
  pool2dShapeCheck(input, p);
  if (input.dtype === "int32" || input.dtype === "bool") throw notImplemented("max_pool2d", input.dtype);
  const { values, indices } = maxPool(input, p);
  indices.dispose();
  return values;
}

/**
 * 2-D average pooling over the last two dims of a 3-D or 4-D input (PyTorch's `F.avg_pool2d`),
 * recorded as `AvgPool2DBackward0`. int32 input gives int32 averages (truncated, as PyTorch's
 * int64).
 *
 * @param kernelSize - The window: a number or `[kh, kw]`.
 * @param opts - `stride` (default: the kernel), `padding`, `ceilMode`, `countIncludePad` (default
 *   true), `divisorOverride`.
 * @throws PyTorch's errors for settings and shapes that do not fit; for bool input.
 * @example
 * ```ts
 * torch.nn.functional.avgPool2d(torch.ones(1, 1, 4, 4), 2); // every element 1
 * ```
 */
export function avgPool2d(input: Tensor, kernelSize: SizeArg, opts?: AvgPool2dOptions): Tensor {
  const fn = "avg_pool2d";
  A.checkTensor(fn, "input", 1, input);
  A.checkOptions(fn, opts, { stride: "any", padding: "any", ceilMode: "bool", countIncludePad: "bool", divisorOverride: "any" });
  const o = opts ?? {};
  const [k, st, pd] = poolArgs(fn, kernelSize, o.stride, o.padding ?? 0, 1);
  const divisor = o.divisorOverride ?? null;
  if (divisor !== null && !(typeof divisor === "number" && Number.isInteger(divisor))) throw A.argError(fn, "divisorOverride", undefined, "int", divisor);
  const { kh, kw, sh, sw, ph, pw } = poolSizes(fn, k, st, pd);
  if (divisor === 0) throw new Error("divisor must be not zero");
  const nd = input.ndim;
  if (nd < 3) {
    throw new Error(nd === 0 ? "dimension specified as -3 but tensor has no dimensions" : `Dimension out of range (expected to be in range of [${-nd}, ${nd - 1}], but got -3)`);
  }
  const ceil = o.ceilMode ?? false;
  const ho = poolOutSize(input.shape[nd - 2]!, kh, ph, sh, 1, ceil);
  const wo = poolOutSize(input.shape[nd - 1]!, kw, pw, sw, 1, ceil);
  const p: PoolParams = { kh, kw, sh, sw, ph, pw, dh: 1, dw: 1, ho, wo, countIncludePad: o.countIncludePad ?? true, divisor: divisor ?? 0 };
  pool2dShapeCheck(input, p);
  if (input.dtype === "bool") throw notImplemented("avg_pool2d", input.dtype);
  return avgPool(input, p);
}

/**
 * 2-D adaptive average pooling (PyTorch's `F.adaptive_avg_pool2d`): the last two dims of a 3-D or
 * 4-D input averaged into `outputSize` windows (`floor(i*H/Ho)` to `ceil((i+1)*H/Ho)`), recorded as
 * `AdaptiveAvgPool2DBackward0`. A 1x1 output is a mean over both dims (`MeanBackward1`), as in
 * PyTorch.
 *
 * @param outputSize - `n` (n x n), or `[h, w]` where `null` keeps that input size.
 * @throws PyTorch's errors for a wrong output size or input shape; for int32 and bool input.
 * @example
 * ```ts
 * torch.nn.functional.adaptiveAvgPool2d(torch.randn(2, 8, 7, 7), 1).shape; // [2, 8, 1, 1]
 * ```
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | (number | null)[]): Tensor {
  const fn = "adaptive_avg_pool2d";
  A.checkTensor(fn, "input", 1, input);
  let out: number[];
  if (typeof outputSize === "number" && Number.isInteger(outputSize)) {
    out = [outputSize, outputSize];
  } else if (Array.isArray(outputSize) && outputSize.every((v) => v === null || (typeof v === "number" && Number.isInteger(v)))) {
    // F.adaptive_avg_pool2d's _list_with_default: null keeps the input's size
    if (input.ndim <= outputSize.length) throw new Error(`Input dimension should be at least ${outputSize.length + 1}`);
    const tail = input.shape.slice(input.ndim - outputSize.length);
    out = outputSize.map((v, i) => v ?? tail[i]!);
  } else {
    throw A.argError(fn, "output_size", 2, "tuple of ints", outputSize);
  }
  if (out.length !== 2) throw new Error("adaptive_avg_pool2d: output_size must be 2");
  if (out[0]! < 0 || out[1]! < 0) {
    throw new Error(`adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {${out[0]}, ${out[1]}}`);
  }
  if (out[0] === 1 && out[1] === 1) return input.mean([-1, -2], true);
  const nd = input.ndim;
  if (nd !== 3 && nd !== 4) throw new Error(`adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ${sizes(input.shape)}`);
  for (const i of [-2, -1]) {
    if (!(input.shape[nd + i]! > 0)) {
      throw new Error(`adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes ${sizes(input.shape)} with dimension ${nd + i} being empty`);
    }
  }
  if (input.dtype === "int32" || input.dtype === "bool") throw notImplemented("adaptive_avg_pool2d", input.dtype);
  const p: PoolParams = { kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, ho: out[0]!, wo: out[1]!, countIncludePad: false, divisor: 0 };
  return adaptiveAvgPool(input, p);
}
