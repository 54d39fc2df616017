/**
 * Embedding lookups (no argument checks: src/nn/functional_embedding.ts checks the public call).
 * Forward: the weight's rows at the flattened int32 indices, one gather kernel (index_select's),
 * recorded as EmbeddingBackward0. Backward: the output gradient's rows scatter-added into zeros of
 * the weight's shape (the scatter-add kernel, through the index broadcast along the embedding dim:
 * no one-hot matrix), rows whose index is the padding index left out. The gradient is made of
 * recorded ops, so it is differentiable again under createGraph.
 */
import { contiguousStrides } from "../shape.js";
import { Tensor } from "../tensor.js";
import { allocTensor, castRaw, compute, moveTo, record, rule, wantsGrad } from "./core.js";
import { gather, indexSelectRaw, scatterAdd } from "./indexing.js";

interface EmbeddingAttrs {
  /** The weight's shape, [numEmbeddings, embeddingDim]. */
  readonly weightShape: readonly number[];
  /** Rows with this index get no gradient; -1: none. */
  readonly paddingIdx: number;
  /** Each row's gradient is divided by its index's count among the indices. */
  readonly scaleGradByFreq: boolean;
}

/** zeros of the weight's shape with g's rows ([...indices.shape, D]) added at the flat indices. */
function embeddingDenseBackward(g: Tensor, flat: Tensor, a: EmbeddingAttrs): Tensor {
  const [rows, dim] = a.weightShape as [number, number];
  const k = flat.numel();
  let src = g.reshape([k, dim]);
  const idx = moveTo(flat, g._storage.backend);
  // the index of row i of src, for each of its dim elements (stride 0 along the embedding dim)
  const along = idx._view([k, dim], [idx.ndim === 0 ? 0 : idx._strides[0]!, 0], idx._offset);
  try {
    if (a.paddingIdx >= 0) src = src.maskedFill(along.eq(a.paddingIdx), 0);
    if (a.scaleGradByFreq && k > 0) src = src.mul(inverseCounts(idx, rows, g).reshape([k, 1]));
    const zeros = allocTensor(g._storage.backend, g.dtype, [rows, dim]);
    return scatterAdd(zeros, 0, along, src);
  } finally {
    along.dispose();
    if (idx !== flat) idx.dispose();
  }
}

/** 1 / (how often each index occurs among `flat`), per position of `flat`, in g's dtype (a constant). */
function inverseCounts(flat: Tensor, rows: number, g: Tensor): Tensor {
  return compute(() => {
    const be = g._storage.backend;
    const counts = scatterAdd(allocTensor(be, g.dtype, [rows]), 0, flat, onesLike(flat, g.dtype));
    return gather(counts, 0, flat).reciprocal();
  });
}

/** Ones of `t`'s shape in `dtype`. */
function onesLike(t: Tensor, dtype: Tensor["dtype"]): Tensor {
  const out = allocTensor(t._storage.backend, dtype, t.shape.slice(), false);
  out._storage.backend.fill(out._storage.handle, dtype, 1, 0, t.numel());
  return out;
}

const EmbeddingBackward = rule<[Tensor], EmbeddingAttrs>("EmbeddingBackward0", (g, [flat], a) => [embeddingDenseBackward(g, flat, a)]);

/**
 * The rows of the 2-D `weight` at the int32 `indices`: shape [...indices.shape, embeddingDim].
 * An index outside [0, numEmbeddings) is PyTorch's "index out of range in self". `paddingIdx`
 * (-1: none) and `scaleGradByFreq` only change the gradient.
 */
export function embedding(weight: Tensor, indices: Tensor, paddingIdx: number, scaleGradByFreq = false): Tensor {
  // a contiguous 1-D copy of the indices, on the weight's backend: saved for the gradient
  const moved = moveTo(indices, weight._storage.backend);
  const dense = castRaw(moved, "int32");
  if (moved !== indices) moved.dispose();
  const flat = dense._onStorage([indices.numel()], [1], 0);
  dense.dispose();
  let out: Tensor;
  try {
    const rows = indexSelectRaw(weight, 0, flat, () => "index out of range in self");
    const shape = [...indices.shape, weight.shape[1]!];
    out = rows._onStorage(shape, contiguousStrides(shape), 0);
    rows.dispose();
  } catch (e) {
    flat.dispose();
    throw e;
  }
  if (wantsGrad(weight)) record(out, EmbeddingBackward, [weight], [flat], { weightShape: weight.shape.slice(), paddingIdx, scaleGradByFreq });
  flat.dispose();
  return out;
}
