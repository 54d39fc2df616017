/**
 * More elementwise ops: log1p, expm1, rsqrt, reciprocal, erf, square, the rounding ops, atan2,
 * lerp, masked_fill, and the activations PyTorch keeps in nn.functional (leaky_relu, gelu, silu,
 * softplus, elu, hardtanh, logsigmoid). Forward: one kernel each (Backend.unary /
 * unaryParams). Backward: the activations' gradients are kernels too (Backend.unaryBackward),
 * except under createGraph, where the rule writes PyTorch's formula in Tensor ops so that it
 * can be differentiated again (the gradient of a gradient).
 */
import { Bin, Un, type UnOp } from "../backend/backend.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { dtypeName, isFloating, resultType, type DType } from "../dtype.js";
import { broadcastShapes, broadcastStrides } from "../shape.js";
import { Tensor, type TensorOrScalar } from "../tensor.js";
import { checkFitsInt32, checkOptions } from "../argcheck.js";
import { allocTensor, castRaw, compute, contiguousRaw, handleOf, moveTo, record, rule, scalarTensor, wantsGrad, type RuleBackward, type TypedRule } from "./core.js";
import { binaryRaw, clamp, pow, unaryRaw, where } from "./elementwise.js";

/** A dtype's name in "not implemented for 'X'" (int32 is 'Int', as elsewhere in the library). */
export function kernelTypeName(dtype: DType): string {
  return dtypeName(dtype, "scalar");
}

/** A unary op whose rule reads its input or its output. */
function unary(op: UnOp, x: Tensor, r: TypedRule<[Tensor], null>, save: "input" | "output"): Tensor {
  const out = unaryRaw(op, x);
  if (wantsGrad(x)) record(out, r, [x], [save === "input" ? x : out]);
  return out;
}

/** g * op'(x; a, b) by the gradient kernel (no autograd). */
function unaryBackwardRaw(op: UnOp, g: Tensor, x: Tensor, a = 0, b = 0): Tensor {
  const be = x._storage.backend;
  const gc = contiguousRaw(g.dtype === x.dtype ? moveTo(g, be) : castRaw(g, x.dtype));
  const xc = contiguousRaw(x);
  const out = allocTensor(be, x.dtype, x.shape.slice(), false);
  be.unaryBackward(op, x.dtype, handleOf(gc), gc._offset, handleOf(xc), xc._offset, out._storage.handle, out.numel(), a, b);
  if (gc !== g) gc.dispose();
  if (xc !== x) xc.dispose();
  return out;
}

// ---- log1p, expm1, rsqrt, reciprocal, erf, square ------------------------------------------------
// (integer and bool inputs give float32, as PyTorch's unary float ops)

const Log1pBackward = rule<[Tensor]>("Log1PBackward0", (g, [x]) => [g.div(x.add(1))]);
export const log1p = (x: Tensor) => unary(Un.LOG1P, x, Log1pBackward, "input");

const Expm1Backward = rule<[Tensor]>("Expm1Backward0", (g, [result]) => [g.mul(result.add(1))]);
export const expm1 = (x: Tensor) => unary(Un.EXPM1, x, Expm1Backward, "output");

// -0.5 * grad * result^3
const RsqrtBackward = rule<[Tensor]>("RsqrtBackward0", (g, [result]) => [g.mul(-0.5).mul(result.pow(3))]);
export const rsqrt = (x: Tensor) => unary(Un.RSQRT, x, RsqrtBackward, "output");

// -grad * result^2
const ReciprocalBackward = rule<[Tensor]>("ReciprocalBackward0", (g, [result]) => [g.neg().mul(result.mul(result))]);
export const reciprocal = (x: Tensor) => unary(Un.RECIPROCAL, x, ReciprocalBackward, "output");

// 2 / sqrt(pi) * exp(-x^2) * grad
const ErfBackward = rule<[Tensor]>("ErfBackward0", (g, [x]) => [
  isGradEnabled() ? x.pow(2).neg().exp().mul(2 / Math.sqrt(Math.PI)).mul(g) : unaryBackwardRaw(Un.ERF, g, x),
]);
export const erf = (x: Tensor) => unary(Un.ERF, x, ErfBackward, "input");

/** x * x, as PyTorch's square: pow(x, 2) (PowBackward0); a bool tensor squares to int32. */
export function square(x: Tensor): Tensor {
  if (x.dtype !== "bool") return pow(x, 2);
  return compute(() => pow(castRaw(x, "int32"), 2));
}

// ---- floor, ceil, round, trunc: no gradient through them (zeros, as PyTorch) ------------------

