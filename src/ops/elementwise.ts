/**
 * Elementwise ops. Each op: its forward (one kernel call) and its gradient rule
 * (PyTorch's derivatives.yaml formula, in Tensor ops) side by side.
 */
import { Bin, Un, type BinOp, type UnOp } from "../backend/backend.js";
import { isFloating, resultType, type DType, dtypeName } from "../dtype.js";
import { broadcastShapes, broadcastStrides, isContiguous, sameShape } from "../shape.js";
import { Tensor, type TensorOrScalar } from "../tensor.js";
import { allocTensor, castRaw, compute, contiguousRaw, handleOf, int32OverflowError, moveTo, outsideInt32, record, rule, scalarTensor, scratchScalar, toInt32Checked, wantsGrad, type TypedRule } from "./core.js";

// ---- raw forward kernels (no autograd) -----------------------------------------------------

const FLOAT_ONLY_UNARY = new Set<UnOp>([Un.EXP, Un.LOG, Un.SQRT, Un.SIN, Un.COS, Un.TANH, Un.SIGMOID, Un.LOG1P, Un.EXPM1, Un.RSQRT, Un.RECIPROCAL, Un.ERF]);

export function unaryRaw(op: UnOp, x: Tensor): Tensor {
  const be = x._storage.backend;
  let src = x;
  let dtype = x.dtype;
  if (dtype === "bool" && !FLOAT_ONLY_UNARY.has(op)) {
    if (op === Un.NEG) throw new Error("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
    if (op === Un.ABS) throw new Error(`"abs_cpu" not implemented for 'Bool'`);
    if (op === Un.RELU) throw new Error("Boolean inputs not supported for relu");
    return castRaw(x, "bool"); // sign of a bool is itself
  }
  if (!isFloating(dtype) && FLOAT_ONLY_UNARY.has(op)) {
    dtype = "float32";
    src = castRaw(x, dtype);
  } else {
    src = contiguousRaw(x);
  }
  const out = allocTensor(be, dtype, x.shape.slice(), false);
  const offset = src._offset, n = out.numel();
  const overflow = be.unary(op, dtype, handleOf(src), offset, out._storage.handle, n);
  if (src !== x) src.dispose();
  if (overflow) { out.dispose(); throw int32OverflowError(op === Un.NEG ? "neg" : "abs"); }
  if (src === x && out._storage.wantsRecipe) out._storage.recordRecipe([x._storage], (p, o) => { be.unary(op, dtype, p[0], offset, o, n); });
  return out;
}

const COMPARISON = (op: BinOp) => op >= Bin.EQ && op <= Bin.GE;

/** Tensor-or-number operand → tensor on `a`'s backend, and the dtype both compute in. */
const OP_NAMES = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "atan2"];

/** PyTorch's argument-type error for an operand that is neither a tensor nor a number. */
export function checkOperand(op: string, x: unknown, position = 1): void {
  if (x instanceof Tensor || typeof x === "number" || typeof x === "boolean") return;
  const kind = x === null ? "NoneType" : x === undefined ? "undefined" : Array.isArray(x) ? "list" : typeof x === "string" ? "str" : typeof x;
  throw new TypeError(`${op}(): argument 'other' (position ${position}) must be Tensor or Number, not ${kind}`);
}

/**
 * The tensor an in-place op (ops/inplace.ts) writes its result into: set around the op,
 * taken once by the op it calls (add, sub, mul, div, clamp), which hands it to binaryRaw.
 */
let inplaceTarget: Tensor | null = null;
export function withInplaceTarget<T>(x: Tensor, fn: () => T): T {
  const prev = inplaceTarget;
  inplaceTarget = x;
  try { return fn(); } finally { inplaceTarget = prev; }
}
function takeTarget(): Tensor | null {
  const t = inplaceTarget;
  inplaceTarget = null;
  return t;
}

/**
 * Whether a binary kernel can write its result straight into `x`'s storage, and in which
 * dimension order: `true` for the order they have (x is contiguous: the common case, which
 * allocates nothing), a permutation, or null when it can't. x must be dense from element 0 in
 * some order of its dimensions (contiguous, or permuted like a transpose): kernels write `out` contiguously
 * from its start. The result must have x's shape and dtype. An operand sharing x's storage
 * must read it at x's own layout: each element is then read before it is written, which
 * both backends' kernels allow (a broadcast or shifted read of x would see new values).
 */
