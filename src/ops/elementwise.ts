/**
 * Elementwise ops. Each op: its forward (one kernel call) and its gradient rule
 * (PyTorch's derivatives.yaml formula, in Tensor ops) side by side.
 */
import { Bin, Un, type BinOp, type UnOp } from "../backend/backend.js";
import { isFloating, resultType, type DType } from "../dtype.js";
import { broadcastShapes, broadcastStrides, isContiguous, sameShape } from "../shape.js";
import { Tensor, type TensorOrScalar } from "../tensor.js";
import { allocTensor, castRaw, contiguousRaw, handleOf, moveTo, record, rule, scalarTensor, scratchScalar, wantsGrad } from "./core.js";
import { sumToShape } from "./reduce.js";

// ---- raw forward kernels (no autograd) -----------------------------------------------------

const FLOAT_ONLY_UNARY = new Set<UnOp>([Un.EXP, Un.LOG, Un.SQRT, Un.SIN, Un.COS, Un.TANH, Un.SIGMOID]);

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
  be.unary(op, dtype, handleOf(src), src._offset, out._storage.handle, out.numel());
  if (src !== x) src.dispose();
  return out;
}

const COMPARISON = (op: BinOp) => op >= Bin.EQ;
const DTYPE_NAMES: Record<DType, string> = { float32: "Float", float64: "Double", int32: "Int", bool: "Bool" };

