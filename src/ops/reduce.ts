/**
 * Reductions. Forward: one kernel over an [outer, axis, inner] block (reduced dims
 * moved last and made contiguous only when they are not already a contiguous run).
 * Backward: the gradient re-expanded over the reduced dims (a stride-0 view, no copy).
 */
import { Bin, Red, type RedOp } from "../backend/backend.js";
import { isFloating, type DType, dtypeName } from "../dtype.js";
import { normDim, numelOf, isContiguous, sameShape } from "../shape.js";
import { Tensor, type DimArg } from "../tensor.js";
import { allocTensor, castRaw, compute, contiguousRaw, handleOf, int32OverflowError, record, rule, scalarTensor, wantsGrad, type RuleBackward } from "./core.js";
import { arangeAlong, expand, reshape } from "./movement.js";
import { logicalOr, where } from "./elementwise.js";

/** Normalised, sorted, de-duplicated reduction dims; undefined (or []) means all. */
export function reductionDims(x: Tensor, dim: DimArg): number[] {
  if (dim === undefined || dim === null || (Array.isArray(dim) && dim.length === 0)) return x.shape.map((_, i) => i);
  const list = Array.isArray(dim) ? dim : [dim];
  const out = list.map((d) => normDim(d, x.ndim));
  const uniq = [...new Set(out)].sort((a, b) => a - b);
  if (uniq.length !== out.length) throw new Error(`dim ${out.find((d, i) => out.indexOf(d) !== i)} appears multiple times in the list of dims`);
  return x.ndim === 0 ? [] : uniq;
}

function keptShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (dims.includes(d)) { if (keepdim) out.push(1); } else out.push(shape[d]!);
  }
  return out;
}

/** Run a reduction kernel over `dims` (no autograd). An int32 sum or product that does not
 *  fit in int32 raises. */
export function reduceRaw(op: RedOp, x: Tensor, dims: readonly number[], keepdim: boolean, outDtype?: DType): Tensor {
  if (x.dtype === "bool") {
    // kernels take float32/float64/int32: reduce bools as 0/1 int32, answer in bool
    const xi = castRaw(x, "int32");
    const ri = reduceRaw(op, xi, dims, keepdim, outDtype === undefined ? undefined : "int32");
    xi.dispose();
    const want = outDtype ?? "bool";
    if (ri.dtype === want) return ri;
    const r = castRaw(ri, want);
    ri.dispose();
    return r;
  }
  const be = x._storage.backend;
  const dtype = x.dtype;
  const outShape = keptShape(x.shape, dims, keepdim);
  const out = allocTensor(be, outDtype ?? dtype, outShape, false);
  const nd = x.ndim;
  const isRun = dims.length > 0 && dims[dims.length - 1]! - dims[0]! === dims.length - 1;
  let src: Tensor, outer: number, axis: number, inner: number;
  if (nd === 0 || dims.length === 0) {
    src = contiguousRaw(x); outer = numelOf(x.shape); axis = 1; inner = 1;
  } else if (isRun && isContiguous(x.shape, x._strides)) {
    src = x;
    outer = numelOf(x.shape.slice(0, dims[0]));
    axis = numelOf(x.shape.slice(dims[0], dims[dims.length - 1]! + 1));
    inner = numelOf(x.shape.slice(dims[dims.length - 1]! + 1));
  } else {
    const kept = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
    const perm = kept.concat(dims);
    const view = x._view(perm.map((d) => x.shape[d]!), perm.map((d) => x._strides[d]!), x._offset);
    src = castRaw(view, dtype);
    view.dispose();
    outer = numelOf(kept.map((d) => x.shape[d]!));
    axis = numelOf(dims.map((d) => x.shape[d]!));
    inner = 1;
  }
  const overflow = be.reduce(op, dtype, handleOf(src), src._offset, outer, axis, inner, out._storage.handle);
  if (src !== x) src.dispose();
  if (overflow) { out.dispose(); throw int32OverflowError(op === Red.SUM ? "sum" : "prod"); }
  return out;
}

/** The gradient of a reduction, re-expanded to the input's shape. */
function expandBack(g: Tensor, inShape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  const keep = keptShape(inShape, dims, true);
  const gk = keepdim || sameShape(g.shape, keep) ? g : reshape(g, keep);
  return expand(gk, inShape as number[]);
}

