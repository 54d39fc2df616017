/**
 * Views and copies that split, select, repeat or rearrange: split, chunk, unbind (several views
 * with one multi-output node, as PyTorch), narrow, select, repeat, roll, tril, triu.
 */
import { Bin } from "../backend/backend.js";
import { FnNode, type GradRule } from "../autograd/node.js";
import { CreationMeta } from "../autograd/meta.js";
import { gradEdge, inputNrsOf } from "../autograd/engine.js";
import { contiguousStrides, normDim } from "../shape.js";
import { Tensor, type IndexArg } from "../tensor.js";
import { allocTensor, castRaw, compute, handleOf, record, rule, wantsGrad } from "./core.js";
import { arangeAlong, cat, indexAs, reshape, stack } from "./movement.js";
import { binaryRaw, where } from "./elementwise.js";

// ---- several views from one node: split, chunk, unbind --------------------------------------------

/**
 * Record one node for several view outputs (PyTorch's multi-output view functions): output i is
 * the node's output number i, and, as in PyTorch, changing one of them in place is an error while
 * it requires grad ("Output i of SplitBackward0 is a view and is being modified inplace...").
 */
function recordViews(outs: Tensor[], r: GradRule, x: Tensor, attrs: unknown): Tensor[] {
  if (wantsGrad(x)) {
    const node = new FnNode(r, [gradEdge(x)], attrs, inputNrsOf([x]), [x]);
    node.numOutputs = outs.length;
    outs.forEach((o, i) => {
      o.gradFn = node;
      o._outputNr = i;
    });
  }
  outs.forEach((o, i) => {
    const view = o._viewMeta!;
    view.creationMeta = CreationMeta.MULTI_OUTPUT_NODE;
    view.customFnOutput = `Output ${i} of ${r.name}`;
  });
  return outs;
}

/** A rule over the gradients of all outputs (null where none arrived): zeros fill the gaps. */
function multiRule(name: string, combine: (grads: Tensor[], a: SplitAttrs) => Tensor): GradRule {
  const r: GradRule = {
    name,
    // one piece: the engine passes its gradient alone
    backward: (node, grad) => r.backwardOutputs!(node, [grad]),
    backwardOutputs: (node, grads) => {
      const a = node.attrs as SplitAttrs;
      const ref = grads.find((g) => g !== null)!;
      const full = grads.map((g, i) => {
        if (g !== null) return g;
        const shape = a.shape.slice();
        if (a.unbind) shape.splice(a.dim, 1);
        else shape[a.dim] = a.sizes[i]!;
        return allocTensor(ref._storage.backend, ref.dtype, shape);
      });
      return [combine(full, a)];
    },
  };
  return r;
}

interface SplitAttrs { dim: number; sizes: number[]; shape: number[]; unbind: boolean }

const SplitBackward = multiRule("SplitBackward0", (grads, a) => cat(grads, a.dim));
const SplitWithSizesBackward = multiRule("SplitWithSizesBackward0", (grads, a) => cat(grads, a.dim));
const UnbindBackward = multiRule("UnbindBackward0", (grads, a) => stack(grads, a.dim));

/** Views of x along dim, one per size in `sizes` (they sum to the dim's size). */
function slices(x: Tensor, d: number, sizes: readonly number[]): Tensor[] {
  let start = 0;
  return sizes.map((len) => {
    const shape = x.shape.slice();
    shape[d] = len;
    const v = x._view(shape, x._strides.slice(), x._offset + start * x._strides[d]!);
    start += len;
    return v;
  });
}

/** PyTorch's split: pieces of `size` along dim (the last one smaller), or of the given sizes. */
export function split(x: Tensor, sizeOrSizes: number | number[], dim: number): Tensor[] {
  if (x.ndim === 0) throw new Error("split expects at least a 1-dimensional tensor");
  const d = normDim(dim, x.ndim);
  const n = x.shape[d]!;
  if (Array.isArray(sizeOrSizes)) {
    const sizes = sizeOrSizes;
    const text = `[${sizes.join(", ")}]`;
    if (sizes.some((s) => s < 0)) throw new Error(`split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=${text}`);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) {
      throw new Error(`split_with_sizes expects split_sizes to sum exactly to ${n} (input tensor's size at dimension ${d}), but got split_sizes=${text}`);
    }
    return recordViews(slices(x, d, sizes), SplitWithSizesBackward, x, { dim: d, sizes: sizes.slice(), shape: x.shape.slice(), unbind: false });
  }
  const size = sizeOrSizes;
  if (size < 0) throw new Error(`split expects split_size be non-negative, but got split_size=${size}`);
  if (size === 0 && n !== 0) throw new Error(`split_size can only be 0 if dimension size is 0, but got dimension size of ${n}`);
  const count = size === 0 ? 1 : Math.max(Math.ceil(n / size), 1);
  const sizes = Array.from({ length: count }, (_, i) => (i < count - 1 ? size : size - (size * count - n)));
  return recordViews(slices(x, d, sizes), SplitBackward, x, { dim: d, sizes, shape: x.shape.slice(), unbind: false });
}