function directOrder(
  x: Tensor, dtype: DType, shape: readonly number[], be: Tensor["_storage"]["backend"],
  a: Tensor, aStrides: readonly number[], b: Tensor, bStrides: readonly number[],
): number[] | true | null {
  if (x.isDisposed || x._storage.backend !== be || x.dtype !== dtype || x._offset !== 0) return null;
  const nd = shape.length;
  if (nd !== x.ndim || !sameShape(shape, x.shape)) return null;
  const xs = x._strides;
  let order: number[] | true = true;
  if (!isContiguous(shape, xs)) {
    order = [...Array(nd).keys()].sort((i, j) => xs[j]! - xs[i]! || i - j);
    if (!isContiguous(order.map((d) => shape[d]!), order.map((d) => xs[d]!))) return null;
  }
  if (!readsInPlace(x, a, aStrides) || !readsInPlace(x, b, bStrides)) return null;
  return order;
}

/** Whether operand `t` (read at `strides` over the result's shape, x's) reads x's storage, if at
 *  all, at x's own layout. */
function readsInPlace(x: Tensor, t: Tensor, strides: readonly number[]): boolean {
  if (t._storage !== x._storage) return true;
  if (t._offset !== 0) return false;
  const shape = x.shape, xs = x._strides;
  for (let d = 0; d < shape.length; d++) if (shape[d] !== 1 && strides[d] !== xs[d]) return false;
  return true;
}

/** A new tensor object over x's storage and layout: an op's result written into x. */
function aliasOf(x: Tensor): Tensor {
  return new Tensor(x._storage.retain(), x.shape.slice(), x._strides.slice(), x._offset);
}

/** int32 ops whose result can leave the int32 range (the kernels report it). */
const CAN_OVERFLOW = (op: BinOp) => op === Bin.ADD || op === Bin.SUB || op === Bin.MUL || op === Bin.POW;

/**
 * op(a, b) with broadcasting (no autograd), written into `into` when the kernel can (in-place
 * ops), else into a new tensor. An int32 result that does not fit raises, naming the op as
 * called (`name`), before anything is written into `into`.
 */
