/**
 * matmul and friends. Forward: one batched kernel call over strided operands
 * (transposed or broadcast operands are not copied when their batch dims collapse
 * to a single stride). Backward: two matmuls, grad @ b^T and a^T @ grad.
 */
import { isFloating, promoteTypes, dtypeName } from "../dtype.js";
import { broadcastShapes, contiguousStrides, numelOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import type { TypedArray } from "../dtype.js";
import { allocTensor, castRaw, composite, handleOf, int32OverflowError, moveTo, record, rule, toInt32Checked, valueRange, wantsGrad } from "./core.js";
import { squeeze, unsqueeze } from "./movement.js";

/** Strides for batch dims collapsed into one, or null when they do not collapse. */
function collapseBatch(shape: readonly number[], strides: readonly number[]): number | null {
  let s: number | null = null;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (s === null) { s = strides[i]!; continue; }
    // the next outer non-1 dim must step over the inner ones exactly
    let inner = 1;
    for (let j = i + 1; j < shape.length; j++) inner *= shape[j]!;
    if (strides[i] !== s * inner) return null;
  }
  return s ?? 0;
}

/** out[..., m, n] = a[..., m, k] @ b[..., k, n] with broadcast batch dims (no autograd).
 *  Integer operands multiply in float64; an int32 result must fit in int32 (else `name` raises). */
export function bmmRaw(a: Tensor, b0: Tensor, name = "matmul"): Tensor {
  const be = a._storage.backend;
  let b = moveTo(b0, be);
  const dtype = promoteTypes(a.dtype, b.dtype);
  const work = isFloating(dtype) ? dtype : "float64";
  const a1 = a.dtype === work ? a : castRaw(a, work);
  const b1 = b.dtype === work ? b : castRaw(b, work);
  const m = a1.shape[a1.ndim - 2]!, k = a1.shape[a1.ndim - 1]!, n = b1.shape[b1.ndim - 1]!;
  const batchShape = broadcastShapes(a1.shape.slice(0, -2), b1.shape.slice(0, -2));
  const batch = numelOf(batchShape);
  const prep = (x: Tensor, rows: number, cols: number): [Tensor, number[]] => {
    let v = x._view([...batchShape, rows, cols], bcast(x, batchShape), x._offset);
    let bs = collapseBatch(batchShape, v._strides.slice(0, -2));
    if (bs === null) { const c = castRaw(v, work); v.dispose(); v = c; bs = rows * cols; }
    return [v, [bs, v._strides[v.ndim - 2]!, v._strides[v.ndim - 1]!]];
  };
  const [av, as] = prep(a1, m, k);
  const [bv, bs] = prep(b1, k, n);
  const outShape = [...batchShape, m, n];
  let out: Tensor;
  try {
    if (dtype === "int32" && k * maxAbs(a1) * maxAbs(b1) >= 2 ** 53) {
      // float64 partial sums could round (they stay exact below 2^53): exact, in 16-bit halves
      const read = (t: Tensor) => be.read(handleOf(t), work, 0, t._storage.numel);
      const exact = exactIntMatmul(read(av), av._offset, as, read(bv), bv._offset, bs, batch, m, k, n, name);
      out = allocTensor(be, "int32", outShape, false);
      be.write(out._storage.handle, "int32", exact, 0);
    } else {
      out = allocTensor(be, work, outShape, false);
      be.matmul(work, handleOf(av), av._offset, as, handleOf(bv), bv._offset, bs, out._storage.handle, batch, m, k, n);
    }
  } finally {
    av.dispose(); bv.dispose();
    if (a1 !== a) a1.dispose();
    if (b1 !== b) b1.dispose();
    if (b !== b0) b.dispose();
  }
  if (out.dtype === dtype) return out;
  try {
    return dtype === "int32" ? toInt32Checked(out, name, matmulHint(name)) : castRaw(out, dtype);
  } finally {
    out.dispose();
  }
}

/** matmul does not promote: both operands go to float64. */
const matmulHint = (name: string) => `a.double().${name}(b.double())`;

/** The largest |x| of a float64 tensor. */
function maxAbs(t: Tensor): number {
  const [lo, hi] = valueRange(t);
  return t.numel() === 0 ? 0 : Math.max(-lo, hi);
}