function zerosRule(name: string) {
  return rule(name, (g) => [allocTensor(g._storage.backend, g.dtype, g.shape.slice())]);
}
const ROUNDING = {
  floor: [Un.FLOOR, zerosRule("FloorBackward0")],
  ceil: [Un.CEIL, zerosRule("CeilBackward0")],
  round: [Un.ROUND, zerosRule("RoundBackward0")],
  trunc: [Un.TRUNC, zerosRule("TruncBackward0")],
} as const;

/** floor/ceil/round (half to even)/trunc; an int32 tensor comes back as a copy. */
export function rounding(kind: keyof typeof ROUNDING, x: Tensor): Tensor {
  if (x.dtype === "bool") throw new Error(`"${kind}_vml_cpu" not implemented for 'Bool'`);
  const [op, r] = ROUNDING[kind];
  const out = isFloating(x.dtype) ? unaryRaw(op, x) : castRaw(x, x.dtype);
  if (wantsGrad(x)) record(out, r, [x], null);
  return out;
}

// ---- the nn.functional activations ---------------------------------------------------------

/** What an activation's rule knows: its op's parameters. */
type Params = [number, number];

/**
 * An activation's rule: the gradient kernel, or under createGraph `composite` (PyTorch's
 * formula in Tensor ops, differentiable again).
 */
