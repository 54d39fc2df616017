/**
 * Scans and order statistics: cumsum, cumprod, amax, amin, sort, argsort, topk. Each runs one
 * kernel over the [outer, axis, inner] block of the dimension (Backend.scan, cumprodBackward,
 * sort, topk, reduce). Gradients: cumsum's is a reversed cumsum, cumprod's an exact kernel
 * (zeros included); sort's and topk's scatter the gradient back to where the values came from.
 */
import { Red, Scan, type ScanOp } from "../backend/backend.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import type { DType } from "../dtype.js";
import { normDim, numelOf } from "../shape.js";
import { Tensor, type DimArg } from "../tensor.js";
import { allocTensor, castRaw, contiguousRaw, handleOf, int32OverflowError, moveTo, record, rule, wantsGrad } from "./core.js";
import { reduceRaw, reductionDims, type ValuesIndices } from "./reduce.js";
import { cat, expand, index, reshape, stack } from "./movement.js";
import { flip, scatter } from "./indexing.js";
import { kernelTypeName } from "./activations.js";

/** [outer, axis, inner] of x around dimension d (a 0-d tensor: [1, 1, 1]). */
function blockOf(x: Tensor, d: number): [number, number, number] {
  if (x.ndim === 0) return [1, 1, 1];
  return [numelOf(x.shape.slice(0, d)), x.shape[d]!, numelOf(x.shape.slice(d + 1))];
}

/** The values sorted/topk'd with their indices: `{ values, indices }`, iterable as a pair. */
function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return { values, indices, [Symbol.iterator]: function* () { yield values; yield indices; } } as ValuesIndices;
}

// ---- cumsum, cumprod -----------------------------------------------------------------------------

/** A scan kernel over dimension d (no autograd); `reverse` runs from the end. */
function scanRaw(op: ScanOp, x: Tensor, d: number, reverse: boolean, name: string): Tensor {
  const src = contiguousRaw(x);
  const be = x._storage.backend;
  const out = allocTensor(be, x.dtype, x.shape.slice(), false);
  const [outer, axis, inner] = blockOf(x, d);
  const overflow = be.scan(op, x.dtype, handleOf(src), src._offset, outer, axis, inner, out._storage.handle, reverse);
  if (src !== x) src.dispose();
  if (overflow) { out.dispose(); throw int32OverflowError(name); }
  return out;
}

/** The dtype a cumulative op computes in: bool counts as int32 (PyTorch: int64). */
function scanInput(x: Tensor): Tensor {
  return x.dtype === "bool" ? castRaw(x, "int32") : x;
}

// reversed cumsum of the gradient: a kernel, or under createGraph flip/cumsum/flip (as PyTorch)
const CumsumBackward = rule<[], number>("CumsumBackward0", (g, _, d) => {
  if (g.ndim === 0 || g.numel() <= 1 || g.shape[d] === 1) return [g];
  if (isGradEnabled()) return [flip(cumsum(flip(g, [d]), d), [d])];
  return [scanRaw(Scan.SUM, g, d, true, "cumsum")];
});

/** Cumulative sum along `dim`; int32 and bool give int32 (PyTorch: int64). */
export function cumsum(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim);
  const xi = scanInput(x);
  const out = scanRaw(Scan.SUM, xi, d, false, "cumsum");
  if (xi !== x) xi.dispose();
  if (wantsGrad(x)) record(out, CumsumBackward, [x], null, d);
  return out;
}

/**
 * cumprod's gradient: the exact kernel, or under createGraph the same recurrence in Tensor ops
 * (dx_i = P_i S_i, P_i the product before i, S_i = g_i + x_(i+1) S_(i+1)), differentiable again.
 */
const CumprodBackward = rule<[Tensor], number>("CumprodBackward0", (g, [x], d) => {
  if (x.ndim === 0 || x.numel() <= 1 || x.shape[d] === 1) return [g];
  if (isGradEnabled()) return [cumprodGradComposite(g, x, d)];
  const be = x._storage.backend;
  const xc = contiguousRaw(x);
  const gc = contiguousRaw(g.dtype === x.dtype ? moveTo(g, be) : castRaw(g, x.dtype));
  const out = allocTensor(be, x.dtype, x.shape.slice(), false);
  const [outer, axis, inner] = blockOf(x, d);
  be.cumprodBackward(x.dtype, handleOf(xc), xc._offset, handleOf(gc), gc._offset, outer, axis, inner, out._storage.handle);
  if (xc !== x) xc.dispose();
  if (gc !== g) gc.dispose();
  return [out];
});

function cumprodGradComposite(g0: Tensor, x: Tensor, d: number): Tensor {
  const g = g0.shape.length === x.shape.length ? g0 : expand(g0, x.shape);
  const n = x.shape[d]!;
  const at = (t: Tensor, k: number) => {
    const sel: (number | null)[] = t.shape.map(() => null);
    sel[d] = k;
    return index(t, sel);
  };
  const s: Tensor[] = new Array<Tensor>(n);
  s[n - 1] = at(g, n - 1);
  for (let k = n - 2; k >= 0; k--) s[k] = at(g, k).add(at(x, k + 1).mul(s[k + 1]!));
  const sel: ([number, number] | null)[] = x.shape.map(() => null);
  sel[d] = [0, n - 1];
  const head = index(x, sel).cumprod(d);
  const oneShape = x.shape.slice();
  oneShape[d] = 1;
  const ones = allocTensor(x._storage.backend, x.dtype, oneShape);
  ones._storage.backend.fill(ones._storage.handle, x.dtype, 1, 0, ones.numel());
  const prefix = cat([ones, head], d);
  return prefix.mul(stack(s, d));
}