export function binaryRaw(op: BinOp, a: Tensor, b: TensorOrScalar, into: Tensor | null = null, name = OP_NAMES[op]! + (into !== null ? "_" : "")): Tensor {
  checkOperand(name, b);
  const be = a._storage.backend;
  let dtype = resultType([a, b]);
  const compare = COMPARISON(op);
  if (dtype === "bool" && !compare) {
    if (op === Bin.SUB) {
      throw new Error("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.");
    }
    if (op === Bin.POW) throw new Error(`"pow" not implemented for 'Bool'`);
  }
  if (op === Bin.DIV && !isFloating(dtype)) dtype = "float32"; // true division
  if (op === Bin.POW && !isFloating(dtype) && !(b instanceof Tensor) && (b as number) < 0) {
    throw new Error("Integers to negative integer powers are not allowed.");
  }
  // bool arithmetic (add = or, mul = and, maximum, minimum) runs on 0/1 int32 and is cast back
  // (kernels take float32/float64/int32: bool comparisons run on 0/1 int32 too)
  const work: DType = dtype === "bool" ? "int32" : dtype;
  if (work === "int32" && typeof b === "number" && outsideInt32(b)) return wideNumberOp(op, a, b, compare, name);
  const bt = b instanceof Tensor ? moveTo(b, be) : scratchScalar(b, work, be);
  const shape = broadcastShapes(a.shape, bt.shape);
  const a2 = a.dtype === work ? a : castRaw(a, work);
  const b2 = bt.dtype === work ? bt : castRaw(bt, work);
  let aStrides = broadcastStrides(a2.shape, a2._strides, shape);
  let bStrides = broadcastStrides(b2.shape, b2._strides, shape);
  let kernelShape = shape;
  // an int32 result that may not fit goes to a new tensor: the in-place target stays
  // unchanged when the op raises
  const checked = work === "int32" && CAN_OVERFLOW(op);
  const order = into !== null && !compare && work === dtype && !checked
    ? directOrder(into, dtype, shape, be, a2, aStrides, b2, bStrides) : null;
  let out: Tensor;
  if (order !== null) {
    // in place: run the kernel in the order x is laid out in, writing into x's storage
    out = aliasOf(into!);
    if (order !== true) {
      kernelShape = order.map((d) => shape[d]!);
      aStrides = order.map((d) => aStrides[d]!);
      bStrides = order.map((d) => bStrides[d]!);
    }
  } else {
    out = allocTensor(be, compare ? "bool" : work, shape.slice(), false);
  }
  const aOffset = a2._offset, bOffset = b2._offset;
  const overflow = be.binary(
    op, work,
    handleOf(a2), aOffset, aStrides,
    handleOf(b2), bOffset, bStrides,
    out._storage.handle, kernelShape,
  );
  if (a2 !== a) a2.dispose();
  if (b2 !== bt) b2.dispose();
  if (bt !== b && b instanceof Tensor) bt.dispose();
  if (overflow) { out.dispose(); throw int32OverflowError(name); }
  if (order === null && out._storage.wantsRecipe && a2 === a && b2 === bt && (bt === b || typeof b !== "object") && (work === dtype || compare)) {
    // how to make `out` again (see Storage.recordRecipe); a number operand is put in scratch again
    if (bt === b) {
      out._storage.recordRecipe([a._storage, bt._storage], (p, o) => { be.binary(op, work, p[0], aOffset, aStrides, p[1], bOffset, bStrides, o, kernelShape); });
    } else {
      const value = b as number | boolean;
      out._storage.recordRecipe([a._storage], (p, o) => {
        be.binary(op, work, p[0], aOffset, aStrides, scratchScalar(value, work, be, true)._storage.readHandle, 0, bStrides, o, kernelShape);
      });
    }
  }
  if (work !== dtype && !compare) { const r = castRaw(out, dtype); out.dispose(); out = r; }
  return out;
}

/**
 * An int32 op with a number outside the int32 range (PyTorch's int64 holds it): computed in
 * float64, exact for int32 values and integers below 2^53 (beyond, a result that rounds is
 * far outside the int32 range anyway); an arithmetic result must then fit in int32.
 */
function wideNumberOp(op: BinOp, a: Tensor, b: number, compare: boolean, name: string): Tensor {
  return compute(() => {
    const r = binaryRaw(op, castRaw(a, "float64"), b);
    return compare ? r : toInt32Checked(r, name);
  });
}

// ---- unary ops ----------------------------------------------------------------------------

/** A unary op whose rule reads its input or its output. */
function unary(op: UnOp, x: Tensor, r: TypedRule<[Tensor], null>, save: "input" | "output"): Tensor {
  const out = unaryRaw(op, x);
  if (wantsGrad(x)) record(out, r, [x], [save === "input" ? x : out]);
  return out;
}

/** A unary op whose rule needs nothing saved. */
function unaryUnsaved(op: UnOp, x: Tensor, r: TypedRule<[], null>): Tensor {
  const out = unaryRaw(op, x);
  if (wantsGrad(x)) record(out, r, [x], null);
  return out;
}

const NegBackward = rule("NegBackward0", (g) => [g.neg()]);
export const neg = (x: Tensor) => unaryUnsaved(Un.NEG, x, NegBackward);

const AbsBackward = rule<[Tensor]>("AbsBackward0", (g, [x]) => [g.mul(x.sign())]);
export const abs = (x: Tensor) => unary(Un.ABS, x, AbsBackward, "input");

const SignBackward = rule("SignBackward0", (g) => [zerosLikeRaw(g)]);
export const sign = (x: Tensor) => unaryUnsaved(Un.SIGN, x, SignBackward);

const ExpBackward = rule<[Tensor]>("ExpBackward0", (g, [result]) => [g.mul(result)]);
export const exp = (x: Tensor) => unary(Un.EXP, x, ExpBackward, "output");

const LogBackward = rule<[Tensor]>("LogBackward0", (g, [x]) => [g.div(x)]);
export const log = (x: Tensor) => unary(Un.LOG, x, LogBackward, "input");

