/**
 * torch.nn.functional's layer normalisation, dropout and multi-head attention forward
 * (PyTorch 1.13's F.layer_norm, F.dropout, F.multi_head_attention_forward): argument checks in
 * PyTorch's order and words, then the ops (the layer-norm kernel of src/ops/layernorm.ts, the
 * softmax kernel, bmm and linear). Attention runs PyTorch's reference ("slow") path op for op,
 * so its outputs carry the node names PyTorch gives in training with grad.
 * @module
 */
import { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { dtypeName, isFloating, typedArrayFor } from "../dtype.js";
import { uniform } from "../creation.js";
import { allocTensor } from "../ops/core.js";
import { layerNorm as layerNormOp } from "../ops/layernorm.js";
import { cat } from "../ops/movement.js";
import { closeScope, openScope } from "../scopes.js";
import { linear } from "./functional.js";

const sizes = (s: readonly number[]) => `[${s.join(", ")}]`;
/** Python's print of a torch.Size. */
const torchSize = (s: readonly number[]) => `torch.Size(${sizes(s)})`;
/** Python's print of a tuple of ints. */
const pyTuple = (s: readonly number[]) => (s.length === 1 ? `(${s[0]},)` : `(${s.join(", ")})`);

// ---- layer normalisation ------------------------------------------------------------------------

/**
 * Layer normalisation over the last dims (PyTorch's `F.layer_norm`): each slice of
 * `normalizedShape` (the trailing dims of `input`) is normalised to zero mean and unit
 * (biased) variance, then scaled by `weight` and shifted by `bias` (both of `normalizedShape`,
 * optional). Recorded as one `NativeLayerNormBackward0` node; its gradients can be
 * differentiated again.
 *
 * @param normalizedShape - The trailing dims to normalise over, e.g. `[512]`.
 * @param eps - Added to the variance for stability (default 1e-5).
 * @throws PyTorch's errors: `Given normalized_shape=[4], expected input with shape [*, 4], but
 *   got input of size[2, 3]`; weight or bias of another shape; non-floating input.
 * @example
 * ```ts
 * const x = torch.randn(2, 5, 8);
 * const y = torch.nn.functional.layerNorm(x, [8]); // each row of 8: mean 0, variance 1
 * ```
 */
export function layerNorm(input: Tensor, normalizedShape: number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const fn = "layer_norm";
  A.checkTensor(fn, "input", 1, input);
  if (!Array.isArray(normalizedShape) || !normalizedShape.every((d) => typeof d === "number" && Number.isInteger(d))) {
    throw A.argError(fn, "normalized_shape", 2, "tuple of ints", normalizedShape);
  }
  if (weight !== undefined && weight !== null) A.checkTensor(fn, "weight", 3, weight);
  if (bias !== undefined && bias !== null) A.checkTensor(fn, "bias", 4, bias);
  A.checkNumber(fn, "eps", 5, eps);
  const w = weight ?? null, b = bias ?? null;
  const ns = normalizedShape;
  // at::_check_layer_norm_inputs
  if (ns.length < 1) {
    throw new Error(`Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = ${sizes(ns)}`);
  }
  const same = (s: readonly number[]) => s.length === ns.length && s.every((d, i) => d === ns[i]);
  if (w !== null && !same(w.shape)) {
    throw new Error(`Expected weight to be of same shape as normalized_shape, but got weight of shape ${sizes(w.shape)} and normalized_shape = ${sizes(ns)}`);
  }
  if (b !== null && !same(b.shape)) {
    throw new Error(`Expected bias to be of same shape as normalized_shape, but got bias of shape ${sizes(b.shape)} and normalized_shape = ${sizes(ns)}`);
  }
  if (input.ndim < ns.length || !same(input.shape.slice(input.ndim - ns.length))) {
    throw new Error(`Given normalized_shape=${sizes(ns)}, expected input with shape [*, ${ns.join(", ")}], but got input of size${sizes(input.shape)}`);
  }
  if (!isFloating(input.dtype)) throw new Error(`"LayerNormKernelImpl" not implemented for '${dtypeName(input.dtype, "scalar")}'`);
  for (const t of [w, b]) {
    if (t !== null && t.dtype !== input.dtype) {
      throw new Error(`expected scalar type ${dtypeName(input.dtype, "scalar")} but found ${dtypeName(t.dtype, "scalar")}`);
    }
  }
  return layerNormOp(input, ns.length, w, b, +eps);
}

// ---- dropout ------------------------------------------------------------------------------------

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** The probability of zeroing an element (default 0.5). */
  p?: number;
  /** Apply dropout (default true); false returns `input` itself. */
  training?: boolean;
  /** Zero and scale `input` in place (default false). */
  inplace?: boolean;
}