/** PyTorch's chunk: `chunks` pieces (fewer when the size does not allow) along dim. */
export function chunk(x: Tensor, chunks: number, dim: number): Tensor[] {
  if (x.ndim === 0) throw new Error("chunk expects at least a 1-dimensional tensor");
  if (chunks <= 0) throw new Error(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const d = normDim(dim, x.ndim);
  const n = x.shape[d]!;
  const size = Math.ceil(n / chunks);
  // an empty dim keeps the number of chunks (split would make one): split_with_sizes, as PyTorch
  if (size === 0 && n === 0) return split(x, new Array<number>(chunks).fill(0), d);
  return split(x, size, d);
}

/** PyTorch's unbind: the slices along dim, each without that dim. */
export function unbind(x: Tensor, dim: number): Tensor[] {
  if (x.ndim === 0) throw new Error(`Dimension specified as ${dim} but tensor has no dimensions`);
  const d = normDim(dim, x.ndim);
  const shape = x.shape.filter((_, i) => i !== d), strides = x._strides.filter((_, i) => i !== d);
  const outs = Array.from({ length: x.shape[d]! }, (_, i) => x._view(shape.slice(), strides.slice(), x._offset + i * x._strides[d]!));
  return recordViews(outs, UnbindBackward, x, { dim: d, sizes: [], shape: x.shape.slice(), unbind: true });
}

// ---- narrow, select ------------------------------------------------------------------------------

/** PyTorch's narrow: the view of `length` elements from `start` along dim (SliceBackward0). */
export function narrow(x: Tensor, dim: number, start0: number, length: number): Tensor {
  if (x.ndim === 0) throw new Error("narrow() cannot be applied to a 0-dim tensor.");
  const d = normDim(dim, x.ndim);
  const size = x.shape[d]!;
  // start may equal the size (an empty view at the end): not a dim position, so not wrapped
  const start = start0 === size ? start0 : normDim(start0, size);
  if (!(length >= 0 && start <= size - length)) {
    throw new Error(`start (${start}) + length (${length}) exceeds dimension size (${size}).`);
  }
  const idx: IndexArg[] = x.shape.map(() => null);
  idx[d] = [start, start + length];
  return indexAs(x, idx.slice(0, d + 1), "slice");
}

/** PyTorch's select: the view at `i` along dim, without that dim (SelectBackward0). */
export function select(x: Tensor, dim: number, i: number): Tensor {
  if (x.ndim === 0) throw new Error("select() cannot be applied to a 0-dim tensor.");
  const d = normDim(dim, x.ndim);
  const size = x.shape[d]!;
  if (i < -size || i >= size) {
    throw new Error(`select(): index ${i} out of range for tensor of size [${x.shape.join(", ")}] at dimension ${d}`);
  }
  const idx: IndexArg[] = x.shape.map(() => null);
  idx[d] = i;
  return indexAs(x, idx.slice(0, d + 1), "select");
}

// ---- repeat -----------------------------------------------------------------------------------------

// the gradient of each copy summed back: grad viewed as [r0, s0, r1, s1, ...], summed over the r's
const RepeatBackward = rule<[], { repeats: number[]; shape: number[] }>("RepeatBackward0", (g, _, { repeats, shape }) => {
  const lead = repeats.length - shape.length;
  const padded = [...new Array<number>(lead).fill(1), ...shape];
  const split2: number[] = [];
  repeats.forEach((r, i) => split2.push(r, padded[i]!));
  const dims = repeats.map((_, i) => 2 * i);
  const summed = reshape(g, split2).sum(dims);
  return [reshape(summed, shape)];
});

/** PyTorch's repeat: x tiled `repeats[i]` times along each dim (leading repeats add dims). */
export function repeat(x: Tensor, repeats: number[]): Tensor {
  if (repeats.length < x.ndim) throw new Error("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  const lead = repeats.length - x.ndim;
  const padded = [...new Array<number>(lead).fill(1), ...x.shape];
  const outShape = repeats.map((r, i) => r * padded[i]!);
  const bad = outShape.findIndex((s) => s < 0);
  if (bad >= 0) throw new Error(`Trying to create tensor with negative dimension ${outShape[bad]}: [${outShape.join(", ")}]`);
  // x seen as [1, s0, 1, s1, ...] expanded to [r0, s0, r1, s1, ...]: one strided copy
  const strides = [...new Array<number>(lead).fill(0), ...x._strides];
  const shape2: number[] = [], strides2: number[] = [];
  repeats.forEach((r, i) => { shape2.push(r, padded[i]!); strides2.push(0, strides[i]!); });
  const be = x._storage.backend;
  const out = allocTensor(be, x.dtype, outShape, false);
  if (out.numel() > 0 && x.numel() === 1) {
    // one element repeated: a fill (as fast as memory), not a strided copy
    be.fill(out._storage.handle, x.dtype, be.read(handleOf(x), x.dtype, x._offset, 1)[0]!, 0, out.numel());
  } else if (out.numel() > 0) {
    be.copy(handleOf(x), x.dtype, x._offset, strides2, out._storage.handle, x.dtype, 0, contiguousStrides(shape2), shape2);
  }
  if (wantsGrad(x)) record(out, RepeatBackward, [x], null, { repeats: repeats.slice(), shape: x.shape.slice() });
  return out;
}

// ---- roll -------------------------------------------------------------------------------------------

const RollBackward = rule<[], { shifts: number[]; dims: number[] }>("RollBackward0", (g, _, { shifts, dims }) => [
  roll(g, shifts.map((s) => -s), dims),
]);

/** Two strided copies: out along d = x shifted by s (wrapping around). */
function rollRaw(x: Tensor, s0: number, d: number): Tensor {
  const be = x._storage.backend;
  const out = allocTensor(be, x.dtype, x.shape.slice(), false);
  const n = x.shape[d]!;
  if (out.numel() === 0) return out;
  const s = ((s0 % n) + n) % n;
  const os = out._strides;
  const part = (srcStart: number, dstStart: number, len: number) => {
    if (len === 0) return;
    const shape = x.shape.slice();
    shape[d] = len;
    be.copy(handleOf(x), x.dtype, x._offset + srcStart * x._strides[d]!, x._strides, out._storage.handle, x.dtype, dstStart * os[d]!, os, shape);
  };
  part(0, s, n - s);
  part(n - s, 0, s);
  return out;
}

/** PyTorch's roll: elements shifted along `dims` (wrapping around); without dims, over the
 *  flattened tensor. */
export function roll(x: Tensor, shifts: number[], dims: number[]): Tensor {
  if (dims.length === 0 && shifts.length !== 1) {
    if (shifts.length === 0) throw new Error("`shifts` required");
    throw new Error(`shifts and dimensions must align. shifts: ${shifts.length}, dims:${dims.length}`);
  }
  if (dims.length !== 0 && shifts.length !== dims.length) {
    throw new Error(`shifts and dimensions must align. shifts: ${shifts.length}, dims:${dims.length}`);
  }
  const nd = dims.map((d) => normDim(d, x.ndim));
  const out = compute(() => {
    if (nd.length === 0) {
      const flat = castRaw(x, x.dtype);
      const v = flat._onStorage([x.numel()], [1], 0);
      const r = rollRaw(v, shifts[0]!, 0);
      return r._onStorage(x.shape.slice(), contiguousStrides(x.shape), 0);
    }
    let cur = x;
    nd.forEach((d, i) => { cur = x.ndim === 0 ? castRaw(cur, cur.dtype) : rollRaw(cur, shifts[i]!, d); });
    return cur === x ? castRaw(x, x.dtype) : cur;
  });
  if (wantsGrad(x)) record(out, RollBackward, [x], null, { shifts: shifts.slice(), dims: dims.slice() });
  return out;
}

// ---- tril, triu ---------------------------------------------------------------------------------------

const TrilBackward = rule<[], number>("TrilBackward0", (g, _, k) => [triangle("tril", g, k)]);
const TriuBackward = rule<[], number>("TriuBackward0", (g, _, k) => [triangle("triu", g, k)]);

/** The lower (tril: column - row <= k) or upper (triu: column - row >= k) triangle of the last two
 *  dims; the rest zeros. */
export function triangle(kind: "tril" | "triu", x: Tensor, k: number): Tensor {
  normDim(-2, x.ndim); // PyTorch's check: at least two dims
  const out = compute(() => {
    const be = x._storage.backend;
    const rows = arangeAlong(x.shape.slice(-2), 0, be);
    const cols = arangeAlong(x.shape.slice(-2), 1, be);
    const diff = binaryRaw(Bin.SUB, cols, rows);
    const keep = binaryRaw(kind === "tril" ? Bin.LE : Bin.GE, diff, k);
    return where(keep, x, false);
  });
  if (wantsGrad(x)) record(out, kind === "tril" ? TrilBackward : TriuBackward, [x], null, k);
  return out;
}