/** Tensor-or-number operand → tensor on `a`'s backend, and the dtype both compute in. */
const OP_NAMES = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge"];

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
 * dimension order (null: it can't). x must be dense from element 0 in some order of its
 * dimensions (contiguous, or permuted like a transpose): kernels write `out` contiguously
 * from its start. The result must have x's shape and dtype. An operand sharing x's storage
 * must read it at x's own layout: each element is then read before it is written, which
 * both backends' kernels allow (a broadcast or shifted read of x would see new values).
 */
function directOrder(x: Tensor, dtype: DType, shape: readonly number[], operands: readonly [Tensor, readonly number[]][], be: Tensor["_storage"]["backend"]): number[] | null {
  if (x.isDisposed || x._storage.backend !== be || x.dtype !== dtype || x._offset !== 0) return null;
  const nd = shape.length;
  if (nd !== x.ndim || !sameShape(shape, x.shape)) return null;
  const xs = x._strides;
  const order = [...Array(nd).keys()].sort((i, j) => xs[j]! - xs[i]! || i - j);
  if (!isContiguous(order.map((d) => shape[d]!), order.map((d) => xs[d]!))) return null;
  for (const [t, strides] of operands) {
    if (t._storage !== x._storage) continue;
    if (t._offset !== 0) return null;
    for (let d = 0; d < nd; d++) if (shape[d] !== 1 && strides[d] !== xs[d]) return null;
  }
  return order;
}

/** A new tensor object over x's storage and layout: an op's result written into x. */
function aliasOf(x: Tensor): Tensor {
  return new Tensor(x._storage.retain(), x.shape.slice(), x._strides.slice(), x._offset);
}

export function binaryRaw(op: BinOp, a: Tensor, b: TensorOrScalar, into: Tensor | null = null): Tensor {
  checkOperand(OP_NAMES[op]!, b);
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
  const bt = b instanceof Tensor ? moveTo(b, be) : scratchScalar(b, work, be);
  const shape = broadcastShapes(a.shape, bt.shape);
  const a2 = a.dtype === work ? a : castRaw(a, work);
  const b2 = bt.dtype === work ? bt : castRaw(bt, work);
  let aStrides = broadcastStrides(a2.shape, a2._strides, shape);
  let bStrides = broadcastStrides(b2.shape, b2._strides, shape);
  let kernelShape = shape;
  const order = into !== null && !compare && work === dtype
    ? directOrder(into, dtype, shape, [[a2, aStrides], [b2, bStrides]], be) : null;
  let out: Tensor;
  if (order !== null) {
    // in place: run the kernel in the order x is laid out in, writing into x's storage
    out = aliasOf(into!);
    kernelShape = order.map((d) => shape[d]!);
    aStrides = order.map((d) => aStrides[d]!);
    bStrides = order.map((d) => bStrides[d]!);
  } else {
    out = allocTensor(be, compare ? "bool" : work, shape.slice(), false);
  }
  be.binary(
    op, work,
    handleOf(a2), a2._offset, aStrides,
    handleOf(b2), b2._offset, bStrides,
    out._storage.handle, kernelShape,
  );
  if (a2 !== a) a2.dispose();
  if (b2 !== bt) b2.dispose();
  if (bt !== b && b instanceof Tensor) bt.dispose();
  if (work !== dtype && !compare) { const r = castRaw(out, dtype); out.dispose(); out = r; }
  return out;
}

// ---- unary ops ----------------------------------------------------------------------------

function unary(op: UnOp, x: Tensor, r: ReturnType<typeof rule>, save: "input" | "output" | "none"): Tensor {
  const out = unaryRaw(op, x);
  if (wantsGrad(x)) record(out, r, [x], save === "input" ? [x] : save === "output" ? [out] : null);
  return out;
}

const NegBackward = rule("NegBackward0", (_n, g) => [g.neg()]);
export const neg = (x: Tensor) => unary(Un.NEG, x, NegBackward, "none");

const AbsBackward = rule("AbsBackward0", (n, g) => [g.mul(n.saved[0]!.sign())]);
export const abs = (x: Tensor) => unary(Un.ABS, x, AbsBackward, "input");

const SignBackward = rule("SignBackward0", (_n, g) => [zerosLikeRaw(g)]);
export const sign = (x: Tensor) => unary(Un.SIGN, x, SignBackward, "none");

const ExpBackward = rule("ExpBackward0", (n, g) => [g.mul(n.saved[0]!)]);
export const exp = (x: Tensor) => unary(Un.EXP, x, ExpBackward, "output");

const LogBackward = rule("LogBackward0", (n, g) => [g.div(n.saved[0]!)]);
export const log = (x: Tensor) => unary(Un.LOG, x, LogBackward, "input");

const SqrtBackward = rule("SqrtBackward0", (n, g) => [g.div(n.saved[0]!.mul(2))]);
export const sqrt = (x: Tensor) => unary(Un.SQRT, x, SqrtBackward, "output");

const SinBackward = rule("SinBackward0", (n, g) => [g.mul(n.saved[0]!.cos())]);
export const sin = (x: Tensor) => unary(Un.SIN, x, SinBackward, "input");

const CosBackward = rule("CosBackward0", (n, g) => [g.mul(n.saved[0]!.sin().neg())]);
export const cos = (x: Tensor) => unary(Un.COS, x, CosBackward, "input");

// d tanh = 1 - tanh^2, from the saved output
const TanhBackward = rule("TanhBackward0", (n, g) => { const y = n.saved[0]!; return [g.mul(y.mul(y).neg().add(1))]; });
export const tanh = (x: Tensor) => unary(Un.TANH, x, TanhBackward, "output");

// d sigmoid = s (1 - s), from the saved output
const SigmoidBackward = rule("SigmoidBackward0", (n, g) => { const s = n.saved[0]!; return [g.mul(s.mul(s.neg().add(1)))]; });
export const sigmoid = (x: Tensor) => unary(Un.SIGMOID, x, SigmoidBackward, "output");

// PyTorch's threshold_backward: pass the gradient where the output is positive
const ReluBackward = rule("ReluBackward0", (n, g) => [g.mul(n.saved[0]!.gt(0))]);
export const relu = (x: Tensor) => unary(Un.RELU, x, ReluBackward, "output");

function zerosLikeRaw(g: Tensor): Tensor {
  return allocTensor(g._storage.backend, g.dtype, g.shape.slice());
}

// ---- binary arithmetic --------------------------------------------------------------------

/** Reduce a broadcast gradient back to an input's shape. */
function to(g: Tensor, t: Tensor): Tensor { return sumToShape(g, t.shape); }

const AddBackward = rule("AddBackward0", (n, g) => {
  const [a, b] = n.attrs as [Tensor, Tensor | null, number];
  const alpha = (n.attrs as [Tensor, Tensor | null, number])[2];
  return [
    n.needsInputGrad(0) ? to(g, a) : null,
    n.needsInputGrad(1) && b ? to(alpha === 1 ? g : g.mul(alpha), b) : null,
  ];
});
function checkAlpha(a: Tensor, b: TensorOrScalar, alpha: number): void {
  if (!Number.isInteger(alpha) && !isFloating(resultType([a, b]))) {
    throw new Error("For integral input tensors, argument alpha must not be a floating point number.");
  }
}

export function add(a: Tensor, b: TensorOrScalar, alpha = 1): Tensor {
  const into = takeTarget();
  checkOperand("add", b);
  checkAlpha(a, b, alpha);
  const out = alpha === 1 ? binaryRaw(Bin.ADD, a, b, into)
    : b instanceof Tensor ? addScaled(a, b, alpha, into) : binaryRaw(Bin.ADD, a, (b as number) * alpha, into);
  const bt = b instanceof Tensor ? b : null;
  if (wantsGrad(a, bt)) record(out, AddBackward, [a, bt], null, [shapeOnly(a), bt && shapeOnly(bt), alpha]);
  return out;
}

function addScaled(a: Tensor, b: Tensor, alpha: number, into: Tensor | null = null): Tensor {
  const scaled = binaryRaw(Bin.MUL, b, alpha);
  try { return binaryRaw(Bin.ADD, a, scaled, into); } finally { scaled.dispose(); }
}

/** Gradient rules that only need an input's shape keep a shape record, not the tensor. */
function shapeOnly(t: Tensor): Tensor { return { shape: t.shape } as unknown as Tensor; }

const SubBackward = rule("SubBackward0", (n, g) => {
  const [a, b, alpha] = n.attrs as [Tensor, Tensor | null, number];
  return [
    n.needsInputGrad(0) ? to(g, a) : null,
    n.needsInputGrad(1) && b ? to(g.mul(-alpha), b) : null,
  ];
});
export function sub(a: Tensor, b: TensorOrScalar, alpha = 1): Tensor {
  const into = takeTarget();
  checkOperand("sub", b);
  checkAlpha(a, b, alpha);
  const out = alpha === 1 ? binaryRaw(Bin.SUB, a, b, into)
    : b instanceof Tensor ? addScaled(a, b, -alpha, into) : binaryRaw(Bin.SUB, a, (b as number) * alpha, into);
  const bt = b instanceof Tensor ? b : null;
  if (wantsGrad(a, bt)) record(out, SubBackward, [a, bt], null, [shapeOnly(a), bt && shapeOnly(bt), alpha]);
  return out;
}

// d(a*b) = g*b, g*a
const MulBackward = rule("MulBackward0", (n, g) => {
  const s = n.saved;
  if (n.attrs !== null) return [g.mul(n.attrs as number), null]; // times a number
  const [a, b] = s as [Tensor, Tensor];
  return [
    n.needsInputGrad(0) ? to(g.mul(b), a) : null,
    n.needsInputGrad(1) ? to(g.mul(a), b) : null,
  ];
});
export function mul(a: Tensor, b: TensorOrScalar): Tensor {
  const out = binaryRaw(Bin.MUL, a, b, takeTarget());
  if (b instanceof Tensor) {
    if (wantsGrad(a, b)) record(out, MulBackward, [a, b], [a, b]);
  } else if (wantsGrad(a)) {
    record(out, MulBackward, [a, null], null, +b);
  }
  return out;
}

// d(a/b) = g/b, -g*a/b^2
const DivBackward = rule("DivBackward0", (n, g) => {
  if (n.attrs !== null) return [g.div(n.attrs as number), null];
  const [a, b] = n.saved as [Tensor, Tensor];
  return [
    n.needsInputGrad(0) ? to(g.div(b), a) : null,
    n.needsInputGrad(1) ? to(g.neg().mul(a).div(b.mul(b)), b) : null,
  ];
});
export function div(a: Tensor, b: TensorOrScalar): Tensor {
  const out = binaryRaw(Bin.DIV, a, b, takeTarget());
  if (b instanceof Tensor) {
    if (wantsGrad(a, b)) record(out, DivBackward, [a, b], [a, b]);
  } else if (wantsGrad(a)) {
    record(out, DivBackward, [a, null], null, +b);
  }
  return out;
}

// d(x^p) = p x^(p-1) for a number p (0 when p == 0)
const PowBackward0 = rule("PowBackward0", (n, g) => {
  const p = n.attrs as number;
  const [x] = n.saved as [Tensor];
  if (p === 0) return [g.mul(0)];
  return [g.mul(x.pow(p - 1).mul(p))];
});
// d(a^b) = b a^(b-1) for a, a^b ln a for b (0 where a == 0 and b >= 0, as PyTorch masks it)
const PowBackward1 = rule("PowBackward1", (n, g) => {
  const [a, b, out] = n.saved as [Tensor, Tensor, Tensor];
  // where b == 0 the gradient to a is 0 (PyTorch masks it: 0 * 0^-1 would be nan)
  const ga = n.needsInputGrad(0) ? to(where(b.eq(0), 0, g.mul(b.mul(a.pow(b.sub(1))))), a) : null;
  let gb: Tensor | null = null;
  if (n.needsInputGrad(1)) {
    const term = g.mul(out.mul(a.log()));
    gb = to(where(logicalAnd(a.eq(0), b.ge(0)), 0, term), b);
  }
  return [ga, gb];
});
export function pow(a: Tensor, b: TensorOrScalar): Tensor {
  const out = binaryRaw(Bin.POW, a, b);
  if (b instanceof Tensor) {
    if (wantsGrad(a, b)) record(out, PowBackward1, [a, b], [a, b, out]);
  } else if (wantsGrad(a)) {
    record(out, PowBackward0, [a, null], [a], +b);
  }
  return out;
}

// ---- clamp, maximum, minimum ----------------------------------------------------------------

// gradient passes where min <= x <= max (PyTorch's clamp_backward)
const ClampBackward = rule("ClampBackward1", (n, g) => {
  const [x] = n.saved as [Tensor];
  const [lo, hi] = n.attrs as [number | null, number | null];
  let mask = lo === null ? null : x.ge(lo);
  if (hi !== null) { const m = x.le(hi); mask = mask === null ? m : logicalAnd(mask, m); }
  return [mask === null ? g : g.mul(mask)];
});
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  let into = takeTarget();
  // a NaN bound is ignored, as PyTorch 1.13 does
  const lo = min === undefined || min === null || Number.isNaN(min) ? null : min;
  const hi = max === undefined || max === null || Number.isNaN(max) ? null : max;
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  }
  // in place, both passes write into x, or neither (the second must not fail after the first wrote)
  if (into !== null && resultType([x, ...(lo === null ? [] : [lo]), ...(hi === null ? [] : [hi])]) !== into.dtype) into = null;
  let out = lo === null && hi === null ? castRaw(x, x.dtype) : x;
  if (lo !== null) out = binaryRaw(Bin.MAXIMUM, out, lo, into);
  if (hi !== null) { const prev = out; out = binaryRaw(Bin.MINIMUM, out, hi, into); if (prev !== x) prev.dispose(); }
  if (wantsGrad(x)) record(out, ClampBackward, [x], [x], [lo, hi]);
  return out;
}