/**
 * Dropout (PyTorch's `F.dropout`): in training, each element is zeroed with probability `p`
 * and the rest scaled by `1 / (1 - p)`, so the expected value is unchanged. The mask is drawn
 * from wasmgrad's seeded stream (deterministic under `torch.manualSeed`, the same on both
 * backends; not PyTorch's numbers). Recorded as PyTorch records it on the CPU: the product
 * with the scaled mask (`MulBackward0`), so the gradient is `mask / (1 - p)` times the
 * output's. With `p` 0, `training` false or an empty input it returns `input` itself.
 *
 * @throws `dropout probability has to be between 0 and 1, but got 1.5`.
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const y = torch.nn.functional.dropout(torch.ones(8), { p: 0.25 }); // 0 or 1.3333 each
 * ```
 */
export function dropout(input: Tensor, opts?: DropoutOptions): Tensor {
  A.checkTensor("dropout", "input", 1, input);
  A.checkOptions("dropout", opts, { p: "number", training: "bool", inplace: "bool" });
  const p = opts?.p ?? 0.5, training = opts?.training ?? true, inplace = opts?.inplace ?? false;
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (p === 0 || !training || input.numel() === 0) return input;
  if (p === 1) return inplace ? input.mul_(0) : input.mul(0);
  if (!isFloating(input.dtype)) {
    throw new Error(`result type Float can't be cast to the desired output type ${dtypeName(input.dtype, "scalar")}`);
  }
  // bernoulli(1 - p) divided by 1 - p, the division in the input's dtype as PyTorch's div_
  const q = 1 - p;
  const scale = input.dtype === "float32" ? Math.fround(1 / Math.fround(q)) : 1 / q;
  const n = input.numel();
  const data = typedArrayFor(input.dtype, n);
  for (let i = 0; i < n; i++) data[i] = uniform() < q ? scale : 0;
  const be = input._storage.backend;
  const mask = allocTensor(be, input.dtype, input.shape.slice(), false);
  be.write(mask._storage.handle, input.dtype, data, 0);
  try {
    return inplace ? input.mul_(mask) : input.mul(mask);
  } finally {
    mask.dispose();
  }
}

// ---- multi-head attention -----------------------------------------------------------------------

/** The tensors and settings of one multi-head attention call (PyTorch's multi_head_attention_forward). */
export interface AttentionParams {
  embedDim: number;
  numHeads: number;
  /** `[3E, E]`, or null with the separate q/k/v weights. */
  inProjWeight: Tensor | null;
  inProjBias: Tensor | null;
  qProjWeight: Tensor | null;
  kProjWeight: Tensor | null;
  vProjWeight: Tensor | null;
  biasK: Tensor | null;
  biasV: Tensor | null;
  addZeroAttn: boolean;
  dropout: number;
  outProjWeight: Tensor;
  outProjBias: Tensor | null;
  training: boolean;
}

/** The per-call options of attention (MultiheadAttention.call's). */
export interface AttentionCallOptions {
  /** `[N, S]` (or `[S]` unbatched): true (or, for a float mask, the value added) where a key is padding. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true); false gives `null` in their place. */
  needWeights?: boolean;
  /** `[L, S]` or `[N * numHeads, L, S]`: true (bool) where attention is not allowed, or values
   *  (float) added to the scores. */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true), else one set per head. */
  averageAttnWeights?: boolean;
}