// ---- sum, mean ----------------------------------------------------------------------------

/** What a reduction's rule knows: the input's shape, the reduced dims, keepdim, and the count
 *  of reduced elements (mean, var, std). */
interface RedAttrs { shape: number[]; dims: number[]; keepdim: boolean; n: number }

const sumGrad: RuleBackward<[], RedAttrs> = (g, _, a) => [expandBack(g, a.shape, a.dims, a.keepdim)];
const SumBackward0 = rule("SumBackward0", sumGrad);
const SumBackward1 = rule("SumBackward1", sumGrad);
export function sum(x: Tensor, dim?: DimArg, keepdim = false): Tensor {
  const dims = reductionDims(x, dim);
  const out = reduceRaw(Red.SUM, x, dims, keepdim, x.dtype === "bool" ? "int32" : undefined); // bools count
  if (wantsGrad(x)) record(out, dim === undefined ? SumBackward0 : SumBackward1, [x], null, { shape: x.shape, dims, keepdim, n: 0 });
  return out;
}

const meanGrad: RuleBackward<[], RedAttrs> = (g, _, a) => [expandBack(g.div(a.n), a.shape, a.dims, a.keepdim)];
const MeanBackward0 = rule("MeanBackward0", meanGrad);
const MeanBackward1 = rule("MeanBackward1", meanGrad);
export function mean(x: Tensor, dim?: DimArg, keepdim = false): Tensor {
  if (!isFloating(x.dtype)) {
    throw new Error(`mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${dtypeName(x.dtype, "scalar")}`);
  }
  const dims = reductionDims(x, dim);
  const count = numelOf(dims.map((d) => x.shape[d]!));
  const s = reduceRaw(Red.SUM, x, dims, keepdim);
  const be = s._storage.backend;
  const out = allocTensor(be, s.dtype, s.shape.slice(), false);
  // out = s / count, via the scalar-broadcast binary kernel (as PyTorch: s * (1/count) is
  // often an ulp off)
  const n = allocTensor(be, s.dtype, []);
  be.fill(n._storage.handle, s.dtype, count, 0, 1);
  be.binary(Bin.DIV, s.dtype, s._storage.handle, 0, s._strides, n._storage.handle, 0, s.shape.map(() => 0), out._storage.handle, s.shape);
  s.dispose(); n.dispose();
  if (wantsGrad(x)) record(out, dim === undefined ? MeanBackward0 : MeanBackward1, [x], null, { shape: x.shape, dims, keepdim, n: count });
  return out;
}

// ---- prod ---------------------------------------------------------------------------------

// d prod / d x_i = the product of the others. As PyTorch's prod_backward: without zeros,
// g * (out / x); over all elements with two zeros or more, zeros; else g times the product
// of the others (prod_safe_zeros_backward multiplies them out), here: for the only zero of a
// slice, the product of the rest; where the others hold a zero, that zero signed by the
// product of their signs, or NaN when they also hold an inf or NaN (0 * inf); in a slice
// without zeros, out / x.
const ProdBackward0 = rule("ProdBackward0", prodGrad(true));
const ProdBackward1 = rule("ProdBackward1", prodGrad(false));
function prodGrad(full: boolean): RuleBackward<[Tensor, Tensor], RedAttrs> {
  return (g, [x, out], a) => {
    const gx = expandBack(g, a.shape, a.dims, a.keepdim);
    const outx = expandBack(out, a.shape, a.dims, a.keepdim);
    const zeros = x.eq(0);
    const zeroTotal = sum(zeros).item() as number;
    if (zeroTotal === 0) return [gx.mul(outx.div(x))];
    const be = x._storage.backend;
    if (full && zeroTotal > 1) return [allocTensor(be, x.dtype, x.shape.slice())];
    const dims = a.dims;
    const whole = (t: Tensor) => expand(t, a.shape);
    const ones = where(zeros, 1, x);
    const prodNonZero = whole(prodRawDiff(ones, dims)); // product of the non-zero entries
    const zeroCount = whole(sum(zeros, dims, true));     // zeros per reduced slice
    const negative = where(zeros, x.pow(-1), x).lt(0);   // the sign bit: 1 / -0 is -inf
    const sign = where(negative, scalarTensor(-1, x.dtype, be), scalarTensor(1, x.dtype, be));
    const othersSign = whole(prodRawDiff(sign, dims)).mul(sign);
    const nonFinite = logicalOr(x.abs().eq(Infinity), x.ne(x));
    const othersNonFinite = whole(sum(nonFinite, dims, true)).sub(nonFinite).gt(0);
    const zeroOthers = where(othersNonFinite, NaN, othersSign.mul(0));
    const others = where(zeros,
      where(zeroCount.eq(1), prodNonZero, zeroOthers),
      where(zeroCount.eq(0), outx.div(x), zeroOthers));
    return [gx.mul(others)];
  };
}
function prodRawDiff(x: Tensor, dims: number[]): Tensor { return prod(x, dims.length === 1 ? dims[0] : undefined, true, dims); }