/**
 * Exact batched int32 matmul of operands held as float64 (strided as for Backend.matmul),
 * for when float64 sums may round: each operand splits into its high and low 16 bits, and
 * the three partial sums (high*high, the cross terms, low*low) stay exact, their carries
 * moved up every 2^20 terms. The int32 results, or the overflow error for `name`.
 */
function exactIntMatmul(
  A: TypedArray, ao: number, as: readonly number[], B: TypedArray, bo: number, bs: readonly number[],
  batch: number, m: number, k: number, n: number, name: string,
): Int32Array {
  const out = new Int32Array(batch * m * n);
  const H = 65536;
  const carry = (acc: [number, number, number]) => {
    let c = Math.floor(acc[2] / H); acc[2] -= c * H; acc[1] += c;
    c = Math.floor(acc[1] / H); acc[1] -= c * H; acc[0] += c;
  };
  let q = 0;
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const acc: [number, number, number] = [0, 0, 0]; // high*high, cross, low*low
        let pa = ao + bi * as[0]! + i * as[1]!, pb = bo + bi * bs[0]! + j * bs[2]!;
        for (let p = 0; p < k; p++, pa += as[2]!, pb += bs[1]!) {
          const x = A[pa]!, y = B[pb]!;
          const xh = x >> 16, xl = x & 0xffff, yh = y >> 16, yl = y & 0xffff;
          acc[0] += xh * yh; acc[1] += xh * yl + xl * yh; acc[2] += xl * yl;
          if ((p & 0xfffff) === 0xfffff) carry(acc);
        }
        carry(acc);
        // the sum is acc[0] 2^32 + low, 0 <= low < 2^32: it fits when acc[0] is its sign
        const low = acc[1] * H + acc[2];
        if (!(acc[0] === 0 && low < 2 ** 31) && !(acc[0] === -1 && low >= 2 ** 31)) throw int32OverflowError(name, matmulHint(name));
        out[q++] = low | 0;
      }
    }
  }
  return out;
}

/** Strides of x (shape [...batch, r, c]) broadcast to [...batchShape, r, c]. */
function bcast(x: Tensor, batchShape: number[]): number[] {
  const xb = x.shape.slice(0, -2), xs = x._strides.slice(0, -2);
  const lead = batchShape.length - xb.length;
  const out: number[] = [];
  for (let i = 0; i < batchShape.length; i++) {
    const j = i - lead;
    out.push(j < 0 || xb[j] === 1 ? 0 : xs[j]!);
  }
  return [...out, x._strides[x.ndim - 2]!, x._strides[x.ndim - 1]!];
}

function mmShapeError(a: number[], b: number[]): Error {
  return new Error(`mat1 and mat2 shapes cannot be multiplied (${a[0]}x${a[1]} and ${b[0]}x${b[1]})`);
}

const mT = (x: Tensor) => x.transpose(-2, -1);

const MmBackward = rule<[Tensor, Tensor]>("MmBackward0", (g, [a, b], _, needsInputGrad) => [
  needsInputGrad(0) ? mm(g, b.t()) : null,
  needsInputGrad(1) ? mm(a.t(), g) : null,
]);
/** `name`: the op as called (matmul of two matrices is mm), for errors. */
export function mm(a: Tensor, b: Tensor, name = "mm"): Tensor {
  if (a.ndim !== 2) throw new Error("self must be a matrix");
  if (b.ndim !== 2) throw new Error("mat2 must be a matrix");
  checkSameDtype(a, b);
  if (a.shape[1] !== b.shape[0]) throw mmShapeError(a.shape, b.shape);
  checkNotBool(a, "addmm_impl_cpu_", a.shape[0]! * b.shape[1]!, a.shape[1]!);
  const out = bmmRaw(a, b, name);
  if (wantsGrad(a, b)) record(out, MmBackward, [a, b], [a, b]);
  return out;
}

// d(a . b) = g b, g a
const DotBackward = rule<[Tensor, Tensor]>("DotBackward0", (g, [a, b], _, needsInputGrad) => [
  needsInputGrad(0) ? b.mul(g) : null,
  needsInputGrad(1) ? a.mul(g) : null,
]);
// d(A v) = g v^T, A^T g
const MvBackward = rule<[Tensor, Tensor]>("MvBackward0", (g, [a, v], _, needsInputGrad) => [
  needsInputGrad(0) ? matmul(unsqueeze(g, 1), unsqueeze(v, 0)) : null,
  needsInputGrad(1) ? matmul(a.t(), g) : null,
]);


