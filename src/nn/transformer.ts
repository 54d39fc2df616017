/**
 * torch.nn's normalisation, dropout and attention layers: LayerNorm, Dropout,
 * MultiheadAttention, TransformerEncoderLayer, TransformerEncoder, and
 * Transformer.generateSquareSubsequentMask. As PyTorch 1.13's: constructor arguments, default
 * initialisation, printed form and `stateDict()` keys. Parameters and submodules live under
 * PyTorch's own (snake_case) names, so keys read `layers.0.self_attn.in_proj_weight`; camelCase
 * getters (`inProjWeight`, `selfAttn`, ...) read the same members.
 *
 * Attention always runs PyTorch's reference path (F.multi_head_attention_forward). PyTorch 1.13
 * takes a fused "fast path" in some eval-mode calls without grad; its values are the same, and
 * its nodes do not matter there (nothing is recorded), so the node names are those PyTorch
 * gives in training with grad.
 * @module
 */
import type { DType } from "../dtype.js";
import { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { noGrad } from "../autograd/grad_mode.js";
import { full, zeros } from "../creation.js";
import { Linear, Module } from "./modules.js";
import { constant_, ones_, xavierNormal_, xavierUniform_ } from "./init.js";
import { dropout, layerNorm, multiHeadAttentionForward, type AttentionCallOptions } from "./functional_attn.js";
import { gelu, relu } from "./functional.js";

/** Python's repr of a float (`0.1`, `1e-05`, `0.0`). */
function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e16)) {
    return x.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  const s = String(x);
  return s.includes(".") || s.includes("e") ? s : `${s}.0`;
}

/** A fresh parameter of `shape` on the current backend (contents set by the caller's initialiser). */
function param(shape: number[], dtype: DType): Tensor {
  return zeros(shape, { dtype }).requiresGrad_(true);
}

// ---- LayerNorm ----------------------------------------------------------------------------------

/**
 * Layer normalisation over the trailing `normalizedShape` dims, as a module (PyTorch's
 * `nn.LayerNorm`): `weight` (ones) and `bias` (zeros) of that shape when `elementwiseAffine`
 * (the default). See {@link functional.layerNorm}.
 * @example
 * ```ts
 * const norm = new torch.nn.LayerNorm(8);
 * norm.call(torch.randn(2, 5, 8)).shape; // [2, 5, 8]
 * ```
 */
export class LayerNorm extends Module {
  /** The normalised trailing dims. */
  readonly normalizedShape: number[];
  /** Added to the variance (default 1e-5). */
  readonly eps: number;
  /** Whether there are a learned weight and bias. */
  readonly elementwiseAffine: boolean;
  /** The scale, of `normalizedShape` (ones at first), or null without `elementwiseAffine`. */
  weight: Tensor | null;
  /** The shift, of `normalizedShape` (zeros at first), or null without `elementwiseAffine`. */
  bias: Tensor | null;