export function prod(x: Tensor, dim?: number, keepdim = false, dimsOverride?: number[]): Tensor {
  const dims = dimsOverride ?? reductionDims(x, dim);
  const out = reduceRaw(Red.PROD, x, dims, keepdim, x.dtype === "bool" ? "int32" : undefined);
  if (wantsGrad(x)) record(out, dim === undefined && dimsOverride === undefined ? ProdBackward0 : ProdBackward1, [x, null], [x, out], { shape: x.shape, dims, keepdim, n: 0 });
  return out;
}

// ---- max, min, argmax, argmin ---------------------------------------------------------------

/**
 * What `max(dim)` and `min(dim)` return: the values and their int32 indices along the dimension.
 * Also iterable, so it destructures as `[values, indices]` (PyTorch's named tuple).
 * @category Reductions
 */
export interface ValuesIndices {
  /** The extreme values. */
  values: Tensor;
  /** Their positions along the reduced dimension (int32; PyTorch's int64). */
  indices: Tensor;
  /** Yields `values`, then `indices`. */
  [Symbol.iterator](): Iterator<Tensor>;
}

function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return { values, indices, [Symbol.iterator]: function* () { yield values; yield indices; } } as ValuesIndices;
}

// full reduction: the gradient is shared evenly between the tied extremes
const evenly: RuleBackward<[Tensor, Tensor], null> = (g, [x, out]) => {
  // the extremes, NaN included (a NaN result came from the NaN entries)
  const mask = out.ne(out).item() ? x.ne(x) : x.eq(out);
  return [mask.mul(g.div(sum(mask)))];
};
const MaxBackward1 = rule("MaxBackward1", evenly);
const MinBackward1 = rule("MinBackward1", evenly);

// along a dim: the gradient goes to the index the forward picked
const selectAt: RuleBackward<[Tensor], RedAttrs> = (g, [indices], a) => {
  if (a.dims.length === 0) return [g]; // a 0-d input: the value is the input itself
  const d = a.dims[0]!;
  const gk = a.keepdim ? g : g.unsqueeze(d);
  const ik = a.keepdim ? indices : indices.unsqueeze(d);
  const hit = ik.eq(arangeAlong(a.shape, d, indices._storage.backend));
  return [where(hit, gk, 0)];
};
const MaxBackward0 = rule("MaxBackward0", selectAt);
const MinBackward0 = rule("MinBackward0", selectAt);