const SqrtBackward = rule<[Tensor]>("SqrtBackward0", (g, [result]) => [g.div(result.mul(2))]);
export const sqrt = (x: Tensor) => unary(Un.SQRT, x, SqrtBackward, "output");

const SinBackward = rule<[Tensor]>("SinBackward0", (g, [x]) => [g.mul(x.cos())]);
export const sin = (x: Tensor) => unary(Un.SIN, x, SinBackward, "input");

const CosBackward = rule<[Tensor]>("CosBackward0", (g, [x]) => [g.mul(x.sin().neg())]);
export const cos = (x: Tensor) => unary(Un.COS, x, CosBackward, "input");

// d tanh = 1 - tanh^2, from the saved output
const TanhBackward = rule<[Tensor]>("TanhBackward0", (g, [y]) => [g.mul(y.mul(y).neg().add(1))]);
export const tanh = (x: Tensor) => unary(Un.TANH, x, TanhBackward, "output");

// d sigmoid = s (1 - s), from the saved output, as PyTorch's g * (1 - s) * s
const SigmoidBackward = rule<[Tensor]>("SigmoidBackward0", (g, [s]) => [g.mul(s.neg().add(1)).mul(s)]);
export const sigmoid = (x: Tensor) => unary(Un.SIGMOID, x, SigmoidBackward, "output");

// PyTorch's threshold_backward: 0 where the output is <= 0, else the gradient (NaN passes it)
const ReluBackward = rule<[Tensor]>("ReluBackward0", (g, [result]) => [where(result.le(0), 0, g)]);
export const relu = (x: Tensor) => unary(Un.RELU, x, ReluBackward, "output");

function zerosLikeRaw(g: Tensor): Tensor {
  return allocTensor(g._storage.backend, g.dtype, g.shape.slice());
}

// ---- binary arithmetic --------------------------------------------------------------------

// d(a + alpha b) = g, alpha g (the engine sums each to its input's shape)
const AddBackward = rule<[], number>("AddBackward0", (g, _, alpha, needsInputGrad) => [
  g,
  needsInputGrad(1) ? (alpha === 1 ? g : g.mul(alpha)) : null,
]);
function checkAlpha(a: Tensor, b: TensorOrScalar, alpha: number): void {
  if (!Number.isInteger(alpha) && !isFloating(resultType([a, b]))) {
    throw new Error("For integral input tensors, argument alpha must not be a floating point number.");
  }
}

export function add(a: Tensor, b: TensorOrScalar, alpha = 1): Tensor {
  const into = takeTarget();
  checkOperand("add", b);
  checkAlpha(a, b, alpha);
  const name = into !== null ? "add_" : "add";
  const out = alpha === 1 ? binaryRaw(Bin.ADD, a, b, into)
    : b instanceof Tensor ? addScaled(a, b, alpha, into, name) : binaryRaw(Bin.ADD, a, (b as number) * alpha, into, name);
  const bt = b instanceof Tensor ? b : null;
  if (wantsGrad(a, bt)) record(out, AddBackward, [a, bt], null, alpha);
  return out;
}

/** a + alpha b. For int32, in float64 (exact: see wideNumberOp) and checked once at the
 *  end, so an alpha b outside int32 does not raise when the sum fits, as in PyTorch's int64. */
function addScaled(a: Tensor, b: Tensor, alpha: number, into: Tensor | null, name: string): Tensor {
  if (resultType([a, b]) === "int32") {
    return compute(() => toInt32Checked(binaryRaw(Bin.ADD, castRaw(a, "float64"), binaryRaw(Bin.MUL, castRaw(b, "float64"), alpha)), name));
  }
  const scaled = binaryRaw(Bin.MUL, b, alpha);
  try { return binaryRaw(Bin.ADD, a, scaled, into, name); } finally { scaled.dispose(); }
}