/** fn(views), then the views disposed (also when fn raises). */
function withViews(views: Tensor[], fn: (views: Tensor[]) => Tensor): Tensor {
  try { return fn(views); } finally { for (const v of views) v.dispose(); }
}

/**
 * PyTorch has no bool matrix product: its error names the kernel the product dispatches to, which
 * runs (and so fails) only when the result and the summed dimension are non-empty (dot always runs).
 */
function checkNotBool(a: Tensor, kernel: "dot" | "addmv_impl_cpu" | "addmm_impl_cpu_" | "bmm", outNumel: number, k: number): void {
  if (a.dtype === "bool" && (kernel === "dot" || (outNumel > 0 && k > 0))) throw new Error(`"${kernel}" not implemented for 'Bool'`);
}

/** matmul/mm do not promote: PyTorch's error for mixed dtypes. */
function checkSameDtype(a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw new Error(`expected scalar type ${dtypeName(a.dtype, "scalar")} but found ${dtypeName(b.dtype, "scalar")}`);
}

function mvError(rows: number, k: number, v: number): Error {
  return new Error(`size mismatch, got ${rows}, ${rows}x${k},${v}`);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  checkSameDtype(a, b);
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0]) {
      throw new Error(`inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`);
    }
    checkNotBool(a, "dot", 1, a.shape[0]!);
    const r = withViews([a._viewNoGrad([1, a.shape[0]!]), b._viewNoGrad([b.shape[0]!, 1])], ([av, bv]) => bmmRaw(av!, bv!, "matmul"));
    const out = r._onStorage([], [], r._offset);
    r.dispose();
    if (wantsGrad(a, b)) record(out, DotBackward, [a, b], [a, b]);
    return out;
  }
  if (a.ndim === 2 && b.ndim === 2) return mm(a, b, "matmul");
  if (a.ndim === 2 && b.ndim === 1) {
    if (a.shape[1] !== b.shape[0]) throw mvError(a.shape[0]!, a.shape[1]!, b.shape[0]!);
    checkNotBool(a, "addmv_impl_cpu", a.shape[0]!, a.shape[1]!);
    const r = withViews([b._viewNoGrad([b.shape[0]!, 1])], ([bv]) => bmmRaw(a, bv!, "matmul"));
    const out = r._onStorage([a.shape[0]!], [1], 0);
    r.dispose();
    if (wantsGrad(a, b)) record(out, MvBackward, [a, b], [a, b]);
    return out;
  }
  if (a.ndim === 1 && b.ndim === 2) return composite(() => squeeze(mm(unsqueeze(a, 0), b, "matmul"), 0));
  return matmulBatched(a, b);
}

// batched / broadcast: grad @ b^T and a^T @ grad, with the dims added for 1-D operands taken
// off again (PyTorch records this as UnsafeViewBackward0); the engine sums each over the
// broadcast batch dims
const BatchedMatmulBackward = rule<[Tensor, Tensor]>("UnsafeViewBackward0", (g, [a, b], _, needsInputGrad) => {
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
  let g2 = a.ndim === 1 ? g.unsqueeze(-2) : g;
  if (b.ndim === 1) g2 = g2.unsqueeze(-1);
  let ga: Tensor | null = null, gb: Tensor | null = null;
  if (needsInputGrad(0)) { ga = matmul(g2, mT(b2)); if (a.ndim === 1) ga = ga.squeeze(-2); }
  if (needsInputGrad(1)) { gb = matmul(mT(a2), g2); if (b.ndim === 1) gb = gb.squeeze(-1); }
  return [ga, gb];
});