  /**
   * @param normalizedShape - One dim (`8`) or several (`[5, 8]`).
   * @param opts - `eps` (1e-5), `elementwiseAffine` (true), `dtype` of the parameters (float32).
   */
  constructor(normalizedShape: number | number[], opts?: { eps?: number; elementwiseAffine?: boolean; dtype?: DType }) {
    super();
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isInteger(d))) {
      throw A.argError("LayerNorm", "normalized_shape", 1, "int or tuple of ints", normalizedShape);
    }
    A.checkOptions("LayerNorm", opts, { eps: "number", elementwiseAffine: "bool", dtype: "dtype" });
    this.normalizedShape = shape.slice();
    this.eps = opts?.eps ?? 1e-5;
    this.elementwiseAffine = opts?.elementwiseAffine ?? true;
    const dtype = opts?.dtype ?? "float32";
    if (this.elementwiseAffine) {
      const neg = shape.find((d) => d < 0);
      if (neg !== undefined) throw new Error(`Trying to create tensor with negative dimension ${neg}: ${`[${shape.join(", ")}]`}`);
      this.weight = noGrad(() => ones_(param(shape.slice(), dtype)));
      this.bias = param(shape.slice(), dtype);
    } else {
      this.weight = null;
      this.bias = null;
    }
    this.registerParameter("weight", this.weight);
    this.registerParameter("bias", this.bias);
  }

  /** Normalise `input` over its trailing `normalizedShape` dims. */
  override forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  /** `(8,), eps=1e-05, elementwise_affine=True`. */
  override extraRepr(): string {
    const s = this.normalizedShape;
    const tuple = s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`;
    return `${tuple}, eps=${pyFloat(this.eps)}, elementwise_affine=${this.elementwiseAffine ? "True" : "False"}`;
  }
}

// ---- Dropout ------------------------------------------------------------------------------------

/**
 * Dropout as a module (PyTorch's `nn.Dropout`): in training mode zeroes each element with
 * probability `p` and scales the rest by `1 / (1 - p)`; in eval mode (`module.eval()`) returns
 * its input unchanged. See {@link functional.dropout}.
 * @example
 * ```ts
 * const drop = new torch.nn.Dropout({ p: 0.1 });
 * drop.eval();
 * drop.call(x) === x; // true
 * ```
 */
export class Dropout extends Module {
  /** The probability of zeroing an element. */
  readonly p: number;
  /** Whether the input is changed in place. */
  readonly inplace: boolean;

  /**
   * @param opts - `p` (default 0.5), `inplace` (default false).
   * @throws `dropout probability has to be between 0 and 1, but got 1.5`.
   */
  constructor(opts?: { p?: number; inplace?: boolean }) {
    super();
    A.checkOptions("Dropout", opts, { p: "number", inplace: "bool" });
    const p = opts?.p ?? 0.5;
    if (!(p >= 0 && p <= 1)) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.inplace = opts?.inplace ?? false;
  }

  /** `input` with dropout applied when training, else `input` itself. */
  override forward(input: Tensor): Tensor {
    return dropout(input, { p: this.p, training: this.training, inplace: this.inplace });
  }

  /** `p=0.5, inplace=False`. */
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${this.inplace ? "True" : "False"}`;
  }
}

// ---- MultiheadAttention -------------------------------------------------------------------------

/** The output projection of {@link MultiheadAttention}: a Linear under PyTorch's class name. */
export class NonDynamicallyQuantizableLinear extends Linear {}

/** Options of {@link MultiheadAttention}. */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Learned biases `bias_k`, `bias_v` appended to the keys and values (default false). */
  addBiasKv?: boolean;
  /** A zero key and value appended (default false). */
  addZeroAttn?: boolean;
  /** Features of the keys (default embedDim); not embedDim: separate q/k/v projection weights. */
  kdim?: number | null;
  /** Features of the values (default embedDim). */
  vdim?: number | null;
  /** Inputs and outputs `[N, L, E]` instead of `[L, N, E]` (default false). */
  batchFirst?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

/**
 * Multi-head attention (PyTorch's `nn.MultiheadAttention`): queries attend to keys, and the
 * heads' weighted values are projected back. Parameters as PyTorch's: `in_proj_weight` `[3E, E]`
 * (xavier-uniform) and `in_proj_bias` `[3E]` (zeros), or `q_proj_weight`, `k_proj_weight`,
 * `v_proj_weight` when `kdim`/`vdim` differ from `embedDim`; `out_proj` (a Linear, bias zeroed);
 * `bias_k`, `bias_v` with `addBiasKv`.
 *
 * `call(query, key, value, opts)` returns `[output, weights]`: output `[L, N, E]` (`[N, L, E]`
 * with `batchFirst`, `[L, E]` unbatched), weights `[N, L, S]` averaged over the heads (or
 * `[N, heads, L, S]`), or `null` with `needWeights: false`.
 * @example
 * ```ts
 * const mha = new torch.nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const x = torch.randn(2, 5, 16);
 * const [out, weights] = mha.call(x, x, x, { attnMask: torch.nn.Transformer.generateSquareSubsequentMask(5) });
 * out.shape; // [2, 5, 16]; weights.shape: [2, 5, 5]
 * ```
 */