// d(a - alpha b) = g, -alpha g
const SubBackward = rule<[], number>("SubBackward0", (g, _, alpha, needsInputGrad) => [
  g,
  needsInputGrad(1) ? g.mul(-alpha) : null,
]);
export function sub(a: Tensor, b: TensorOrScalar, alpha = 1): Tensor {
  const into = takeTarget();
  checkOperand("sub", b);
  checkAlpha(a, b, alpha);
  const name = into !== null ? "sub_" : "sub";
  const out = alpha === 1 ? binaryRaw(Bin.SUB, a, b, into)
    : b instanceof Tensor ? addScaled(a, b, -alpha, into, name) : binaryRaw(Bin.SUB, a, (b as number) * alpha, into, name);
  const bt = b instanceof Tensor ? b : null;
  if (wantsGrad(a, bt)) record(out, SubBackward, [a, bt], null, alpha);
  return out;
}

// d(a*b) = g*b, g*a
const MulBackward = rule<[Tensor, Tensor]>("MulBackward0", (g, [a, b], _, needsInputGrad) => [
  needsInputGrad(0) ? g.mul(b) : null,
  needsInputGrad(1) ? g.mul(a) : null,
]);
// times a number
const MulScalarBackward = rule<[], number>("MulBackward0", (g, _, b) => [g.mul(b)]);
export function mul(a: Tensor, b: TensorOrScalar): Tensor {
  const out = binaryRaw(Bin.MUL, a, b, takeTarget());
  if (b instanceof Tensor) {
    if (wantsGrad(a, b)) record(out, MulBackward, [a, b], [a, b]);
  } else if (wantsGrad(a)) {
    record(out, MulScalarBackward, [a, null], null, +b);
  }
  return out;
}

// d(a/b) = g/b, -g*((a/b)/b) (PyTorch's order: b*b would overflow first)
const DivBackward = rule<[Tensor, Tensor]>("DivBackward0", (g, [a, b], _, needsInputGrad) => [
  needsInputGrad(0) ? g.div(b) : null,
  needsInputGrad(1) ? g.neg().mul(a.div(b).div(b)) : null,
]);
// divided by a number
const DivScalarBackward = rule<[], number>("DivBackward0", (g, _, b) => [g.div(b)]);
export function div(a: Tensor, b: TensorOrScalar): Tensor {
  const out = binaryRaw(Bin.DIV, a, b, takeTarget());
  if (b instanceof Tensor) {
    if (wantsGrad(a, b)) record(out, DivBackward, [a, b], [a, b]);
  } else if (wantsGrad(a)) {
    record(out, DivScalarBackward, [a, null], null, +b);
  }
  return out;
}

// d(x^p) = p x^(p-1) for a number p (zeros when p == 0, whatever g holds)
const PowBackward0 = rule<[Tensor], number>("PowBackward0", (g, [x], p) => [p === 0 ? zerosLikeRaw(g) : g.mul(x.pow(p - 1).mul(p))]);
// d(a^b) = b a^(b-1) for a, a^b ln a for b; where b == 0 the gradient to a is 0 and where
// a == 0 and b >= 0 the factor for b is 0 (PyTorch masks them: they would be nan; the
// gradient to b still multiplies g by that 0, as PyTorch does)
const PowBackward1 = rule<[Tensor, Tensor, Tensor]>("PowBackward1", (g, [a, b, result], _, needsInputGrad) => [
  needsInputGrad(0) ? where(b.eq(0), 0, g.mul(b.mul(a.pow(b.sub(1))))) : null,
  needsInputGrad(1) ? g.mul(where(logicalAnd(a.eq(0), b.ge(0)), 0, result.mul(a.log()))) : null,
]);

/**
 * x^p for a number p, as PyTorch's pow: p = 0 fills ones, p = 1 copies; for a float result,
 * p = 0.5, -0.5 and -1 are sqrt, 1/sqrt and 1/x, and p = 2, 3, -2 are x*x, x*x*x and
 * 1/(x*x), so the corners are theirs (pow(-inf, 0.5) = nan, pow(-0, 0.5) = -0, where C's
 * pow gives inf and +0); other p (and integer results) go to C's pow.
 */