/** Promote 1-D operands, broadcast batch dims, multiply, drop the added dims: one node. */
function matmulBatched(a: Tensor, b: Tensor): Tensor {
  const k1 = a.shape[a.ndim - 1]!, k2 = b.shape[b.ndim === 1 ? 0 : b.ndim - 2]!;
  if (k1 !== k2) {
    if (b.ndim === 1) throw mvError(numelOf(a.shape.slice(0, -1)), k1, k2);
    if (a.ndim === 1) throw mvError(numelOf(b.shape.slice(0, -2)) * b.shape[b.ndim - 1]!, k2, k1);
    if (b.ndim === 2) throw mmShapeError([numelOf(a.shape.slice(0, -1)), k1], b.shape);
    throw new Error(
      `Expected size for first two dimensions of batch2 tensor to be: [${broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2)).join(", ")}, ${k1}] but got: [${b.shape.slice(0, -2).join(", ")}, ${k2}].`,
    );
  }
  // PyTorch folds a batched operand times a 1-D or 2-D one into one mv or mm
  const folded = Math.min(a.ndim, b.ndim) === 1 ? "addmv_impl_cpu" : Math.min(a.ndim, b.ndim) === 2 ? "addmm_impl_cpu_" : "bmm";
  const outNumel = numelOf(broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2))) *
    (a.ndim === 1 ? 1 : a.shape[a.ndim - 2]!) * (b.ndim === 1 ? 1 : b.shape[b.ndim - 1]!);
  checkNotBool(a, folded, outNumel, k1);
  const a2 = a.ndim === 1 ? a._view([1, a.shape[0]!], [0, a._strides[0]!], a._offset) : a;
  const b2 = b.ndim === 1 ? b._view([b.shape[0]!, 1], [b._strides[0]!, 0], b._offset) : b;
  let full: Tensor;
  try {
    full = bmmRaw(a2, b2);
  } finally {
    if (a2 !== a) a2.dispose();
    if (b2 !== b) b2.dispose();
  }
  let shape = full.shape.slice();
  if (a.ndim === 1) shape.splice(shape.length - 2, 1);
  if (b.ndim === 1) shape = shape.slice(0, -1);
  const out = full._onStorage(shape, contiguousStrides(shape), 0);
  full.dispose();
  if (wantsGrad(a, b)) record(out, BatchedMatmulBackward, [a, b], [a, b]);
  return out;
}

// ---- bmm, dot, outer ----------------------------------------------------------------------------

// d(A B) per batch: g B^T, A^T g
const BmmBackward = rule<[Tensor, Tensor]>("BmmBackward0", (g, [a, b], _, needsInputGrad) => [
  needsInputGrad(0) ? bmm(g, b.transpose(1, 2)) : null,
  needsInputGrad(1) ? bmm(a.transpose(1, 2), g) : null,
]);
/** Batched matrix product of two 3-D tensors with the same batch size (no broadcasting). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3) throw new Error("batch1 must be a 3D tensor");
  if (b.ndim !== 3) throw new Error("batch2 must be a 3D tensor");
  if (b.shape[0] !== a.shape[0] || b.shape[1] !== a.shape[2]) {
    throw new Error(`Expected size for first two dimensions of batch2 tensor to be: [${a.shape[0]}, ${a.shape[2]}] but got: [${b.shape[0]}, ${b.shape[1]}].`);
  }
  checkSameDtype(a, b);
  checkNotBool(a, "bmm", a.shape[0]! * a.shape[1]! * b.shape[2]!, a.shape[2]!);
  const out = bmmRaw(a, b, "bmm");
  if (wantsGrad(a, b)) record(out, BmmBackward, [a, b], [a, b]);
  return out;
}

/** The dot product of two 1-D tensors of the same dtype (DotBackward0). */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new Error(`1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors`);
  if (a.shape[0] !== b.shape[0]) {
    throw new Error(`inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`);
  }
  if (a.dtype !== b.dtype) {
    throw new Error(`dot : expected both vectors to have same dtype, but found ${dtypeName(a.dtype, "scalar")} and ${dtypeName(b.dtype, "scalar")}`);
  }
  return matmul(a, b);
}

/** The outer product a b^T of two 1-D tensors: `a.reshape(-1, 1).mul(b)`, as PyTorch (MulBackward0). */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1) throw new Error(`outer: Expected 1-D argument self, but got ${a.ndim}-D`);
  if (b.ndim !== 1) throw new Error(`outer: Expected 1-D argument vec2, but got ${b.ndim}-D`);
  return composite(() => a.reshape(a.shape[0]!, 1).mul(b));
}