export function maxMin(kind: "max" | "min", x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) {
    if (x.numel() === 0) throw new Error(`${kind}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
    // of tied extremes (+0, -0) the last, as PyTorch's max() (max(dim) gives the first)
    const out = reduceRaw(kind === "max" ? Red.MAX_LAST : Red.MIN_LAST, x, reductionDims(x, undefined), false);
    if (wantsGrad(x)) record(out, kind === "max" ? MaxBackward1 : MinBackward1, [x], [x, out]);
    return out;
  }
  const dims = reductionDims(x, dim);
  if (x.ndim > 0 && x.shape[dims[0]!] === 0) throw new Error(`${kind}(): Expected reduction dim ${dim} to have non-zero size.`);
  const values = reduceRaw(kind === "max" ? Red.MAX : Red.MIN, x, dims, keepdim);
  const indices = reduceRaw(kind === "max" ? Red.ARGMAX : Red.ARGMIN, x, dims, keepdim, "int32");
  if (wantsGrad(x)) record(values, kind === "max" ? MaxBackward0 : MinBackward0, [x], [indices], { shape: x.shape, dims, keepdim, n: 0 });
  return valuesIndices(values, indices);
}

export function argMaxMin(kind: "max" | "min", x: Tensor, dim?: number, keepdim = false): Tensor {
  if (x.dtype === "bool") throw new Error(`"arg${kind}_cpu" not implemented for 'Bool'`);
  const op = kind === "max" ? Red.ARGMAX : Red.ARGMIN;
  if (dim === undefined || dim === null) {
    if (x.numel() === 0) throw new Error(`arg${kind}(): Expected reduction dim to be specified for input.numel() == 0.`);
    const flat = contiguousRaw(x);
    const v = flat._view([x.numel()], [1], flat._offset);
    try {
      const r = reduceRaw(op, v, [0], false, "int32");
      if (!keepdim) return r;
      const k = r._view(x.shape.map(() => 1), x.shape.map(() => 0), 0);
      r.dispose();
      return k;
    } finally { v.dispose(); if (flat !== x) flat.dispose(); }
  }
  const dims = reductionDims(x, dim);
  if (x.ndim > 0 && x.shape[dims[0]!] === 0) throw new Error(`arg${kind}(): Expected reduction dim ${dims[0]} to have non-zero size.`);
  return reduceRaw(op, x, dims, keepdim, "int32");
}

// ---- var, std, logsumexp, norm ---------------------------------------------------------------

// var = sum((x - mean)^2) / (N - 1); PyTorch's var_backward: (2 / (N - 1)) g (x - mean)
function varGrad(g: Tensor, x: Tensor, a: RedAttrs): Tensor {
  return expandBack(g, a.shape, a.dims, a.keepdim).mul(2 / (a.n - 1)).mul(x.sub(x.mean(a.dims, true)));
}
const VarBackward = rule<[Tensor], RedAttrs>("VarBackward0", (g, [x], a) => [varGrad(g, x, a)]);
// std = sqrt(var); PyTorch's std_backward: var's with g / (2 std), 0 where std is 0 (a
// constant input: 0 times x - mean, so -0 stays -0)
const StdBackward = rule<[Tensor, Tensor], RedAttrs>("StdBackward0", (g, [x, out], a) => [
  varGrad(where(out.eq(0), 0, g.div(out.mul(2))), x, a),
]);
export function variance(x: Tensor, dim: DimArg, keepdim: boolean, takeSqrt: boolean): Tensor {
  if (!isFloating(x.dtype)) throw new Error("std and var only support floating point and complex dtypes");
  const dims = reductionDims(x, dim);
  const count = numelOf(dims.map((d) => x.shape[d]!));
  const out = compute(() => {
    const c = x.sub(x.mean(dims, true));
    const v = c.mul(c).sum(dims, keepdim).div(Math.max(count - 1, 0)); // 0 or 1 element: nan
    return takeSqrt ? v.sqrt() : v;
  });
  if (wantsGrad(x)) {
    const attrs = { shape: x.shape, dims, keepdim, n: count };
    if (takeSqrt) record(out, StdBackward, [x], [x, out], attrs);
    else record(out, VarBackward, [x], [x], attrs);
  }
  return out;
}

// d logsumexp = softmax over the reduced dims = exp(x - out)
const LogsumexpBackward = rule<[Tensor, Tensor], RedAttrs>("LogsumexpBackward0", (g, [x, out], a) => {
  return [expandBack(g, a.shape, a.dims, a.keepdim).mul(x.sub(expandBack(out, a.shape, a.dims, a.keepdim)).exp())];
});
export function logsumexp(x0: Tensor, dim: DimArg, keepdim = false): Tensor {
  if (!isFloating(x0.dtype)) {
    // PyTorch computes an integer or bool logsumexp in the default float dtype
    const xf = castRaw(x0, "float32");
    try { return logsumexp(xf, dim, keepdim); } finally { xf.dispose(); }
  }
  const x = x0;
  const dims = reductionDims(x, dim);
  const out = compute(() => {
    if (numelOf(dims.map((d) => x.shape[d]!)) === 0) {
      const r = reduceRaw(Red.SUM, x, dims, keepdim); // empty: log(0) = -inf
      return r.log();
    }
    const m = reduceRaw(Red.MAX, x, dims, true);
    const finiteM = where(m.abs().eq(Infinity), 0, m);     // keep -inf/inf rows from making nan
    const s = x.sub(finiteM).exp().sum(dims, true).log().add(finiteM);
    return keepdim ? s : reshape(s, keptShape(x.shape, dims, false));
  });
  if (wantsGrad(x)) record(out, LogsumexpBackward, [x], [x, out], { shape: x.shape, dims, keepdim, n: 0 });
  return out;
}

// d||x||_p = x |x|^(p-2) / ||x||^(p-1), as PyTorch's norm_backward, in its order of
// operations and with its masks (a masked factor still multiplies g: 0 * inf is NaN):
// p = 0: no gradient; p = 1: sign(x) g; p = 2: g (x / ||x||, 0 where the norm is 0);
// p = +-inf: sign(x) shared evenly by the extreme entries, and by the NaN entries when the
// norm is NaN (sign(NaN) = 0); p < 1: sign(x) |x|^(p-1) (0 where x is 0) g ||x||^(1-p);
// else sign(x) |x|^(p-1) (x |x|^(p-2) for p > 2) times g / ||x||^(p-1), 0 where the norm is 0
const NormBackward = rule<[Tensor, Tensor], RedAttrs & { p: number }>("NormBackward1", (g, [x, out], a) => {
  const gk = expandBack(g, a.shape, a.dims, a.keepdim);
  const nk = expandBack(out, a.shape, a.dims, a.keepdim);
  const p = a.p;
  if (p === 0) return [null];
  if (p === 1) return [x.sign().mul(gk)];
  if (p === 2) return [gk.mul(where(nk.eq(0), 0, x.div(nk)))];
  if (p === Infinity || p === -Infinity) {
    const hit = logicalOr(x.abs().eq(nk), x.ne(x));
    const count = expandBack(sum(hit, a.dims, true), a.shape, a.dims, true);
    return [x.sign().mul(gk.div(count).mul(hit))];
  }
  if (p < 1) return [x.sign().mul(where(x.eq(0), 0, x.abs().pow(p - 1))).mul(gk).mul(nk.pow(1 - p))];
  const scaled = p < 2 ? x.sign().mul(x.abs().pow(p - 1)) : x.mul(x.abs().pow(p - 2));
  return [scaled.mul(where(nk.eq(0), 0, gk.div(nk.pow(p - 1))))];
});

/** The p-norm over all elements (or `dim`): one recorded op with PyTorch's gradient at 0. */
export function norm(x: Tensor, p: number, dim: DimArg, keepdim: boolean): Tensor {
  if (!isFloating(x.dtype)) {
    throw new Error(`norm(): input dtype should be either floating point or complex. Got ${dtypeName(x.dtype, "scalar")} instead.`);
  }
  const dims = reductionDims(x, dim);
  const out = compute(() => {
    if (p === 0) return x.ne(0).to(x.dtype).sum(dims, keepdim);
    if (p === Infinity || p === -Infinity) {
      if (numelOf(dims.map((d) => x.shape[d]!)) === 0) return reduceRaw(Red.SUM, x.abs(), dims, keepdim); // empty: 0
      return reduceRaw(p > 0 ? Red.MAX : Red.MIN, x.abs(), dims, keepdim);
    }
    if (p === 2) return x.mul(x).sum(dims, keepdim).sqrt();
    if (p === 1) return x.abs().sum(dims, keepdim);
    return x.abs().pow(p).sum(dims, keepdim).pow(1 / p);
  });
  if (wantsGrad(x)) record(out, NormBackward, [x], [x, out], { shape: x.shape, dims, keepdim, n: 0, p });
  return out;
}

// ---- all, any ------------------------------------------------------------------------------

export function allAny(kind: "all" | "any", x: Tensor, dim?: number, keepdim = false): Tensor {
  const dims = reductionDims(x, dim);
  if (x.numel() === 0) {
    const out = allocTensor(x._storage.backend, "bool", keptShape(x.shape, dims, keepdim));
    if (kind === "all") out._storage.backend.fill(out._storage.handle, "bool", 1, 0, out.numel());
    return out;
  }
  // all = min over x != 0, any = max (reduceRaw runs bools as 0/1 and answers in bool)
  const nz = x.dtype === "bool" ? x : castRaw(x, "bool");
  const out = reduceRaw(kind === "all" ? Red.MIN : Red.MAX, nz, dims, keepdim);
  if (nz !== x) nz.dispose();
  return out;
}