// gradient goes to the larger (smaller) input; split evenly on ties, as PyTorch does
function maxMinRule(name: string, pick: "gt" | "lt") {
  return rule(name, (n, g) => {
    const [a, b] = n.saved as [Tensor, Tensor];
    const half = g.mul(a.eq(b)).div(2);
    return [
      n.needsInputGrad(0) ? to(g.mul(a[pick](b)).add(half), a) : null,
      n.needsInputGrad(1) ? to(g.mul(b[pick](a)).add(half), b) : null,
    ];
  });
}
const MaximumBackward = maxMinRule("MaximumBackward0", "gt");
const MinimumBackward = maxMinRule("MinimumBackward0", "lt");
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

/** Logical and of two bool tensors (used by masks in gradient rules). */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  const prod = binaryRaw(Bin.MUL, a, b);
  try { return binaryRaw(Bin.NE, prod, 0); } finally { prod.dispose(); }
}

// ---- where --------------------------------------------------------------------------------

const WhereBackward = rule("WhereBackward0", (n, g) => {
  const [c] = n.saved as [Tensor];
  const [a, b] = n.attrs as [Tensor | null, Tensor | null];
  const zero = 0;
  return [
    null,
    n.needsInputGrad(1) && a ? to(where(c, g, zero), a) : null,
    n.needsInputGrad(2) && b ? to(where(c, zero, g), b) : null,
  ];
});
export function where(cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (!(cond instanceof Tensor)) throw new TypeError("where(): argument 'condition' (position 1) must be Tensor");
  if (cond.dtype !== "bool") {
    throw new Error(`where expected condition to be a boolean tensor, but got a tensor with dtype ${DTYPE_NAMES[cond.dtype]}`);
  }
  checkOperand("where", a, 2);
  checkOperand("where", b, 3);
  const be = cond._storage.backend;
  const dtype = resultType([a, b]);
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
  if (wantsGrad(cond, ta, tb)) {
    record(out, WhereBackward, [null, ta, tb], [cond], [ta && shapeOnly(ta), tb && shapeOnly(tb)]);
  }
  return out;
}