function powScalarRaw(a: Tensor, p: number): Tensor {
  const dtype = resultType([a, p]);
  if (a.dtype !== "bool" && (p === 0 || p === 1)) {
    if (p === 1) return castRaw(a, dtype);
    const out = allocTensor(a._storage.backend, dtype, a.shape.slice(), false);
    out._storage.backend.fill(out._storage.handle, dtype, 1, 0, out.numel());
    return out;
  }
  if (!isFloating(dtype) || ![0.5, -0.5, -1, 2, 3, -2].includes(p)) return binaryRaw(Bin.POW, a, p);
  return compute(() => {
    const x = a.dtype === dtype ? a : castRaw(a, dtype);
    const one = () => scalarTensor(1, dtype, x._storage.backend);
    switch (p) {
      case 0.5: return unaryRaw(Un.SQRT, x);
      case -0.5: return binaryRaw(Bin.DIV, one(), unaryRaw(Un.SQRT, x));
      case -1: return binaryRaw(Bin.DIV, one(), x);
      case 2: return binaryRaw(Bin.MUL, x, x);
      case 3: return binaryRaw(Bin.MUL, binaryRaw(Bin.MUL, x, x), x);
      default: return binaryRaw(Bin.DIV, one(), binaryRaw(Bin.MUL, x, x));
    }
  });
}

export function pow(a: Tensor, b: TensorOrScalar): Tensor {
  const out = typeof b === "number" ? powScalarRaw(a, b) : binaryRaw(Bin.POW, a, b);
  if (b instanceof Tensor) {
    if (wantsGrad(a, b)) record(out, PowBackward1, [a, b], [a, b, out]);
  } else if (wantsGrad(a)) {
    record(out, PowBackward0, [a, null], [a], +b);
  }
  return out;
}

// ---- clamp, maximum, minimum ----------------------------------------------------------------

// the gradient where min <= x <= max, else 0 (PyTorch's clamp_backward; a NaN bound or x: 0)
const ClampBackward = rule<[Tensor], [number | null, number | null]>("ClampBackward1", (g, [x], [lo, hi]) => {
  let mask: Tensor | null = lo === null ? null : x.ge(lo);
  if (hi !== null) { const m = x.le(hi); mask = mask === null ? m : logicalAnd(mask, m); }
  return [mask === null ? g : where(mask, g, 0)];
});
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  let into = takeTarget();
  const lo = min === undefined || min === null ? null : min;
  const hi = max === undefined || max === null ? null : max;
  if (lo === null && hi === null) {
    throw new Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  }
  const dtype = resultType([x, ...(lo === null ? [] : [lo]), ...(hi === null ? [] : [hi])]);
  const name = into !== null ? "clamp_" : "clamp";
  // in place, both passes write into x, or neither (the second must not fail after the first
  // wrote: a bound outside int32 may make an int32 result that does not fit)
  if (into !== null && (dtype !== into.dtype || (dtype === "int32" && [lo, hi].some((v) => v !== null && outsideInt32(v))))) into = null;
  // PyTorch 1.13: with both bounds, a NaN one makes every element NaN; a single NaN bound
  // leaves x as it is (std::max(x, nan) is x). Else std::min(std::max(x, lo), hi): ties keep x.
  let out: Tensor;
  if (lo !== null && hi !== null && (Number.isNaN(lo) || Number.isNaN(hi))) {
    out = binaryRaw(Bin.MUL, x, NaN, into);
  } else {
    const lo2 = lo === null || Number.isNaN(lo) ? null : lo;
    const hi2 = hi === null || Number.isNaN(hi) ? null : hi;
    out = lo2 === null && hi2 === null ? castRaw(x, dtype) : x;
    if (lo2 !== null) out = binaryRaw(Bin.MAXIMUM, out, lo2, into, name);
    if (hi2 !== null) {
      const prev = out;
      try { out = binaryRaw(Bin.MINIMUM, out, hi2, into, name); } finally { if (prev !== x) prev.dispose(); }
    }
  }
  if (wantsGrad(x)) record(out, ClampBackward, [x], [x], [lo, hi]);
  return out;
}