export class MultiheadAttention extends Module {
  /** The model's feature size E. */
  readonly embedDim: number;
  /** Features of the keys. */
  readonly kdim: number;
  /** Features of the values. */
  readonly vdim: number;
  /** Heads; each has `embedDim / numHeads` features. */
  readonly numHeads: number;
  /** Dropout on the attention weights in training. */
  readonly dropout: number;
  /** Whether inputs are `[N, L, E]`. */
  readonly batchFirst: boolean;
  /** `embedDim / numHeads`. */
  readonly headDim: number;
  /** Whether a zero key and value are appended. */
  readonly addZeroAttn: boolean;
  // PyTorch's parameter and submodule names are the stateDict keys
  // declared, not defined: registration order (PyTorch's) is the property order
  /** @internal */ declare q_proj_weight: Tensor | null;
  /** @internal */ declare k_proj_weight: Tensor | null;
  /** @internal */ declare v_proj_weight: Tensor | null;
  /** @internal */ declare in_proj_weight: Tensor | null;
  /** @internal */ declare in_proj_bias: Tensor | null;
  /** @internal */ declare out_proj: NonDynamicallyQuantizableLinear;
  /** @internal */ declare bias_k: Tensor | null;
  /** @internal */ declare bias_v: Tensor | null;

  /**
   * @param embedDim - The feature size E of queries and outputs.
   * @param numHeads - Heads; must divide `embedDim`.
   * @param opts - `dropout`, `bias`, `addBiasKv`, `addZeroAttn`, `kdim`, `vdim`, `batchFirst`, `dtype`.
   * @throws `embed_dim must be divisible by num_heads`.
   */
  constructor(embedDim: number, numHeads: number, opts?: MultiheadAttentionOptions) {
    super();
    A.checkInt("MultiheadAttention", "embed_dim", 1, embedDim);
    A.checkInt("MultiheadAttention", "num_heads", 2, numHeads);
    A.checkOptions("MultiheadAttention", opts, {
      dropout: "number", bias: "bool", addBiasKv: "bool", addZeroAttn: "bool", kdim: "any", vdim: "any", batchFirst: "bool", dtype: "dtype",
    });
    const o = opts ?? {};
    if (o.kdim !== undefined && o.kdim !== null) A.checkInt("MultiheadAttention", "kdim", undefined, o.kdim);
    if (o.vdim !== undefined && o.vdim !== null) A.checkInt("MultiheadAttention", "vdim", undefined, o.vdim);
    const dtype = o.dtype ?? "float32";
    this.embedDim = embedDim;
    this.kdim = o.kdim ?? embedDim;
    this.vdim = o.vdim ?? embedDim;
    const sameDims = this.kdim === embedDim && this.vdim === embedDim;
    this.numHeads = numHeads;
    this.dropout = o.dropout ?? 0;
    this.batchFirst = o.batchFirst ?? false;
    this.headDim = numHeads === 0 ? 0 : Math.trunc(embedDim / numHeads);
    this.addZeroAttn = o.addZeroAttn ?? false;
    if (numHeads === 0 || this.headDim * numHeads !== embedDim) throw new Error("embed_dim must be divisible by num_heads");
    // registered in PyTorch's order: the stateDict keys come out in it
    if (!sameDims) {
      this.registerParameter("q_proj_weight", param([embedDim, embedDim], dtype));
      this.registerParameter("k_proj_weight", param([embedDim, this.kdim], dtype));
      this.registerParameter("v_proj_weight", param([embedDim, this.vdim], dtype));
      this.registerParameter("in_proj_weight", null);
    } else {
      this.registerParameter("in_proj_weight", param([3 * embedDim, embedDim], dtype));
      this.registerParameter("q_proj_weight", null);
      this.registerParameter("k_proj_weight", null);
      this.registerParameter("v_proj_weight", null);
    }
    const bias = o.bias ?? true;
    this.registerParameter("in_proj_bias", bias ? param([3 * embedDim], dtype) : null);
    this.out_proj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, dtype });
    this.registerParameter("bias_k", o.addBiasKv ? param([1, 1, embedDim], dtype) : null);
    this.registerParameter("bias_v", o.addBiasKv ? param([1, 1, embedDim], dtype) : null);
    // PyTorch's _reset_parameters
    noGrad(() => {
      if (sameDims) xavierUniform_(this.in_proj_weight!);
      else for (const w of [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) xavierUniform_(w!);
      if (this.in_proj_bias !== null) {
        constant_(this.in_proj_bias, 0);
        constant_(this.out_proj.bias!, 0);
      }
      if (this.bias_k !== null) xavierNormal_(this.bias_k);
      if (this.bias_v !== null) xavierNormal_(this.bias_v!);
    });
  }

  /** `in_proj_weight`: the packed q, k, v projection `[3E, E]` (null with separate weights). */
  get inProjWeight(): Tensor | null { return this.in_proj_weight; }
  /** `in_proj_bias`: `[3E]`, or null without bias. */
  get inProjBias(): Tensor | null { return this.in_proj_bias; }
  /** `q_proj_weight` `[E, E]` (only when kdim or vdim differ from embedDim). */
  get qProjWeight(): Tensor | null { return this.q_proj_weight; }
  /** `k_proj_weight` `[E, kdim]`. */
  get kProjWeight(): Tensor | null { return this.k_proj_weight; }
  /** `v_proj_weight` `[E, vdim]`. */
  get vProjWeight(): Tensor | null { return this.v_proj_weight; }
  /** `out_proj`: the output projection. */
  get outProj(): NonDynamicallyQuantizableLinear { return this.out_proj; }
  /** `bias_k` `[1, 1, E]` with addBiasKv, else null. */
  get biasK(): Tensor | null { return this.bias_k; }
  /** `bias_v` `[1, 1, E]` with addBiasKv, else null. */
  get biasV(): Tensor | null { return this.bias_v; }

  /**
   * Attention of `query` over `key`/`value`: `[output, weights]` (weights null when
   * `needWeights` is false).
   *
   * @param opts - `keyPaddingMask`, `needWeights` (true), `attnMask`, `averageAttnWeights` (true).
   * @throws PyTorch's shape and mask errors (`The shape of the 2D attn_mask is torch.Size([3, 4]),
   *   but should be (3, 5).`).
   */
  override forward(query: Tensor, key: Tensor, value: Tensor, opts?: AttentionCallOptions): [Tensor, Tensor | null] {
    const fn = "MultiheadAttention.forward";
    A.checkTensor(fn, "query", 1, query);
    A.checkTensor(fn, "key", 2, key);
    A.checkTensor(fn, "value", 3, value);
    A.checkOptions(fn, opts, { keyPaddingMask: "tensor", needWeights: "bool", attnMask: "tensor", averageAttnWeights: "bool" });
    const batchedFirst = this.batchFirst && query.ndim === 3;
    let q = query, k = key, v = value;
    if (batchedFirst) {
      // keep the "is" relations (self-attention) through the transpose
      q = query.transpose(1, 0);
      k = key === query ? q : key.transpose(1, 0);
      v = value === key ? k : value === query ? q : value.transpose(1, 0);
    }
    const [out, weights] = multiHeadAttentionForward(q, k, v, {
      embedDim: this.embedDim, numHeads: this.numHeads,
      inProjWeight: this.in_proj_weight, inProjBias: this.in_proj_bias,
      qProjWeight: this.q_proj_weight, kProjWeight: this.k_proj_weight, vProjWeight: this.v_proj_weight,
      biasK: this.bias_k, biasV: this.bias_v, addZeroAttn: this.addZeroAttn, dropout: this.dropout,
      outProjWeight: this.out_proj.weight, outProjBias: this.out_proj.bias, training: this.training,
    }, opts ?? {});
    if (!batchedFirst) return [out, weights];
    const t = out.transpose(1, 0);
    out.dispose();
    return [t, weights];
  }
}