function assert(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** PyTorch's _mha_shape_check: whether the call is batched. */
function mhaShapeCheck(q: Tensor, k: Tensor, v: Tensor, kpm: Tensor | null, mask: Tensor | null, numHeads: number): boolean {
  if (q.ndim === 3) {
    assert(k.ndim === 3 && v.ndim === 3,
      `For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${k.ndim}-D and ${v.ndim}-D tensors respectively`);
    if (kpm !== null) {
      assert(kpm.ndim === 2, `For batched (3-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 2-D but found ${kpm.ndim}-D tensor instead`);
    }
    if (mask !== null) {
      assert(mask.ndim === 2 || mask.ndim === 3, `For batched (3-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.ndim}-D tensor instead`);
    }
    return true;
  }
  if (q.ndim === 2) {
    assert(k.ndim === 2 && v.ndim === 2,
      `For unbatched (2-D) \`query\`, expected \`key\` and \`value\` to be 2-D but found ${k.ndim}-D and ${v.ndim}-D tensors respectively`);
    if (kpm !== null) {
      assert(kpm.ndim === 1, `For unbatched (2-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 1-D but found ${kpm.ndim}-D tensor instead`);
    }
    if (mask !== null) {
      assert(mask.ndim === 2 || mask.ndim === 3, `For unbatched (2-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.ndim}-D tensor instead`);
      if (mask.ndim === 3) {
        const want = [numHeads, q.shape[0]!, k.shape[0]!];
        assert(mask.shape.every((d, i) => d === want[i]), `Expected \`attn_mask\` shape to be ${pyTuple(want)} but got ${torchSize(mask.shape)}`);
      }
    }
    return false;
  }
  throw new Error(`query should be unbatched 2D or batched 3D tensor but received ${q.ndim}-D query tensor`);
}

/** One column of `fill` (zeros, or false for a bool mask) appended along the last dim: PyTorch's pad(mask, (0, 1)). */
function padLast(t: Tensor): Tensor {
  const shape = t.shape.slice();
  shape[shape.length - 1] = 1;
  const z = allocTensor(t._storage.backend, t.dtype, shape);
  return cat([t, z], -1);
}

/** A bool mask as the float mask PyTorch adds: -inf where true, 0 elsewhere. */
function boolToFloatMask(mask: Tensor, like: Tensor): Tensor {
  const zeros = allocTensor(like._storage.backend, like.dtype, mask.shape.slice());
  return zeros.maskedFill(mask, -Infinity);
}

/** [q, k, v] projected: PyTorch's _in_projection_packed (one weight of 3E rows) or _in_projection. */
function inProjection(query: Tensor, key: Tensor, value: Tensor, p: AttentionParams): Tensor[] {
  const E = query.shape[query.ndim - 1]!;
  if (p.inProjWeight !== null) {
    const w = p.inProjWeight, b = p.inProjBias;
    if (key === value) {
      if (query === key) return linear(query, w, b).chunk(3, -1);
      const [wq, wkv] = w.split([E, 2 * E]);
      const [bq, bkv] = b === null ? [null, null] : b.split([E, 2 * E]);
      return [linear(query, wq!, bq), ...linear(key, wkv!, bkv).chunk(2, -1)];
    }
    const [wq, wk, wv] = w.chunk(3);
    const [bq, bk, bv] = b === null ? [null, null, null] : b.chunk(3);
    return [linear(query, wq!, bq), linear(key, wk!, bk), linear(value, wv!, bv)];
  }
  const [bq, bk, bv] = p.inProjBias === null ? [null, null, null] : p.inProjBias.chunk(3);
  return [linear(query, p.qProjWeight!, bq), linear(key, p.kProjWeight!, bk), linear(value, p.vProjWeight!, bv)];
}

/**
 * @internal PyTorch 1.13's F.multi_head_attention_forward (sequence-first: query `[L, N, E]` or
 * unbatched `[L, E]`), returning `[output, weights | null]`.
 */
export function multiHeadAttentionForward(query0: Tensor, key0: Tensor, value0: Tensor, p: AttentionParams, o: AttentionCallOptions): [Tensor, Tensor | null] {
  let kpm = o.keyPaddingMask ?? null;
  let mask = o.attnMask ?? null;
  const needWeights = o.needWeights ?? true;
  const average = o.averageAttnWeights ?? true;
  const numHeads = p.numHeads;
  const isBatched = mhaShapeCheck(query0, key0, value0, kpm, mask, numHeads);
  openScope(true);
  let out: Tensor | undefined, weights: Tensor | null = null;
  try {
    let query = query0, key = key0, value = value0;
    if (!isBatched) {
      // keep the "is" relations of self-attention through the unsqueeze
      query = query0.unsqueeze(1);
      key = key0 === query0 ? query : key0.unsqueeze(1);
      value = value0 === key0 ? key : value0.unsqueeze(1);
      if (kpm !== null) kpm = kpm.unsqueeze(0);
    }
    const [tgtLen, bsz, embedDim] = query.shape as [number, number, number];
    if (kpm !== null) assert(kpm.dtype === "bool" || isFloating(kpm.dtype), "only bool and floating types of key_padding_mask are supported");
    assert(embedDim === p.embedDim, `was expecting embedding dimension of ${p.embedDim}, but got ${embedDim}`);
    const headDim = Math.trunc(embedDim / numHeads);
    assert(headDim * numHeads === embedDim, `embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
    if (p.inProjWeight === null) {
      assert(key.shape[0] === value.shape[0] && key.shape[1] === value.shape[1],
        `key's sequence and batch dims ${torchSize(key.shape.slice(0, 2))} do not match value's ${torchSize(value.shape.slice(0, 2))}`);
    } else {
      assert(key.ndim === value.ndim && key.shape.every((d, i) => d === value.shape[i]), `key shape ${torchSize(key.shape)} does not match value shape ${torchSize(value.shape)}`);
    }
    let [q, k, v] = inProjection(query, key, value, p) as [Tensor, Tensor, Tensor];
    const srcLen0 = key.shape[0]!;
    if (mask !== null) {
      assert(isFloating(mask.dtype) || mask.dtype === "bool",
        `Only float, byte, and bool types are supported for attn_mask, not ${dtypeName(mask.dtype, "torch")}`);
      if (mask.ndim === 2) {
        if (mask.shape[0] !== tgtLen || mask.shape[1] !== srcLen0) {
          throw new Error(`The shape of the 2D attn_mask is ${torchSize(mask.shape)}, but should be ${pyTuple([tgtLen, srcLen0])}.`);
        }
        mask = mask.unsqueeze(0);
      } else if (mask.ndim === 3) {
        const want = [bsz * numHeads, tgtLen, srcLen0];
        if (!mask.shape.every((d, i) => d === want[i])) {
          throw new Error(`The shape of the 3D attn_mask is ${torchSize(mask.shape)}, but should be ${pyTuple(want)}.`);
        }
      } else {
        throw new Error(`attn_mask's dimension ${mask.ndim} is not supported`);
      }
    }
    if (p.biasK !== null && p.biasV !== null) {
      k = cat([k, p.biasK.repeat(1, bsz, 1)]);
      v = cat([v, p.biasV.repeat(1, bsz, 1)]);
      if (mask !== null) mask = padLast(mask);
      if (kpm !== null) kpm = padLast(kpm);
    }
    // heads into the batch: [N * heads, L, headDim]
    q = q.contiguous().view(tgtLen, bsz * numHeads, headDim).transpose(0, 1);
    k = k.contiguous().view(k.shape[0]!, bsz * numHeads, headDim).transpose(0, 1);
    v = v.contiguous().view(v.shape[0]!, bsz * numHeads, headDim).transpose(0, 1);
    if (p.addZeroAttn) {
      const zeros = (t: Tensor) => allocTensor(t._storage.backend, t.dtype, [bsz * numHeads, 1, headDim]);
      k = cat([k, zeros(k)], 1);
      v = cat([v, zeros(v)], 1);
      if (mask !== null) mask = padLast(mask);
      if (kpm !== null) kpm = padLast(kpm);
    }
    const srcLen = k.shape[1]!;
    if (kpm !== null) {
      assert(kpm.ndim === 2 && kpm.shape[0] === bsz && kpm.shape[1] === srcLen,
        `expecting key_padding_mask shape of ${pyTuple([bsz, srcLen])}, but got ${torchSize(kpm.shape)}`);
      kpm = kpm.view(bsz, 1, 1, srcLen).expand(bsz, numHeads, 1, srcLen).reshape(bsz * numHeads, 1, srcLen);
      if (mask === null) mask = kpm;
      else if (mask.dtype === "bool") mask = mask.maskedFill(kpm.dtype === "bool" ? kpm : kpm.ne(0), true);
      else {
        if (kpm.dtype !== "bool") throw new Error(`masked_fill_ only supports boolean masks, but got mask with dtype ${dtypeName(kpm.dtype, "torch").slice(6)}`);
        mask = mask.maskedFill(kpm, -Infinity);
      }
    }
    if (mask !== null && mask.dtype === "bool") mask = boolToFloatMask(mask, q);
    const dropoutP = p.training ? p.dropout : 0;
    const qScaled = q.div(Math.sqrt(headDim));
    const scores = qScaled.bmm(k.transpose(-2, -1));
    let w = (mask !== null ? scores.add(mask) : scores).softmax(-1);
    if (dropoutP > 0) w = dropout(w, { p: dropoutP });
    let attn = w.bmm(v);
    attn = attn.transpose(0, 1).contiguous().view(tgtLen * bsz, embedDim);
    attn = linear(attn, p.outProjWeight, p.outProjBias);
    attn = attn.view(tgtLen, bsz, attn.shape[1]!);
    if (needWeights) {
      w = w.view(bsz, numHeads, tgtLen, srcLen);
      if (average) w = w.sum(1).div(numHeads);
      if (!isBatched) {
        attn = attn.squeeze(1);
        w = w.squeeze(0);
      }
      weights = w;
    } else if (!isBatched) {
      attn = attn.squeeze(1);
    }
    out = attn;
  } finally {
    const keep = new Set<Tensor>();
    if (out !== undefined) keep.add(out);
    if (weights !== null) keep.add(weights);
    closeScope(keep);
  }
  return [out, weights];
}