/** Cumulative product along `dim`; int32 and bool give int32 (PyTorch: int64). */
export function cumprod(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim);
  const xi = scanInput(x);
  const out = scanRaw(Scan.PROD, xi, d, false, "cumprod");
  if (xi !== x) xi.dispose();
  if (wantsGrad(x)) record(out, CumprodBackward, [x], [x], d);
  return out;
}

// ---- amax, amin ------------------------------------------------------------------------------------

interface AmaxAttrs { shape: number[]; dims: number[]; keepdim: boolean }

// the gradient shared evenly among the elements equal to the result (PyTorch's scale_grad_by_count)
function amaxGrad(name: string) {
  return rule<[Tensor, Tensor], AmaxAttrs>(name, (g, [x, out], a) => {
    const keep = x.shape.map((s, i) => (a.dims.includes(i) ? 1 : s));
    const gk = a.keepdim ? g : reshape(g, keep);
    const ok = a.keepdim ? out : reshape(out, keep);
    const mask = ok.eq(x);
    return [gk.div(mask.sum(a.dims, true)).mul(mask)];
  });
}
const AmaxBackward = amaxGrad("AmaxBackward0");
const AminBackward = amaxGrad("AminBackward0");

/** The largest (amax) or smallest (amin) values over `dim` (one, several, or all dims). */
export function amaxAmin(kind: "amax" | "amin", x: Tensor, dim: DimArg, keepdim: boolean): Tensor {
  const dims = reductionDims(x, dim);
  if (x.numel() === 0) {
    const all = dim === undefined || (Array.isArray(dim) && dim.length === 0);
    if (all) throw new Error(`${kind}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
    for (const d of dims) if (x.shape[d] === 0) throw new Error(`${kind}(): Expected reduction dim ${d} to have non-zero size.`);
  }
  const out = reduceRaw(kind === "amax" ? Red.MAX : Red.MIN, x, dims, keepdim);
  if (wantsGrad(x)) record(out, kind === "amax" ? AmaxBackward : AminBackward, [x], [x, out], { shape: x.shape.slice(), dims, keepdim });
  return out;
}

// ---- sort, argsort, topk -------------------------------------------------------------------------

/** Scatter the gradient of the selected values back to where they came from (PyTorch's
 *  value_selecting_reduction_backward): zeros(x.shape).scatter(dim, indices, grad). */
function selectedGrad(name: string) {
  return rule<[Tensor], { d: number; shape: number[] }>(name, (g, [indices], { d, shape }) => {
    if (shape.length === 0) return [g];
    const z = allocTensor(g._storage.backend, g.dtype, shape.slice());
    return [scatter(z, d, indices, g)];
  });
}
const SortBackward = selectedGrad("SortBackward0");
const TopkBackward = selectedGrad("TopkBackward0");

/** The sort (or topk) kernel on dtype `work` (bool sorts as 0/1 int32). */
function sortRaw(x: Tensor, d: number, descending: boolean): [Tensor, Tensor] {
  const work: DType = x.dtype === "bool" ? "int32" : x.dtype;
  const src = x.dtype === work ? contiguousRaw(x) : castRaw(x, work);
  const be = x._storage.backend;
  const values = allocTensor(be, work, x.shape.slice(), false);
  const indices = allocTensor(be, "int32", x.shape.slice(), false);
  const [outer, axis, inner] = blockOf(x, d);
  be.sort(work, handleOf(src), src._offset, outer, axis, inner, values._storage.handle, indices._storage.handle, descending);
  if (src !== x) src.dispose();
  if (work === x.dtype) return [values, indices];
  const v = castRaw(values, x.dtype);
  values.dispose();
  return [v, indices];
}

/** `{ values, indices }` of x sorted along dim, ties and NaN ordered as PyTorch 1.13 orders them. */
export function sort(x: Tensor, dim: number, descending: boolean): ValuesIndices {
  const d = normDim(dim, x.ndim);
  const [values, indices] = sortRaw(x, d, descending);
  if (wantsGrad(x)) record(values, SortBackward, [x], [indices], { d, shape: x.shape.slice() });
  return valuesIndices(values, indices);
}

/** The int32 indices that sort x along dim. */
export function argsort(x: Tensor, dim: number, descending: boolean): Tensor {
  const d = normDim(dim, x.ndim);
  const [values, indices] = sortRaw(x, d, descending);
  values.dispose();
  return indices;
}

/** The k largest (or smallest) values along dim and their int32 indices, as PyTorch's topk. */
export function topk(x: Tensor, k: number, dim: number, largest: boolean, sorted: boolean): ValuesIndices {
  const d = normDim(dim, x.ndim);
  if (x.dtype === "bool") throw new Error(`"topk_cpu" not implemented for '${kernelTypeName(x.dtype)}'`);
  const size = x.ndim === 0 ? 1 : x.shape[d]!;
  if (k < 0 || k > size) throw new Error("selected index k out of range");
  const shape = x.shape.slice();
  if (shape.length > 0) shape[d] = k;
  const be = x._storage.backend;
  const values = allocTensor(be, x.dtype, shape, false);
  const indices = allocTensor(be, "int32", shape.slice(), false);
  const src = contiguousRaw(x);
  const [outer, axis, inner] = blockOf(x, d);
  // a 0-d tensor's topk (k 0 or 1) is itself at index 0, as PyTorch
  be.topk(x.dtype, handleOf(src), src._offset, outer, axis, inner, x.ndim === 0 ? 1 : k, largest, sorted, values._storage.handle, indices._storage.handle);
  if (src !== x) src.dispose();
  if (wantsGrad(x)) record(values, TopkBackward, [x], [indices], { d, shape: x.shape.slice() });
  return valuesIndices(values, indices);
}