// ---- Transformer encoder ------------------------------------------------------------------------

/** The feed-forward activation of a {@link TransformerEncoderLayer}. */
export type TransformerActivation = "relu" | "gelu" | Module | ((x: Tensor) => Tensor);

/** Options of {@link TransformerEncoderLayer}. */
export interface TransformerEncoderLayerOptions {
  /** Hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability everywhere in the layer (default 0.1). */
  dropout?: number;
  /** `"relu"` (default), `"gelu"`, a module or a function. */
  activation?: TransformerActivation;
  /** The layer norms' eps (default 1e-5). */
  layerNormEps?: number;
  /** Inputs `[N, S, E]` instead of `[S, N, E]` (default false). */
  batchFirst?: boolean;
  /** Layer norm before attention and feed-forward (pre-norm) instead of after (default false). */
  normFirst?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

/**
 * One transformer encoder layer (PyTorch 1.13's `nn.TransformerEncoderLayer`): self-attention
 * and a feed-forward block, each with dropout, a residual connection and a layer norm (after, or
 * before with `normFirst`). Submodules `self_attn`, `linear1`, `dropout`, `linear2`, `norm1`,
 * `norm2`, `dropout1`, `dropout2` as PyTorch's.
 * @example
 * ```ts
 * const layer = new torch.nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * layer.call(torch.randn(2, 10, 32)).shape; // [2, 10, 32]
 * ```
 */
export class TransformerEncoderLayer extends Module {
  // PyTorch's parameter and submodule names are the stateDict keys
  /** @internal */ self_attn: MultiheadAttention;
  /** The first feed-forward projection, `dModel` to `dimFeedforward`. */
  linear1: Linear;
  /** The dropout after the activation. */
  dropout: Dropout;
  /** The second feed-forward projection, back to `dModel`. */
  linear2: Linear;
  /** @internal */ norm_first: boolean;
  /** The norm of the attention block. */
  norm1: LayerNorm;
  /** The norm of the feed-forward block. */
  norm2: LayerNorm;
  /** The dropout on the attention block's output. */
  dropout1: Dropout;
  /** The dropout on the feed-forward block's output. */
  dropout2: Dropout;
  /** The feed-forward activation (a module is a submodule, as in PyTorch). */
  activation: Module | ((x: Tensor) => Tensor);