// PyTorch's rule: where(a == b, g / 2, g), then 0 for the input that lost (maximum: a < b
// drops a's, a > b drops b's). A NaN on either side compares false both ways: both get g.
function maxMinRule(name: string, loses: "lt" | "gt") {
  return rule<[Tensor, Tensor]>(name, (g, [a, b], _, needsInputGrad) => {
    const shared = where(a.eq(b), g.div(2), g);
    return [
      needsInputGrad(0) ? where(a[loses](b), 0, shared) : null,
      needsInputGrad(1) ? where(b[loses](a), 0, shared) : null,
    ];
  });
}
const MaximumBackward = maxMinRule("MaximumBackward0", "lt");
const MinimumBackward = maxMinRule("MinimumBackward0", "gt");
export function maximum(a: Tensor, b: Tensor): Tensor {
  const out = binaryRaw(Bin.MAXIMUM, a, b);
  if (wantsGrad(a, b)) record(out, MaximumBackward, [a, b], [a, b]);
  return out;
}
export function minimum(a: Tensor, b: Tensor): Tensor {
  const out = binaryRaw(Bin.MINIMUM, a, b);
  if (wantsGrad(a, b)) record(out, MinimumBackward, [a, b], [a, b]);
  return out;
}

// ---- comparisons (bool results, never differentiable) ---------------------------------------

const CMP = { eq: Bin.EQ, ne: Bin.NE, lt: Bin.LT, le: Bin.LE, gt: Bin.GT, ge: Bin.GE } as const;
export function compare(kind: keyof typeof CMP, a: Tensor, b: TensorOrScalar): Tensor {
  return binaryRaw(CMP[kind], a, b);
}

/** Logical or of two bool tensors (masks in gradient rules): their maximum. */
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  return binaryRaw(Bin.MAXIMUM, a, b);
}

/** Logical and of two bool tensors (used by masks in gradient rules). */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  const prod = binaryRaw(Bin.MUL, a, b);
  try { return binaryRaw(Bin.NE, prod, 0); } finally { prod.dispose(); }
}

// ---- where --------------------------------------------------------------------------------

// edges for self and other only, as PyTorch's (the condition is saved, not an input)
const WhereBackward = rule<[Tensor]>("WhereBackward0", (g, [condition], _, needsInputGrad) => [
  needsInputGrad(0) ? where(condition, g, 0) : null,
  needsInputGrad(1) ? where(condition, 0, g) : null,
]);
export function where(cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (!(cond instanceof Tensor)) throw new TypeError("where(): argument 'condition' (position 1) must be Tensor");
  if (cond.dtype !== "bool") {
    throw new Error(`where expected condition to be a boolean tensor, but got a tensor with dtype ${dtypeName(cond.dtype, "scalar")}`);
  }
  checkOperand("where", a, 2);
  checkOperand("where", b, 3);
  const be = cond._storage.backend;
  const dtype = resultType([a, b]);
  if (dtype === "int32" && [a, b].some((v) => typeof v === "number" && outsideInt32(v))) {
    // a number PyTorch's int64 holds but int32 does not: where in float64, then it must fit
    const wide = (v: TensorOrScalar) => (v instanceof Tensor ? castRaw(v, "float64") : v);
    return compute(() => toInt32Checked(where(cond, wide(a), wide(b)), "where", "torch.where(cond, x.double(), y)"));
  }
  const at = a instanceof Tensor ? moveTo(a, be) : scalarTensor(a, dtype, be);
  const bt = b instanceof Tensor ? moveTo(b, be) : scalarTensor(b, dtype, be);
  const c = cond.dtype === "bool" ? cond : castRaw(cond, "bool");
  const a2 = at.dtype === dtype ? at : castRaw(at, dtype);
  const b2 = bt.dtype === dtype ? bt : castRaw(bt, dtype);
  const shape = broadcastShapes(broadcastShapes(c.shape, a2.shape), b2.shape);
  const out = allocTensor(be, dtype, shape.slice(), false);
  be.where(
    dtype,
    handleOf(c), c._offset, broadcastStrides(c.shape, c._strides, shape),
    handleOf(a2), a2._offset, broadcastStrides(a2.shape, a2._strides, shape),
    handleOf(b2), b2._offset, broadcastStrides(b2.shape, b2._strides, shape),
    out._storage.handle, shape,
  );
  for (const [tmp, orig] of [[c, cond], [a2, at], [b2, bt], [at, a], [bt, b]] as const) if (tmp !== orig) tmp.dispose();
  const ta = a instanceof Tensor ? a : null, tb = b instanceof Tensor ? b : null;
  if (wantsGrad(ta, tb)) {
    record(out, WhereBackward, [ta, tb], [cond]);
  }
  return out;
}