function activationRule(name: string, op: UnOp, composite: (g: Tensor, x: Tensor, a: number, b: number) => Tensor) {
  return rule<[Tensor], Params>(name, (g, [x], [a, b]) => [
    isGradEnabled() ? composite(g, x, a, b) : unaryBackwardRaw(op, g, x, a, b),
  ]);
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const KAPPA = 0.044715;

const RULES = {
  // x > 0 ? g : g * slope
  [Un.LEAKY_RELU]: activationRule("LeakyReluBackward0", Un.LEAKY_RELU, (g, x, slope) => where(x.gt(0), g, g.mul(slope))),
  // x <= 0 ? g * alpha * exp(x) : g
  [Un.ELU]: activationRule("EluBackward0", Un.ELU, (g, x, alpha) => where(x.le(0), g.mul(alpha).mul(x.exp()), g)),
  // x * beta > threshold ? g : g * z / (z + 1), z = exp(x * beta)
  [Un.SOFTPLUS]: activationRule("SoftplusBackward0", Un.SOFTPLUS, (g, x, beta, threshold) => {
    const z = x.mul(beta).exp();
    return where(x.mul(beta).gt(threshold), g, g.mul(z).div(z.add(1)));
  }),
  // 0 outside (min, max)
  [Un.HARDTANH]: activationRule("HardtanhBackward0", Un.HARDTANH, (g, x, min, max) => where(x.le(min), 0, where(x.ge(max), 0, g))),
  // g * s * (1 + x * (1 - s)), s = sigmoid(x)
  [Un.SILU]: activationRule("SiluBackward0", Un.SILU, (g, x) => {
    const s = x.sigmoid();
    return g.mul(s).mul(x.mul(s.neg().add(1)).add(1));
  }),
  // g * (cdf + x * pdf)
  [Un.GELU]: activationRule("GeluBackward0", Un.GELU, (g, x) => {
    const cdf = x.mul(SQRT1_2).erf().add(1).mul(0.5);
    const pdf = x.mul(x).mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
    return g.mul(cdf.add(x.mul(pdf)));
  }),
  [Un.GELU_TANH]: activationRule("GeluBackward0", Un.GELU_TANH, (g, x) => {
    const x2 = x.mul(x);
    const t = x.add(x2.mul(x).mul(KAPPA)).mul(SQRT_2_OVER_PI).tanh();
    const left = x.mul(0.5);
    const dl = t.add(1).mul(0.5);
    const dr = left.mul(t.mul(t).neg().add(1)).mul(SQRT_2_OVER_PI).mul(x2.mul(3 * KAPPA).add(1));
    return g.mul(dl.add(dr));
  }),
  // g * (1 - sigmoid(x)) = g * sigmoid(-x)
  [Un.LOG_SIGMOID]: activationRule("LogSigmoidBackward0", Un.LOG_SIGMOID, (g, x) => g.mul(x.neg().sigmoid())),
} as const;
type ActivationOp = keyof typeof RULES;

/** PyTorch's kernel names in "not implemented for" errors. */
const KERNEL_NAMES: Record<ActivationOp, string> = {
  [Un.LEAKY_RELU]: "leaky_relu_cpu", [Un.ELU]: "elu_cpu", [Un.SOFTPLUS]: "softplus_cpu", [Un.HARDTANH]: "hardtanh",
  [Un.SILU]: "silu_cpu", [Un.GELU]: "GeluKernelImpl", [Un.GELU_TANH]: "GeluKernelImpl", [Un.LOG_SIGMOID]: "log_sigmoid_cpu",
};

/** A float activation: one kernel forward, its rule (gradient at the saved input) recorded. */
function activation(op: ActivationOp, x: Tensor, a = 0, b = 0): Tensor {
  if (!isFloating(x.dtype)) throw new Error(`"${KERNEL_NAMES[op]}" not implemented for '${kernelTypeName(x.dtype)}'`);
  const be = x._storage.backend;
  const src = contiguousRaw(x);
  const out = allocTensor(be, x.dtype, x.shape.slice(), false);
  be.unaryParams(op, x.dtype, handleOf(src), src._offset, out._storage.handle, out.numel(), a, b);
  if (src !== x) src.dispose();
  if (wantsGrad(x)) record(out, RULES[op], [x], [x], [a, b]);
  return out;
}

/** gelu's `approximate` option: "none" (default) or "tanh" (PyTorch's messages otherwise). */
export function geluApproximate(fn: string, opts: unknown): "none" | "tanh" {
  checkOptions(fn, opts, { approximate: "string" });
  const a = (opts as { approximate?: string } | undefined)?.approximate ?? "none";
  if (a !== "none" && a !== "tanh") throw new Error("approximate argument must be either none or tanh.");
  return a;
}

export const leakyRelu = (x: Tensor, slope: number) => activation(Un.LEAKY_RELU, x, slope);
export const elu = (x: Tensor, alpha: number) => activation(Un.ELU, x, alpha);
export const softplus = (x: Tensor, beta: number, threshold: number) => activation(Un.SOFTPLUS, x, beta, threshold);
export const silu = (x: Tensor) => activation(Un.SILU, x);
export const gelu = (x: Tensor, approximate: "none" | "tanh") => activation(approximate === "tanh" ? Un.GELU_TANH : Un.GELU, x);
export const logSigmoid = (x: Tensor) => activation(Un.LOG_SIGMOID, x);

/** hardtanh: clamp to [min, max] with a gradient only strictly inside; an int32 tensor is clamped
 *  to the bounds truncated to integers, as PyTorch converts them to int64. */
export function hardtanh(x: Tensor, min: number, max: number): Tensor {
  if (x.dtype === "bool") throw new Error("Bool inputs not supported for hardtanh");
  if (x.dtype === "int32") {
    const lo = Math.trunc(min), hi = Math.trunc(max);
    checkFitsInt32(lo, "int64");
    checkFitsInt32(hi, "int64");
    return compute(() => clamp(x, lo, hi));
  }
  return activation(Un.HARDTANH, x, min, max);
}

// ---- atan2, lerp, masked_fill ------------------------------------------------------------------

// d atan2(a, b) = g * b / (a^2 + b^2), g * -a / (a^2 + b^2)
const Atan2Backward = rule<[Tensor, Tensor]>("Atan2Backward0", (g, [a, b], _, needsInputGrad) => {
  const recip = a.mul(a).add(b.mul(b)).reciprocal();
  return [
    needsInputGrad(0) ? g.mul(b).mul(recip) : null,
    needsInputGrad(1) ? g.mul(a.neg()).mul(recip) : null,
  ];
});
/** atan2(a, b) elementwise with broadcasting; integer and bool operands give float32. */
export function atan2(a: Tensor, b: Tensor): Tensor {
  let dtype = resultType([a, b]);
  if (!isFloating(dtype)) dtype = "float32";
  const out = compute(() => binaryRaw(Bin.ATAN2, a.dtype === dtype ? a : castRaw(a, dtype), b.dtype === dtype ? b : castRaw(b, dtype)));
  if (wantsGrad(a, b)) record(out, Atan2Backward, [a, b], [a, b]);
  return out;
}

// weight a number: self gets g * (1 - w), end g * w
const LerpBackward0 = rule<[], number>("LerpBackward0", (g, _, w, needsInputGrad) => [
  needsInputGrad(0) ? g.mul(1 - w) : null,
  needsInputGrad(1) ? g.mul(w) : null,
]);
// weight a tensor: also weight gets g * (end - self)
const LerpBackward1 = rule<[Tensor, Tensor, Tensor]>("LerpBackward1", (g, [self, end, w], _, needsInputGrad) => [
  needsInputGrad(0) ? g.mul(w.neg().add(1)) : null,
  needsInputGrad(1) ? g.mul(w) : null,
  needsInputGrad(2) ? g.mul(end.sub(self)) : null,
]);
/**
 * self + weight * (end - self), by PyTorch's formula: weight < 0.5 ? self + weight * (end - self)
 * : end - (end - self) * (1 - weight), which is exact at both ends.
 */
export function lerp(self: Tensor, end: Tensor, weight: TensorOrScalar): Tensor {
  if (end.dtype !== self.dtype) throw new Error(`expected dtype ${dtypeWord(self.dtype)} for \`end\` but got dtype ${dtypeWord(end.dtype)}`);
  if (weight instanceof Tensor && weight.dtype !== self.dtype) {
    throw new Error(`expected dtype ${dtypeWord(self.dtype)} for \`weight\` but got dtype ${dtypeWord(weight.dtype)}`);
  }
  if (!isFloating(self.dtype)) throw new Error(`"lerp_kernel_scalar" not implemented for '${kernelTypeName(self.dtype)}'`);
  const out = compute(() => {
    const diff = binaryRaw(Bin.SUB, end, self);
    if (typeof weight === "number") {
      // 1 - weight in the dtype, as PyTorch converts the weight first
      const w = self.dtype === "float32" ? Math.fround(weight) : weight;
      return Math.abs(w) < 0.5 ? binaryRaw(Bin.ADD, self, binaryRaw(Bin.MUL, diff, w))
        : binaryRaw(Bin.SUB, end, binaryRaw(Bin.MUL, diff, 1 - w));
    }
    const w = weight as Tensor;
    const low = binaryRaw(Bin.ADD, self, binaryRaw(Bin.MUL, w, diff));
    const high = binaryRaw(Bin.SUB, end, binaryRaw(Bin.MUL, diff, binaryRaw(Bin.SUB, scalarTensor(1, w.dtype, w._storage.backend), w)));
    return where(binaryRaw(Bin.LT, w.abs(), 0.5), low, high);
  });
  if (typeof weight === "number") {
    if (wantsGrad(self, end)) record(out, LerpBackward0, [self, end], null, weight);
  } else if (wantsGrad(self, end, weight as Tensor)) {
    record(out, LerpBackward1, [self, end, weight as Tensor], [self, end, weight as Tensor]);
  }
  return out;
}

/** PyTorch's lower-case dtype word in lerp's and masked_fill's messages. */
function dtypeWord(d: DType): string {
  return { float32: "float", float64: "double", int32: "int", bool: "bool" }[d];
}

// self's gradient: grad where the mask is false; value's (a 0-d tensor): the sum where it is true
const maskedFillGrad: RuleBackward<[Tensor], null> = (g, [mask], _, needsInputGrad) => [
  needsInputGrad(0) ? where(mask, 0, g) : null,
  needsInputGrad(1) ? where(mask, g, 0).sum() : null,
];
const MaskedFillBackward0 = rule("MaskedFillBackward0", maskedFillGrad); // a number value
const MaskedFillBackward1 = rule("MaskedFillBackward1", maskedFillGrad); // a 0-d tensor value
/**
 * self with `value` where `mask` (bool, broadcast with self) is true; the result has the
 * broadcast shape and self's dtype. value: a number or a 0-d tensor.
 */
export function maskedFill(self: Tensor, mask: Tensor, value: TensorOrScalar): Tensor {
  if (mask.dtype !== "bool") throw new Error(`masked_fill_ only supports boolean masks, but got mask with dtype ${dtypeWord(mask.dtype)}`);
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new Error(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`);
  }
  const be = self._storage.backend;
  const dtype = self.dtype;
  const shape = broadcastShapes(mask.shape, self.shape);
  const v = value instanceof Tensor ? value.item() : value;
  if (dtype === "int32" && typeof v === "number") checkFitsInt32(Math.trunc(v), "int64");
  const out = compute(() => {
    const m = moveTo(mask, be);
    // the value in self's dtype (as a store converts it: int32 truncates, bool tests != 0)
    const vt = scalarTensor(dtype === "int32" ? Math.trunc(+v) : v, dtype, be);
    const res = allocTensor(be, dtype, shape.slice(), false);
    be.where(
      dtype,
      handleOf(m), m._offset, broadcastStrides(m.shape, m._strides, shape),
      handleOf(vt), vt._offset, shape.map(() => 0),
      handleOf(self), self._offset, broadcastStrides(self.shape, self._strides, shape),
      res._storage.handle, shape,
    );
    return res;
  });
  const vTensor = value instanceof Tensor ? value : null;
  if (wantsGrad(self, vTensor)) record(out, vTensor === null ? MaskedFillBackward0 : MaskedFillBackward1, vTensor === null ? [self] : [self, vTensor], [mask]);
  return out;
}