  /**
   * @param dModel - The feature size of the inputs.
   * @param nhead - Attention heads; must divide `dModel`.
   * @param opts - `dimFeedforward`, `dropout`, `activation`, `layerNormEps`, `batchFirst`, `normFirst`, `dtype`.
   * @throws `activation should be relu/gelu, not tanh`; `embed_dim must be divisible by num_heads`.
   */
  constructor(dModel: number, nhead: number, opts?: TransformerEncoderLayerOptions) {
    super();
    A.checkInt("TransformerEncoderLayer", "d_model", 1, dModel);
    A.checkInt("TransformerEncoderLayer", "nhead", 2, nhead);
    A.checkOptions("TransformerEncoderLayer", opts, {
      dimFeedforward: "int", dropout: "number", activation: "any", layerNormEps: "number", batchFirst: "bool", normFirst: "bool", dtype: "dtype",
    });
    const o = opts ?? {};
    const p = o.dropout ?? 0.1, dtype = o.dtype ?? "float32", eps = o.layerNormEps ?? 1e-5;
    const ff = o.dimFeedforward ?? 2048;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: o.batchFirst ?? false, dtype });
    this.linear1 = new Linear(dModel, ff, { dtype });
    this.dropout = new Dropout({ p });
    this.linear2 = new Linear(ff, dModel, { dtype });
    this.norm_first = o.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps, dtype });
    this.norm2 = new LayerNorm(dModel, { eps, dtype });
    this.dropout1 = new Dropout({ p });
    this.dropout2 = new Dropout({ p });
    const act = o.activation ?? "relu";
    if (act === "relu") this.activation = relu;
    else if (act === "gelu") this.activation = gelu;
    else if (act instanceof Module || typeof act === "function") this.activation = act;
    else throw new Error(`activation should be relu/gelu, not ${String(act)}`);
  }

  /** `self_attn`: the self-attention block. */
  get selfAttn(): MultiheadAttention { return this.self_attn; }
  /** `norm_first`: whether the norms come before the blocks. */
  get normFirst(): boolean { return this.norm_first; }

  /**
   * The layer applied to `src` (`[S, N, E]`, `[N, S, E]` with batchFirst, or `[S, E]`).
   *
   * @param opts - `srcMask` (the attention mask, `[S, S]` or `[N * nhead, S, S]`) and
   *   `srcKeyPaddingMask` (`[N, S]`), as {@link MultiheadAttention}'s.
   */
  override forward(src: Tensor, opts?: { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null }): Tensor {
    A.checkTensor("TransformerEncoderLayer.forward", "src", 1, src);
    A.checkOptions("TransformerEncoderLayer.forward", opts, { srcMask: "tensor", srcKeyPaddingMask: "tensor" });
    const mask = opts?.srcMask ?? null, kpm = opts?.srcKeyPaddingMask ?? null;
    if (kpm !== null && kpm.dtype !== "bool" && kpm.dtype !== "float32" && kpm.dtype !== "float64") {
      throw new Error("only bool and floating types of key_padding_mask are supported");
    }
    const sa = (x: Tensor) => {
      const [y] = this.self_attn.call(x, x, x, { attnMask: mask, keyPaddingMask: kpm, needWeights: false });
      return this.dropout1.call(y);
    };
    const act = (x: Tensor) => (this.activation instanceof Module ? (this.activation.call(x) as Tensor) : this.activation(x));
    const ffb = (x: Tensor) => this.dropout2.call(this.linear2.call(this.dropout.call(act(this.linear1.call(x)))));
    let x = src;
    if (this.norm_first) {
      x = x.add(sa(this.norm1.call(x)));
      x = x.add(ffb(this.norm2.call(x)));
    } else {
      x = this.norm1.call(x.add(sa(x)));
      x = this.norm2.call(x.add(ffb(x)));
    }
    return x;
  }
}

