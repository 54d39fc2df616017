/**
 * torch.nn.init: fill a tensor in place (with grad recording off) with constants or random
 * numbers scaled as PyTorch 1.13's initialisers do (fan computations, gains), and return it.
 *
 * Arguments with a default come positionally in PyTorch's order or in a trailing options object:
 * `uniform_(w, -0.1, 0.1)` and `uniform_(w, { a: -0.1, b: 0.1 })` are the same;
 * `kaimingNormal_(w, { mode: "fan_out", nonlinearity: "relu" })`. The random numbers come from
 * wasmgrad's generator (`torch.manualSeed` repeats them), not from PyTorch's stream.
 * @module
 * @category Neural networks
 */
import * as A from "../argcheck.js";
import { noGrad } from "../autograd/grad_mode.js";
import { fromArray, rand, randn } from "../creation.js";
import { dtypeName, isFloating } from "../dtype.js";
import { Tensor } from "../tensor.js";

/** The nonlinearities {@link calculateGain} knows, as PyTorch names them. */
export type Nonlinearity =
  | "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d"
  | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";

/** A number as C++'s `<<` prints it in PyTorch's messages (`1`, `0.5`, `1e-07`). */
function cppNum(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return "0";
  const e = Math.floor(Math.log10(Math.abs(x)));
  if (e < -5 || e >= 6) {
    const [m, ex] = x.toExponential(5).split("e") as [string, string];
    const n = Number(ex);
    return `${m.replace(/\.?0+$/, "")}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  return String(Number(x.toPrecision(6)));
}

/**
 * Positional arguments after the tensor, or an options object in their place (or after some of
 * them), merged by name; a name given both ways is Python's "multiple values" error.
 */
function parseArgs(site: string, names: readonly string[], rest: unknown[]): Record<string, unknown> {
  let positional = rest;
  let opts: Record<string, unknown> = {};
  const last = rest[rest.length - 1];
  if (rest.length > 0 && A.kindOf(last) === "dict") {
    positional = rest.slice(0, -1);
    opts = last as Record<string, unknown>;
  }
  if (positional.length > names.length) {
    throw new TypeError(`${site}() takes from 1 to ${names.length + 1} positional arguments but ${positional.length + 1} were given`);
  }
  const out: Record<string, unknown> = {};
  positional.forEach((v, i) => { if (v !== undefined) out[names[i]!] = v; });
  for (const [k, v] of Object.entries(opts)) {
    if (!names.includes(k)) throw new TypeError(`${site}() got an unexpected keyword argument '${k}'`);
    if (v === undefined) continue;
    if (k in out) throw new TypeError(`${site}() got multiple values for argument '${k}'`);
    out[k] = v;
  }
  return out;
}

function numberArg(site: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number") throw A.argError(site, name, undefined, "Number", v);
  return v;
}

/** The bounds PyTorch's uniform_ checks `from` and `to` against (the dtype's finite range). */
function checkBound(v: number, what: "from" | "to", dtype: Tensor["dtype"]): void {
  const max = dtype === "float64" ? Number.MAX_VALUE : 3.4028234663852886e38;
  if (!(v >= -max && v <= max)) throw new Error(`${what} is out of bounds for ${dtype === "float64" ? "double" : "float"}`);
}

/** Write `fill(u)` for fresh random draws into `t`, in place and unrecorded. */
function fillRandom(t: Tensor, kernel: string, draw: "uniform" | "normal", map: (u: number) => number): Tensor {
  if (!isFloating(t.dtype)) throw new Error(`"${kernel}" not implemented for '${dtypeName(t.dtype, "scalar")}'`);
  const n = t.numel();
  if (n === 0) return t;
  // draws in float64; float32 targets take 24-bit uniforms, as PyTorch's float generator, so a
  // bound b stays excluded after rounding
  const src = draw === "uniform" ? rand([n], { dtype: "float64" }) : randn([n], { dtype: "float64" });
  const u = src.toArray() as Float64Array;
  src.dispose();
  const out = t.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  const quantum = t.dtype === "float64" ? 0 : 2 ** 24;
  for (let i = 0; i < n; i++) {
    const x = draw === "uniform" && quantum > 0 ? Math.floor(u[i]! * quantum) / quantum : u[i]!;
    out[i] = map(x);
  }
  const values = fromArray(out, t.shape.slice());
  try {
    noGrad(() => t.copy_(values));
  } finally {
    values.dispose();
  }
  return t;
}

/**
 * Fill `tensor` with numbers drawn uniformly from [a, b) (PyTorch's `nn.init.uniform_`).
 * @param tensor - A floating tensor.
 * @param args - `a = 0`, `b = 1`, positionally or as `{ a, b }`.
 * @returns `tensor`.
 * @throws PyTorch's `uniform_ expects to return a [from, to) range, but found from=1 > to=0`, `from
 *   is out of bounds for float`; `"check_uniform_bounds" not implemented for 'Int'` for a
 *   non-floating tensor.
 * @example
 * ```ts
 * torch.nn.init.uniform_(layer.weight, -0.1, 0.1);
 * ```
 */
export function uniform_(tensor: Tensor, ...args: (number | { a?: number; b?: number } | undefined)[]): Tensor {
  A.checkTensor("uniform_", "tensor", 1, tensor);
  const o = parseArgs("uniform_", ["a", "b"], args);
  const a = numberArg("uniform_", "a", o.a, 0), b = numberArg("uniform_", "b", o.b, 1);
  if (isFloating(tensor.dtype)) {
    checkBound(a, "from", tensor.dtype);
    checkBound(b, "to", tensor.dtype);
    if (!(a <= b)) throw new Error(`uniform_ expects to return a [from, to) range, but found from=${cppNum(a)} > to=${cppNum(b)}`);
  }
  return fillRandom(tensor, "check_uniform_bounds", "uniform", (u) => a + (b - a) * u);
}

/**
 * Fill `tensor` with numbers drawn from N(mean, std²) (PyTorch's `nn.init.normal_`).
 * @param tensor - A floating tensor.
 * @param args - `mean = 0`, `std = 1`, positionally or as `{ mean, std }`.
 * @returns `tensor`.
 * @throws PyTorch's `normal expects std >= 0.0, but found std -1`.
 * @example
 * ```ts
 * torch.nn.init.normal_(embedding.weight, 0, 0.02);
 * ```
 */
export function normal_(tensor: Tensor, ...args: (number | { mean?: number; std?: number } | undefined)[]): Tensor {
  A.checkTensor("normal_", "tensor", 1, tensor);
  const o = parseArgs("normal_", ["mean", "std"], args);
  const mean = numberArg("normal_", "mean", o.mean, 0), std = numberArg("normal_", "std", o.std, 1);
  if (!(std >= 0)) throw new Error(`normal expects std >= 0.0, but found std ${cppNum(std)}`);
  return fillRandom(tensor, "normal_kernel_cpu", "normal", (z) => mean + std * z);
}

/**
 * Fill `tensor` with `val` (PyTorch's `nn.init.constant_`).
 * @returns `tensor`.
 */
export function constant_(tensor: Tensor, val: number): Tensor {
  A.checkTensor("constant_", "tensor", 1, tensor);
  A.checkNumber("constant_", "val", 2, val);
  noGrad(() => tensor.fill_(val));
  return tensor;
}

/**
 * Fill `tensor` with ones (PyTorch's `nn.init.ones_`).
 * @returns `tensor`.
 */
export function ones_(tensor: Tensor): Tensor {
  A.checkTensor("ones_", "tensor", 1, tensor);
  noGrad(() => tensor.fill_(1));
  return tensor;
}

/**
 * Fill `tensor` with zeros (PyTorch's `nn.init.zeros_`).
 * @returns `tensor`.
 */
export function zeros_(tensor: Tensor): Tensor {
  A.checkTensor("zeros_", "tensor", 1, tensor);
  noGrad(() => tensor.zero_());
  return tensor;
}

/**
 * The recommended gain for a nonlinearity (PyTorch's `nn.init.calculate_gain`): 1 for linear
 * layers and sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (`param`:
 * the negative slope, default 0.01), 3/4 for selu.
 * @throws PyTorch's `Unsupported nonlinearity foo`, `negative_slope x not a valid number`.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  if (typeof nonlinearity !== "string") throw A.argError("calculate_gain", "nonlinearity", 1, "str", nonlinearity);
  switch (nonlinearity) {
    case "linear": case "conv1d": case "conv2d": case "conv3d":
    case "conv_transpose1d": case "conv_transpose2d": case "conv_transpose3d": case "sigmoid":
      return 1;
    case "tanh": return 5 / 3;
    case "relu": return Math.sqrt(2);
    case "leaky_relu": {
      if (param !== undefined && param !== null && typeof param !== "number") {
        throw new Error(`negative_slope ${typeof param === "string" ? param : A.show(param)} not a valid number`);
      }
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope ** 2));
    }
    case "selu": return 3 / 4;
  }
  throw new Error(`Unsupported nonlinearity ${nonlinearity}`);
}

/**
 * PyTorch's fan-in and fan-out of a weight: `size(1)` and `size(0)` times the product of the
 * remaining sizes (a convolution's receptive field).
 * @throws `Fan in and fan out can not be computed for tensor with fewer than 2 dimensions`.
 */
export function calculateFanInAndFanOut(tensor: Tensor): [fanIn: number, fanOut: number] {
  A.checkTensor("_calculate_fan_in_and_fan_out", "tensor", 1, tensor);
  if (tensor.ndim < 2) throw new Error("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  const receptive = tensor.shape.slice(2).reduce((a, b) => a * b, 1);
  return [tensor.shape[1]! * receptive, tensor.shape[0]! * receptive];
}

function gainArg(site: string, args: unknown[]): number {
  const o = parseArgs(site, ["gain"], args);
  return numberArg(site, "gain", o.gain, 1);
}

/**
 * Xavier/Glorot uniform initialisation: U(-bound, bound) with bound = gain·√(6 / (fanIn + fanOut))
 * (PyTorch's `nn.init.xavier_uniform_`).
 * @param args - `gain = 1`, positionally or as `{ gain }`.
 * @returns `tensor`.
 */
export function xavierUniform_(tensor: Tensor, ...args: (number | { gain?: number } | undefined)[]): Tensor {
  A.checkTensor("xavier_uniform_", "tensor", 1, tensor);
  const gain = gainArg("xavier_uniform_", args);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std;
  return uniform_(tensor, -a, a);
}

/**
 * Xavier/Glorot normal initialisation: N(0, std²) with std = gain·√(2 / (fanIn + fanOut))
 * (PyTorch's `nn.init.xavier_normal_`).
 * @param args - `gain = 1`, positionally or as `{ gain }`.
 * @returns `tensor`.
 */
export function xavierNormal_(tensor: Tensor, ...args: (number | { gain?: number } | undefined)[]): Tensor {
  A.checkTensor("xavier_normal_", "tensor", 1, tensor);
  const gain = gainArg("xavier_normal_", args);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return normal_(tensor, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Options of the Kaiming initialisers. */
export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer, for `leaky_relu` (default 0). */
  a: number;
  /** `"fan_in"` (default: keeps the forward pass's variance) or `"fan_out"` (the backward's). */
  mode: "fan_in" | "fan_out";
  /** The nonlinearity after this layer (default `"leaky_relu"`); see {@link calculateGain}. */
  nonlinearity: Nonlinearity;
}

/** The std of PyTorch's kaiming initialisers, or null for a tensor with no elements (a no-op). */
function kaimingStd(site: string, tensor: Tensor, args: unknown[]): number | null {
  A.checkTensor(site, "tensor", 1, tensor);
  const o = parseArgs(site, ["a", "mode", "nonlinearity"], args);
  const a = numberArg(site, "a", o.a, 0);
  const mode = o.mode ?? "fan_in", nonlinearity = o.nonlinearity ?? "leaky_relu";
  if (typeof mode !== "string") throw A.argError(site, "mode", undefined, "str", mode);
  if (typeof nonlinearity !== "string") throw A.argError(site, "nonlinearity", undefined, "str", nonlinearity);
  if (tensor.shape.includes(0)) return null; // PyTorch warns "Initializing zero-element tensors is a no-op"
  const m = mode.toLowerCase();
  if (m !== "fan_in" && m !== "fan_out") throw new Error(`Mode ${m} not supported, please use one of ['fan_in', 'fan_out']`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const gain = calculateGain(nonlinearity as Nonlinearity, a);
  return gain / Math.sqrt(m === "fan_in" ? fanIn : fanOut);
}

/**
 * Kaiming/He uniform initialisation: U(-bound, bound) with bound = gain·√(3 / fan) (PyTorch's
 * `nn.init.kaiming_uniform_`; `nn.Linear` uses it with `a = √5`).
 * @param args - `a = 0`, `mode = "fan_in"`, `nonlinearity = "leaky_relu"`, positionally or as
 *   {@link KaimingOptions}.
 * @returns `tensor` (unchanged when it has no elements).
 * @throws PyTorch's `Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']`,
 *   `Unsupported nonlinearity foo`, and the fan error for fewer than 2 dimensions.
 * @example
 * ```ts
 * torch.nn.init.kaimingUniform_(conv.weight, { a: Math.sqrt(5) });
 * ```
 */
export function kaimingUniform_(tensor: Tensor, ...args: (number | string | Partial<KaimingOptions> | undefined)[]): Tensor {
  const std = kaimingStd("kaiming_uniform_", tensor, args);
  if (std === null) return tensor;
  const bound = Math.sqrt(3) * std;
  return uniform_(tensor, -bound, bound);
}

/**
 * Kaiming/He normal initialisation: N(0, std²) with std = gain / √fan (PyTorch's
 * `nn.init.kaiming_normal_`).
 * @param args - `a = 0`, `mode = "fan_in"`, `nonlinearity = "leaky_relu"`, positionally or as
 *   {@link KaimingOptions}.
 * @returns `tensor` (unchanged when it has no elements).
 * @example
 * ```ts
 * torch.nn.init.kaimingNormal_(conv.weight, { mode: "fan_out", nonlinearity: "relu" });
 * ```
 */
export function kaimingNormal_(tensor: Tensor, ...args: (number | string | Partial<KaimingOptions> | undefined)[]): Tensor {
  const std = kaimingStd("kaiming_normal_", tensor, args);
  if (std === null) return tensor;
  return normal_(tensor, 0, std);
}
