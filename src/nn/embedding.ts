/**
 * torch.nn's Embedding: a learned lookup table with PyTorch 1.13's default initialisation
 * (N(0, 1), the padding row zero), options, checks and printed form; wraps
 * {@link functional.embedding}.
 * @module
 */
import { noGrad } from "../autograd/grad_mode.js";
import type { DType } from "../dtype.js";
import { randn } from "../creation.js";
import { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { pyNum } from "../optim/optimizer.js";
import { Module } from "./modules.js";
import { embedding } from "./functional_embedding.js";

/** Options of {@link Embedding}. */
export interface EmbeddingModuleOptions {
  /** This row starts at zero and gets no gradient (negative: from the end). Default none. */
  paddingIdx?: number | null;
  /** Rows looked up are first rescaled in place to at most this `normType`-norm. Default none. */
  maxNorm?: number | null;
  /** The p of the norm `maxNorm` bounds. Default 2. */
  normType?: number;
  /** Scale each row's gradient by the inverse of its index's count in the batch. Default false. */
  scaleGradByFreq?: boolean;
  /** Sparse gradients: not supported (false only). */
  sparse?: boolean;
  /** The table's dtype (default float32). */
  dtype?: DType;
}


/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim` (PyTorch's `nn.Embedding`):
 * `call(indices)` gives the rows at the int32 `indices`, shaped `[...indices.shape, embeddingDim]`.
 * `weight` starts as N(0, 1) samples, PyTorch's default, with the `paddingIdx` row zero.
 * @example
 * ```ts
 * const emb = new torch.nn.Embedding(10, 4, { paddingIdx: 0 });
 * const tokens = torch.tensor([[1, 2, 0], [3, 0, 0]], { dtype: "int32" });
 * emb.call(tokens).shape; // [2, 3, 4]
 * ```
 */
export class Embedding extends Module {
  /** The table, `[numEmbeddings, embeddingDim]`. */
  weight: Tensor;
  /** The number of rows. */
  readonly numEmbeddings: number;
  /** The size of each row. */
  readonly embeddingDim: number;
  /** The padding row (made non-negative), or `null`. */
  readonly paddingIdx: number | null;
  /** The bound on looked-up rows' norms, or `null`. */
  maxNorm: number | null;
  /** The p of that norm. */
  normType: number;
  /** Whether row gradients are scaled by the inverse of their index's count. */
  scaleGradByFreq: boolean;
  /** Always false (sparse gradients are not supported). */
  readonly sparse: boolean;

  /**
   * @param numEmbeddings - Rows of the table.
   * @param embeddingDim - Size of each row.
   * @param opts - `paddingIdx`, `maxNorm`, `normType` (2), `scaleGradByFreq` (false), `dtype`.
   * @throws `Padding_idx must be within num_embeddings`; for negative sizes PyTorch's
   *   `Trying to create tensor with negative dimension`.
   */
  constructor(numEmbeddings: number, embeddingDim: number, opts?: EmbeddingModuleOptions) {
    super();
    const name = "Embedding";
    A.checkInt(name, "num_embeddings", 1, numEmbeddings);
    A.checkInt(name, "embedding_dim", 2, embeddingDim);
    A.checkOptions(name, opts, { paddingIdx: "any", maxNorm: "any", normType: "number", scaleGradByFreq: "bool", sparse: "bool", dtype: "dtype" });
    const o = opts ?? {};
    let paddingIdx = o.paddingIdx ?? null;
    if (paddingIdx !== null) {
      A.checkInt(name, "padding_idx", undefined, paddingIdx);
      if (paddingIdx > 0 && paddingIdx >= numEmbeddings) throw new Error("Padding_idx must be within num_embeddings");
      if (paddingIdx < 0) {
        if (paddingIdx < -numEmbeddings) throw new Error("Padding_idx must be within num_embeddings");
        paddingIdx += numEmbeddings;
      }
    }
    const maxNorm = o.maxNorm ?? null;
    if (maxNorm !== null && typeof maxNorm !== "number") throw A.argError(name, "max_norm", undefined, "float", maxNorm);
    if (o.sparse === true) throw new Error("Embedding: sparse gradients are not supported by wasmgrad");
    if (numEmbeddings < 0 || embeddingDim < 0) {
      throw new Error(`Trying to create tensor with negative dimension ${numEmbeddings < 0 ? numEmbeddings : embeddingDim}: [${numEmbeddings}, ${embeddingDim}]`);
    }
    this.weight = randn([numEmbeddings, embeddingDim], { dtype: o.dtype ?? "float32", requiresGrad: true });
    this.registerParameter("weight", this.weight);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = paddingIdx;
    this.maxNorm = maxNorm;
    this.normType = o.normType ?? 2;
    this.scaleGradByFreq = o.scaleGradByFreq ?? false;
    this.sparse = false;
    if (paddingIdx !== null) {
      const w = this.weight;
      noGrad(() => {
        const row = w.select(0, paddingIdx);
        row.fill_(0);
        row.dispose();
      });
    }
  }

  /** The rows of `weight` at the int32 `indices`: `[...indices.shape, embeddingDim]`. */
  override forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, {
      paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType, scaleGradByFreq: this.scaleGradByFreq,
    });
  }

  /** As PyTorch: `10, 4, padding_idx=0` (options left at their defaults left out). */
  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyNum(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyNum(this.normType)}`;
    if (this.scaleGradByFreq) s += ", scale_grad_by_freq=True";
    return s;
  }
}