/** A deep copy of a module (PyTorch's copy.deepcopy): new parameters and buffers with the same
 *  values, submodules copied the same way (shared ones stay shared). */
function deepCopy<T>(v: T, memo: Map<unknown, unknown>): T {
  if (v === null || typeof v !== "object") return v;
  if (memo.has(v)) return memo.get(v) as T;
  if (v instanceof Tensor) {
    const t = noGrad(() => v.detach().clone());
    if (v.requiresGrad) t.requiresGrad_(true);
    memo.set(v, t);
    return t as T;
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    memo.set(v, out);
    for (const e of v) out.push(deepCopy(e, memo));
    return out as T;
  }
  if (v instanceof Map) {
    const out = new Map();
    memo.set(v, out);
    for (const [k, e] of v) out.set(k, deepCopy(e, memo));
    return out as T;
  }
  if (v instanceof Set) {
    const out = new Set(v);
    memo.set(v, out);
    return out as T;
  }
  const proto = Object.getPrototypeOf(v) as object | null;
  if (!(v instanceof Module) && proto !== Object.prototype && proto !== null) return v; // other objects are shared
  const out = Object.create(proto) as Record<string | symbol, unknown>;
  memo.set(v, out);
  for (const key of Reflect.ownKeys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, key)!;
    if ("value" in d) d.value = deepCopy(d.value, memo);
    Object.defineProperty(out, key, d);
  }
  return out as T;
}

