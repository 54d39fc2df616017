/**
 * torch.nn.functional's embedding: PyTorch 1.13's F.embedding checks (padding_idx, max_norm) and
 * at::embedding's, in their order and words, then one gather recorded as EmbeddingBackward0
 * (src/ops/embedding.ts).
 * @module
 */
import { noGrad } from "../autograd/grad_mode.js";
import { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { embedding as embeddingOp } from "../ops/embedding.js";

/** Options of {@link embedding}. */
export interface EmbeddingOptions {
  /** Rows looked up at this index get no gradient (negative: from the end). Default none. */
  paddingIdx?: number | null;
  /** Rescale, in place, each looked-up row of `weight` whose `normType`-norm exceeds this to norm `maxNorm` before the lookup. Default none. */
  maxNorm?: number | null;
  /** The p of the norm `maxNorm` bounds. Default 2. */
  normType?: number;
  /** Scale each row's gradient by the inverse of its index's count in `indices`. Default false. */
  scaleGradByFreq?: boolean;
  /** Sparse gradients: not supported (PyTorch's default false only). */
  sparse?: boolean;
}

const FN = "embedding";

const TENSOR_TYPE = { float32: "torch.FloatTensor", float64: "torch.DoubleTensor", int32: "torch.LongTensor", bool: "CPUBoolType" } as const;

/**
 * PyTorch's embedding_renorm_: each distinct row of `weight` that `indices` looks up whose
 * p-norm exceeds `maxNorm` is scaled in place by maxNorm / (norm + 1e-7). Not recorded.
 */
function renorm(weight: Tensor, indices: Tensor, maxNorm: number, normType: number): void {
  const rows = [...new Set(Array.from(indices.toArray()))].sort((a, b) => a - b);
  if (rows.length === 0) return;
  noGrad(() => {
    for (const r of rows) {
      const row = weight.select(0, r); // PyTorch's error for a row past the end; negative ones wrap
      const n = row.norm(normType);
      const norm = n.item() as number;
      n.dispose();
      if (norm > maxNorm) row.mul_(maxNorm / (norm + 1e-7));
      row.dispose();
    }
  });
}

/**
 * A lookup table (`F.embedding`): the rows of `weight` (`[numEmbeddings, embeddingDim]`) at the
 * int32 `indices` (any shape), giving `[...indices.shape, embeddingDim]`. The gradient
 * (`EmbeddingBackward0`) adds each output row's gradient into the weight row it came from,
 * except rows looked up at `paddingIdx`.
 *
 * @param indices - int32 indices into the table's rows, each in [0, numEmbeddings).
 * @param weight - The table, 2-D.
 * @param opts - `paddingIdx`, `maxNorm`, `normType`, `scaleGradByFreq` (see {@link EmbeddingOptions}).
 * @throws `index out of range in self` for an index outside the table, PyTorch's dtype error for
 *   float indices, `'weight' must be 2-D`, `Padding_idx must be within num_embeddings`.
 * @example
 * ```ts
 * const table = torch.tensor([[0, 0], [1, 1], [2, 4]]);
 * F.embedding(torch.tensor([2, 1], { dtype: "int32" }), table); // tensor([[2., 4.], [1., 1.]])
 * ```
 */
export function embedding(indices: Tensor, weight: Tensor, opts?: EmbeddingOptions): Tensor {
  A.checkOptions(FN, opts, { paddingIdx: "any", maxNorm: "any", normType: "any", scaleGradByFreq: "any", sparse: "any" });
  A.checkTensor(FN, "weight", 1, weight);
  A.checkTensor(FN, "indices", 2, indices);
  const o = opts ?? {};
  let paddingIdx = o.paddingIdx ?? null;
  if (paddingIdx !== null) A.checkInt(FN, "padding_idx", 3, paddingIdx);
  const maxNorm = o.maxNorm ?? null;
  if (maxNorm !== null && typeof maxNorm !== "number") throw A.argError(FN, "max_norm", undefined, "float", maxNorm);
  const normType = o.normType ?? 2;
  if (typeof normType !== "number") throw A.argError(FN, "norm_type", undefined, "float", normType);
  const scaleGradByFreq = o.scaleGradByFreq ?? false;
  const sparse = o.sparse ?? false;

  // F.embedding: padding_idx within the table, negative from the end
  const rows = weight.ndim > 0 ? weight.shape[0]! : 0;
  if (paddingIdx !== null) {
    if (paddingIdx > 0 && paddingIdx >= rows) throw new Error("Padding_idx must be within num_embeddings");
    if (paddingIdx < 0) {
      if (paddingIdx < -rows) throw new Error("Padding_idx must be within num_embeddings");
      paddingIdx += rows;
    }
  }
  return embeddingChecked(weight, indices, paddingIdx ?? -1, scaleGradByFreq, sparse, maxNorm === null ? null : [maxNorm, normType]);
}

/**
 * @internal torch.embedding's checks (its argument positions) and lookup; `renormBy` ([maxNorm,
 * normType]): F.embedding's in-place renormalisation of the looked-up rows first. A negative
 * `paddingIdx` matches no row.
 */
export function embeddingChecked(
  weight: unknown, indices: unknown, paddingIdx: unknown, scaleGradByFreq: unknown, sparse: unknown,
  renormBy: [number, number] | null = null,
): Tensor {
  A.checkTensor(FN, "weight", 1, weight);
  A.checkTensor(FN, "indices", 2, indices);
  A.checkInt(FN, "padding_idx", 3, paddingIdx);
  A.checkBool(FN, "scale_grad_by_freq", 4, scaleGradByFreq);
  A.checkBool(FN, "sparse", 5, sparse);
  if (weight.ndim !== 2) throw new Error("'weight' must be 2-D");
  if (indices.dtype !== "int32") {
    throw new Error(`Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got ${TENSOR_TYPE[indices.dtype]} instead (while checking arguments for embedding)`);
  }
  if (sparse) throw new Error("embedding(): sparse gradients are not supported by wasmgrad");
  if (renormBy !== null) renorm(weight, indices, renormBy[0], renormBy[1]);
  return embeddingOp(weight, indices, paddingIdx, scaleGradByFreq);
}
