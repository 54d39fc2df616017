/**
 * matmul and friends. Forward: one batched kernel call over strided operands
 * (transposed or broadcast operands are not copied when their batch dims collapse
 * to a single stride). Backward: two matmuls, grad @ b^T and a^T @ grad.
 */
import { isFloating, promoteTypes } from "../dtype.js";
import { broadcastShapes, numelOf } from "../shape.js";
import { Tensor } from "../tensor.js";
import { allocTensor, castRaw, composite, handleOf, moveTo, record, rule, wantsGrad } from "./core.js";
import { sumToShape } from "./reduce.js";
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

/** out[..., m, n] = a[..., m, k] @ b[..., k, n] with broadcast batch dims (no autograd). */
export function bmmRaw(a: Tensor, b0: Tensor): Tensor {
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
  const out = allocTensor(be, work, [...batchShape, m, n], false);
  be.matmul(work, handleOf(av), av._offset, as, handleOf(bv), bv._offset, bs, out._storage.handle, batch, m, k, n);
  av.dispose(); bv.dispose();
  if (a1 !== a) a1.dispose();
  if (b1 !== b) b1.dispose();
  if (b !== b0) b.dispose();
  if (work === dtype) return out;
  const r = castRaw(out, dtype);
  out.dispose();
  return r;
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

const MmBackward = rule("MmBackward0", (n, g) => {
  const [a, b] = n.saved as [Tensor, Tensor];
  return [n.needsInputGrad(0) ? mm(g, b.t()) : null, n.needsInputGrad(1) ? mm(a.t(), g) : null];
});
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2) throw new Error("self must be a matrix");
  if (b.ndim !== 2) throw new Error("mat2 must be a matrix");
  if (a.shape[1] !== b.shape[0]) throw mmShapeError(a.shape, b.shape);
  const out = bmmRaw(a, b);
  if (wantsGrad(a, b)) record(out, MmBackward, [a, b], [a, b]);
  return out;
}

// d(a . b) = g b, g a
const DotBackward = rule("DotBackward0", (n, g) => {
  const [a, b] = n.saved as [Tensor, Tensor];
  return [n.needsInputGrad(0) ? b.mul(g) : null, n.needsInputGrad(1) ? a.mul(g) : null];
});
// d(A v) = g v^T, A^T g
const MvBackward = rule("MvBackward0", (n, g) => {
  const [a, v] = n.saved as [Tensor, Tensor];
  return [
    n.needsInputGrad(0) ? matmul(unsqueeze(g, 1), unsqueeze(v, 0)) : null,
    n.needsInputGrad(1) ? matmul(a.t(), g) : null,
  ];
});
// batched: grad @ b^T and a^T @ grad, summed over broadcast batch dims
const BmmBackward = rule("BmmBackward0", (n, g) => {
  const [a, b] = n.saved as [Tensor, Tensor];
  return [
    n.needsInputGrad(0) ? sumToShape(matmul(g, mT(b)), a.shape) : null,
    n.needsInputGrad(1) ? sumToShape(matmul(mT(a), g), b.shape) : null,
  ];
});

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0]) {
      throw new Error(`inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`);
    }
    const r = bmmRaw(a._viewNoGrad([1, a.shape[0]!]), b._viewNoGrad([b.shape[0]!, 1]));
    const out = r._view([], [], r._offset);
    out._base = null;
    r.dispose();
    if (wantsGrad(a, b)) record(out, DotBackward, [a, b], [a, b]);
    return out;
  }
  if (a.ndim === 2 && b.ndim === 2) return mm(a, b);
  if (a.ndim === 2 && b.ndim === 1) {
    if (a.shape[1] !== b.shape[0]) throw new Error(`size mismatch, got input (${a.shape[0]}), mat (${a.shape[0]}x${a.shape[1]}), vec (${b.shape[0]})`);
    const r = bmmRaw(a, b._viewNoGrad([b.shape[0]!, 1]));
    const out = r._view([a.shape[0]!], [1], 0);
    out._base = null;
    r.dispose();
    if (wantsGrad(a, b)) record(out, MvBackward, [a, b], [a, b]);
    return out;
  }
  return composite(() => matmulGeneral(a, b));
}

/** Batched / broadcast matmul: promote 1-D operands, broadcast batch dims, drop the added dims. */
function matmulGeneral(a: Tensor, b: Tensor): Tensor {
  const a2 = a.ndim === 1 ? unsqueeze(a, 0) : a;
  const b2 = b.ndim === 1 ? unsqueeze(b, 1) : b;
  const k1 = a2.shape[a2.ndim - 1]!, k2 = b2.shape[b2.ndim - 2]!;
  if (k1 !== k2) {
    if (a2.ndim === 2 && b2.ndim === 2) throw mmShapeError(a2.shape, b2.shape);
    throw new Error(
      `Expected size for first two dimensions of batch2 tensor to be: [${broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2)).join(", ")}, ${k1}] but got: [${b2.shape.slice(0, -2).join(", ")}, ${k2}].`,
    );
  }
  if (a2.ndim === 2 && b2.ndim === 2) {
    const r = mm(a2, b2);
    return a.ndim === 1 ? squeeze(r, 0) : squeeze(r, 1);
  }
  let out = bmmRaw(a2, b2);
  if (wantsGrad(a2, b2)) record(out, BmmBackward, [a2, b2], [a2, b2]);
  if (a.ndim === 1) out = squeeze(out, -2);
  if (b.ndim === 1) out = squeeze(out, -1);
  return out;
}