/**
 * A stack of `numLayers` encoder layers (PyTorch 1.13's `nn.TransformerEncoder`): deep copies of
 * `encoderLayer` (the same initial weights in each, as PyTorch's `_get_clones`) under
 * `layers.0`, `layers.1`, ..., then `norm` if given.
 * @example
 * ```ts
 * const layer = new torch.nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64 });
 * const encoder = new torch.nn.TransformerEncoder(layer, 2);
 * const mask = torch.nn.Transformer.generateSquareSubsequentMask(10);
 * encoder.call(torch.randn(10, 3, 32), { mask }).shape; // [10, 3, 32]
 * ```
 */
export class TransformerEncoder extends Module {
  /** The layers (copies of the given layer). */
  layers: TransformerEncoderLayer[];
  /** The number of layers. */
  readonly numLayers: number;
  /** The final norm, or null. */
  norm: Module | null;

  /**
   * @param encoderLayer - The layer to copy `numLayers` times (it is not itself used).
   * @param numLayers - How many layers.
   * @param opts - `norm`: a module applied to the output (e.g. a LayerNorm), default none.
   */
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, opts?: { norm?: Module | null }) {
    super();
    if (!(encoderLayer instanceof Module)) throw A.argError("TransformerEncoder", "encoder_layer", 1, "Module", encoderLayer);
    A.checkInt("TransformerEncoder", "num_layers", 2, numLayers);
    A.checkOptions("TransformerEncoder", opts, { norm: "any" });
    const norm = opts?.norm ?? null;
    if (norm !== null && !(norm instanceof Module)) throw A.argError("TransformerEncoder", "norm", undefined, "Module or null", norm);
    const layers: TransformerEncoderLayer[] = [];
    for (let i = 0; i < numLayers; i++) layers.push(deepCopy(encoderLayer, new Map()));
    this.layers = layers;
    this.numLayers = numLayers;
    this.norm = norm;
  }

  /**
   * The layers applied in turn to `src`, then `norm`.
   *
   * @param opts - `mask` (each layer's `srcMask`) and `srcKeyPaddingMask`.
   */
  override forward(src: Tensor, opts?: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null }): Tensor {
    A.checkTensor("TransformerEncoder.forward", "src", 1, src);
    A.checkOptions("TransformerEncoder.forward", opts, { mask: "tensor", srcKeyPaddingMask: "tensor" });
    const kpm = opts?.srcKeyPaddingMask ?? null;
    if (kpm !== null && kpm.dtype !== "bool" && kpm.dtype !== "float32" && kpm.dtype !== "float64") {
      throw new Error("only bool and floating types of key_padding_mask are supported");
    }
    let out = src;
    for (const layer of this.layers) out = layer.call(out, { srcMask: opts?.mask ?? null, srcKeyPaddingMask: kpm });
    if (this.norm !== null) out = this.norm.call(out) as Tensor;
    return out;
  }
}

/**
 * PyTorch's `nn.Transformer`: only its static {@link Transformer.generateSquareSubsequentMask}
 * is available; constructing one throws.
 */
export class Transformer extends Module {
  /** @throws Always: the full encoder-decoder model is not part of wasmgrad yet. */
  constructor() {
    super();
    throw new Error("nn.Transformer is not supported by wasmgrad yet (nn.Transformer.generateSquareSubsequentMask is; build encoders from nn.TransformerEncoder)");
  }

  /**
   * The causal mask of `sz` positions (PyTorch's `generate_square_subsequent_mask`): a float
   * `[sz, sz]` tensor of -inf above the diagonal and 0 on and below it, for `attnMask` /
   * `srcMask` / `mask`.
   * @example
   * ```ts
   * torch.nn.Transformer.generateSquareSubsequentMask(3);
   * // tensor([[0., -inf, -inf],
   * //         [0., 0., -inf],
   * //         [0., 0., 0.]])
   * ```
   */
  static generateSquareSubsequentMask(sz: number): Tensor {
    A.checkInt("generate_square_subsequent_mask", "sz", 1, sz);
    const f = full([sz, sz], -Infinity);
    const m = f.triu(1);
    f.dispose();
    return m;
  }
}
