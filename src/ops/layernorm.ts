/**
 * Layer normalisation (PyTorch's native_layer_norm) over the last dims of a tensor: one forward
 * kernel (Backend.layerNorm) saving each row's mean and rstd, and one backward kernel
 * (Backend.layerNormBackward) giving the input gradient and the weight and bias gradients summed
 * over the rows. Recorded as one NativeLayerNormBackward0 node. Under createGraph the rule
 * composes the same gradients from differentiable Tensor ops instead (recomputing the
 * statistics from x), so gradients of gradients work. No argument checks here:
 * src/nn/functional_attn.ts checks the public call.
 */
import { Tensor } from "../tensor.js";
import { allocTensor, contiguousRaw, handleOf, record, rule, wantsGrad } from "./core.js";

interface LayerNormAttrs {
  /** Elements per row (the normalised dims' product) and rows (the rest). */
  readonly cols: number;
  readonly rows: number;
  /** The normalised (trailing) dims. */
  readonly dims: number[];
  readonly eps: number;
  readonly hasWeight: boolean;
  readonly hasBias: boolean;
}

/** The backward kernel: [gx, gw, gb] as wanted (null otherwise), no autograd. */
function layerNormBackwardRaw(
  g: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, w: Tensor | null, a: LayerNormAttrs, want: [boolean, boolean, boolean],
): (Tensor | null)[] {
  const be = x._storage.backend;
  const dtype = x.dtype;
  const gc = contiguousRaw(g), xc = contiguousRaw(x), wc = w === null ? null : contiguousRaw(w);
  const wShape = x.shape.slice(x.ndim - a.dims.length);
  const gx = want[0] ? allocTensor(be, dtype, x.shape.slice(), false) : null;
  const gw = want[1] ? allocTensor(be, dtype, wShape) : null;
  const gb = want[2] ? allocTensor(be, dtype, wShape.slice()) : null;
  try {
    be.layerNormBackward(
      dtype, handleOf(gc), gc._offset, handleOf(xc), xc._offset, handleOf(mean), handleOf(rstd),
      wc === null ? null : handleOf(wc), wc === null ? 0 : wc._offset,
      gx === null ? null : gx._storage.handle, gw === null ? null : gw._storage.handle, gb === null ? null : gb._storage.handle,
      a.rows, a.cols,
    );
  } finally {
    if (gc !== g) gc.dispose();
    if (xc !== x) xc.dispose();
    if (wc !== null && wc !== w) wc.dispose();
  }
  return [gx, gw, gb];
}

/** The same gradients from differentiable ops (for createGraph). */
function layerNormBackwardComposite(g: Tensor, x: Tensor, w: Tensor | null, a: LayerNormAttrs, want: [boolean, boolean, boolean]): (Tensor | null)[] {
  const mu = x.mean(a.dims, true);
  const xc = x.sub(mu);
  const rstd = xc.mul(xc).mean(a.dims, true).add(a.eps).rsqrt();
  const xhat = xc.mul(rstd);
  const ga = w === null ? g : g.mul(w);
  const gx = want[0]
    ? rstd.mul(ga.sub(ga.mean(a.dims, true)).sub(xhat.mul(ga.mul(xhat).mean(a.dims, true))))
    : null;
  // the engine sums these to the parameters' shapes
  return [gx, want[1] ? g.mul(xhat) : null, want[2] ? g : null];
}

// saved: x, mean, rstd, and the weight when there is one
const NativeLayerNormBackward = rule<Tensor[], LayerNormAttrs>("NativeLayerNormBackward0", (g, saved, a, needsInputGrad) => {
  const [x, mean, rstd] = saved as [Tensor, Tensor, Tensor];
  const w = a.hasWeight ? saved[3]! : null;
  const want: [boolean, boolean, boolean] = [needsInputGrad(0), a.hasWeight && needsInputGrad(1), a.hasBias && needsInputGrad(2)];
  if (wantsGrad(g, x, w)) return layerNormBackwardComposite(g, x, w, a, want);
  return layerNormBackwardRaw(g, x, mean, rstd, w, a, want);
});

/**
 * `(x - mean) / sqrt(var + eps) * weight + bias` over the last `nDims` dims of `x` (float32 or
 * float64; weight and bias of those dims' shape and x's dtype, or null), as one
 * NativeLayerNormBackward0 node.
 */
export function layerNorm(x: Tensor, nDims: number, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const be = x._storage.backend;
  const dtype = x.dtype;
  const dims: number[] = [];
  for (let d = x.ndim - nDims; d < x.ndim; d++) dims.push(d);
  let cols = 1;
  for (const d of dims) cols *= x.shape[d]!;
  const numel = x.numel();
  const rows = cols === 0 ? x.shape.slice(0, x.ndim - nDims).reduce((p, n) => p * n, 1) : numel / cols;
  const xc = contiguousRaw(x), wc = weight === null ? null : contiguousRaw(weight), bc = bias === null ? null : contiguousRaw(bias);
  const out = allocTensor(be, dtype, x.shape.slice(), false);
  const mean = allocTensor(be, dtype, [rows], false), rstd = allocTensor(be, dtype, [rows], false);
  try {
    be.layerNorm(
      dtype, handleOf(xc), xc._offset, wc === null ? null : handleOf(wc), wc === null ? 0 : wc._offset,
      bc === null ? null : handleOf(bc), bc === null ? 0 : bc._offset,
      out._storage.handle, mean._storage.handle, rstd._storage.handle, rows, cols, eps,
    );
  } finally {
    if (xc !== x) xc.dispose();
    if (wc !== null && wc !== weight) wc.dispose();
    if (bc !== null && bc !== bias) bc.dispose();
  }
  if (wantsGrad(x, weight, bias)) {
    const saved = weight === null ? [x, mean, rstd] : [x, mean, rstd, weight];
    record(out, NativeLayerNormBackward, [x, weight, bias], saved, { cols, rows, dims, eps, hasWeight: weight !== null, hasBias: bias !== null });
  }
  mean.dispose();
  rstd.dispose();
  return out;
}
