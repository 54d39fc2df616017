/**
 * Every differentiable op's gradient rule against float64 central differences,
 * on both backends (PyTorch's gradcheck, done by hand here so the test does not
 * depend on the library's own checker).
 */
import { describe, expect, test } from "vitest";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { multiHeadAttentionForward } from "../src/nn/functional_attn.js";

type Fn = (...xs: Tensor[]) => Tensor;

/** Analytic vs numerical Jacobian-vector products for a random output weighting. */
function check(fn: Fn, inputs: Tensor[], eps = 1e-6, tol = 1e-5): void {
  const xs = inputs.map((x) => x.detach().double().requiresGrad_(true));
  const out = fn(...xs);
  const w = torch.randn(out.shape, { dtype: "float64" });
  const analytic = torch.autograd.grad([out.mul(w).sum()], xs, { allowUnused: true });
  xs.forEach((x, i) => {
    const base = x.detach().toArray() as Float64Array;
    const num = new Float64Array(base.length);
    for (let k = 0; k < base.length; k++) {
      const f = (delta: number) => {
        const p = base.slice();
        p[k] = p[k]! + delta;
        const args = xs.map((y, j) => (j === i ? torch.tensor(p, { dtype: "float64" }).reshape(x.shape) : y.detach()));
        return torch.noGrad(() => fn(...args).mul(w).sum().item() as number);
      };
      num[k] = (f(eps) - f(-eps)) / (2 * eps);
    }
    const a = analytic[i] ? (analytic[i]!.toArray() as Float64Array) : new Float64Array(base.length);
    for (let k = 0; k < base.length; k++) {
      expect(Math.abs(a[k]! - num[k]!), `input ${i} element ${k}: analytic ${a[k]} numeric ${num[k]}`).toBeLessThanOrEqual(tol + 1e-3 * Math.abs(num[k]!));
    }
  });
}

const r = (...shape: number[]) => torch.randn(shape, { dtype: "float64" });
const F = torch.nn.functional;
const pos = (...shape: number[]) => torch.rand(shape, { dtype: "float64" }).add(0.5);
const idx = (data: number[] | number[][]) => torch.tensor(data, { dtype: "int32" });
/** Fixed running statistics of 3 channels (float64) for batchNorm in evaluation mode. */
const runningMean = () => torch.tensor([0.3, -0.2, 1.1], { dtype: "float64" });
const runningVar = () => torch.tensor([0.5, 1.7, 0.9], { dtype: "float64" });

const cases: [string, Fn, () => Tensor[]][] = [
  ["add (broadcast)", (a, b) => a.add(b), () => [r(2, 3), r(3)]],
  ["add alpha", (a, b) => a.add(b, { alpha: 2.5 }), () => [r(2, 3), r(2, 1)]],
  ["sub (broadcast)", (a, b) => a.sub(b), () => [r(2, 1, 3), r(4, 1)]],
  ["mul", (a, b) => a.mul(b), () => [r(3, 4), r(3, 4)]],
  ["div", (a, b) => a.div(b), () => [r(3, 4), pos(4)]],
  ["pow scalar", (a) => a.pow(3), () => [r(5)]],
  ["pow tensor", (a, b) => a.pow(b), () => [pos(4), r(4)]],
  ["neg", (a) => a.neg(), () => [r(4)]],
  ["abs", (a) => a.abs(), () => [r(6)]],
  ["exp", (a) => a.exp(), () => [r(2, 3)]],
  ["log", (a) => a.log(), () => [pos(5)]],
  ["sqrt", (a) => a.sqrt(), () => [pos(5)]],
  ["sin", (a) => a.sin(), () => [r(5)]],
  ["cos", (a) => a.cos(), () => [r(5)]],
  ["tanh", (a) => a.tanh(), () => [r(5)]],
  ["sigmoid", (a) => a.sigmoid(), () => [r(5)]],
  ["relu", (a) => a.relu(), () => [r(7)]],
  ["clamp", (a) => a.clamp(-0.5, 0.5), () => [r(8)]],
  ["sum all", (a) => a.sum(), () => [r(3, 4)]],
  ["sum dims keepdim", (a) => a.sum([0, 2], true), () => [r(2, 3, 4)]],
  ["mean dim", (a) => a.mean(1), () => [r(2, 3, 4)]],
  ["prod", (a) => a.prod(1), () => [r(3, 4)]],
  ["max dim", (a) => a.max(1).values, () => [r(3, 5)]],
  ["min all", (a) => a.min(), () => [r(3, 5)]],
  ["var", (a) => a.var(0), () => [r(4, 3)]],
  ["std", (a) => a.std(), () => [r(4, 3)]],
  ["logsumexp", (a) => a.logsumexp(1), () => [r(3, 4)]],
  ["norm", (a) => a.norm(), () => [r(3, 4)]],
  ["matmul 2d", (a, b) => a.matmul(b), () => [r(3, 4), r(4, 2)]],
  ["matmul batched broadcast", (a, b) => a.matmul(b), () => [r(2, 3, 4), r(4, 5)]],
  ["matmul mv", (a, b) => a.matmul(b), () => [r(3, 4), r(4)]],
  ["matmul vm", (a, b) => a.matmul(b), () => [r(4), r(4, 3)]],
  ["dot", (a, b) => a.matmul(b), () => [r(4), r(4)]],
  ["mm of transposed", (a, b) => a.t().mm(b), () => [r(4, 3), r(4, 2)]],
  ["reshape + permute", (a) => a.permute(2, 0, 1).reshape(4, -1).mul(2), () => [r(2, 3, 4)]],
  ["transpose + contiguous", (a) => a.transpose(0, 1).contiguous().mul(3), () => [r(2, 3)]],
  ["expand", (a, b) => a.expand(3, 4).mul(b), () => [r(1, 4), r(3, 4)]],
  ["unsqueeze/squeeze", (a) => a.unsqueeze(1).squeeze().exp(), () => [r(3)]],
  ["index", (a) => a.index(null, [1, 3]).exp(), () => [r(3, 5)]],
  ["index step", (a) => a.index([0, 5, 2]).exp(), () => [r(6)]],
  ["cat", (a, b) => torch.cat([a, b], 1).exp(), () => [r(2, 3), r(2, 2)]],
  ["stack", (a, b) => torch.stack([a, b], 1).exp(), () => [r(2, 3), r(2, 3)]],
  ["where", (a, b) => torch.where(a.gt(0), a, b), () => [r(6), r(6)]],
  ["softmax", (a) => a.softmax(1), () => [r(3, 4)]],
  ["logSoftmax", (a) => a.logSoftmax(0), () => [r(3, 4)]],
  ["flatten", (a) => a.flatten(1).exp(), () => [r(2, 2, 3)]],
  ["conv2d bias, padding", (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), () => [r(2, 2, 4, 4), r(3, 2, 3, 3), r(3)]],
  ["conv2d stride, dilation", (x, w) => F.conv2d(x, w, null, { stride: [2, 1], dilation: [1, 2], padding: [1, 2] }), () => [r(1, 2, 6, 5), r(2, 2, 3, 2)]],
  ["conv2d groups", (x, w, b) => F.conv2d(x, w, b, { groups: 2 }), () => [r(2, 4, 4, 4), r(4, 2, 2, 3), r(4)]],
  ["conv2d same (asymmetric)", (x, w) => F.conv2d(x, w, null, { padding: "same" }), () => [r(1, 2, 4, 5), r(2, 2, 2, 4)]],
  ["conv2d pointwise", (x, w) => F.conv2d(x, w), () => [r(2, 3, 3, 3), r(2, 3, 1, 1)]],
  ["conv2d unbatched", (x, w) => F.conv2d(x, w, null, { stride: 2 }), () => [r(2, 5, 5), r(3, 2, 3, 3)]],
  ["conv1d", (x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2 }), () => [r(2, 3, 9), r(4, 3, 3), r(4)]],
  ["maxPool2d", (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }), () => [r(2, 2, 6, 6)]],
  ["maxPool2d dilation ceil", (x) => F.maxPool2d(x, 2, { dilation: 2, ceilMode: true, stride: 2 }), () => [r(1, 2, 7, 6)]],
  ["avgPool2d", (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1 }), () => [r(2, 2, 6, 5)]],
  ["avgPool2d exclude pad, ceil", (x) => F.avgPool2d(x, 2, { padding: 1, ceilMode: true, countIncludePad: false }), () => [r(1, 2, 5, 5)]],
  ["avgPool2d divisor", (x) => F.avgPool2d(x, [2, 3], { divisorOverride: 5 }), () => [r(1, 2, 4, 6)]],
  ["adaptiveAvgPool2d", (x) => F.adaptiveAvgPool2d(x, [3, 2]), () => [r(2, 2, 7, 5)]],
  // elementwise ops and activations (rounding ops: their gradient is zero, as the numeric one)
  ["log1p", (a) => a.log1p(), () => [pos(5)]],
  ["expm1", (a) => a.expm1(), () => [r(5)]],
  ["rsqrt", (a) => a.rsqrt(), () => [pos(5)]],
  ["reciprocal", (a) => a.reciprocal(), () => [pos(5)]],
  ["square", (a) => a.square(), () => [r(5)]],
  ["erf", (a) => a.erf(), () => [r(2, 3)]],
  ["floor", (a) => a.floor().add(a), () => [r(5)]],
  ["round", (a) => a.round().add(a.mul(2)), () => [r(5)]],
  ["atan2 (broadcast)", (a, b) => a.atan2(b), () => [r(2, 3), r(3)]],
  ["lerp number", (a, b) => a.lerp(b, 0.3), () => [r(2, 3), r(2, 3)]],
  ["lerp tensor", (a, b, w) => a.lerp(b, w), () => [r(2, 3), r(3), r(2, 1)]],
  ["maskedFill", (a) => a.maskedFill(a.gt(0.3), -1), () => [r(2, 4)]],
  ["maskedFill 0-d value", (a, v) => a.maskedFill(a.gt(0), v), () => [r(2, 4), r(1).reshape([])]],
  ["leakyRelu", (a) => a.leakyRelu(0.2), () => [r(7)]],
  ["gelu", (a) => a.gelu(), () => [r(7)]],
  ["gelu tanh", (a) => a.gelu({ approximate: "tanh" }), () => [r(7)]],
  ["silu", (a) => a.silu(), () => [r(7)]],
  ["softplus", (a) => a.softplus({ beta: 2, threshold: 3 }), () => [r(7)]],
  ["elu", (a) => a.elu(0.7), () => [r(7)]],
  ["hardtanh", (a) => a.hardtanh(-0.5, 0.8), () => [r(7)]],
  ["logSigmoid", (a) => a.logSigmoid(), () => [r(7)]],
  // scans and order statistics (random inputs: no ties)
  ["cumsum", (a) => a.cumsum(1), () => [r(3, 5)]],
  ["cumsum reversed dim", (a) => a.cumsum(-2), () => [r(4, 2)]],
  ["cumprod", (a) => a.cumprod(1), () => [r(3, 5)]],
  ["cumprod with a zero", (a) => a.cumprod(0), () => [torch.tensor([1.5, -0.7, 0, 2.0, 0.3], { dtype: "float64" })]],
  ["cumprod with two zeros", (a) => a.cumprod(0), () => [torch.tensor([1.5, 0, -0.7, 0, 2.0], { dtype: "float64" })]],
  ["amax dims", (a) => a.amax([0, 2]), () => [r(2, 3, 4)]],
  ["amin keepdim", (a) => a.amin(1, true), () => [r(3, 4)]],
  ["sort", (a) => a.sort(1).values, () => [r(3, 6)]],
  ["sort descending dim 0", (a) => a.sort(0, true).values, () => [r(5, 2)]],
  ["topk", (a) => a.topk(3).values, () => [r(2, 7)]],
  ["topk smallest unsorted", (a) => a.topk(2, 0, false, false).values, () => [r(6, 3)]],
  // indexing and joining
  ["gather (repeated indices)", (a) => a.gather(1, idx([[0, 2, 2, 1], [1, 1, 0, 0]])), () => [r(2, 3)]],
  ["scatter", (a, b) => a.scatter(1, idx([[0, 2], [1, 0]]), b), () => [r(2, 3), r(2, 2)]],
  ["scatter number", (a) => a.scatter(0, idx([[1, 0, 1]]), 2.5), () => [r(2, 3)]],
  ["scatterAdd (repeated indices)", (a, b) => a.scatterAdd(1, idx([[0, 0, 2], [1, 1, 1]]), b), () => [r(2, 3), r(2, 3)]],
  ["indexSelect", (a) => a.indexSelect(1, idx([2, 0, 2, 1])), () => [r(2, 3)]],
  ["advanced index", (a) => a.index(null, idx([[2, 0], [1, 2]])), () => [r(2, 3)]],
  ["advanced index after select", (a) => a.index(1, idx([3, -1, 0])), () => [r(2, 4)]],
  ["split", (a) => { const [p, q] = a.split([1, 2], 1); return p.mul(q.sum()); }, () => [r(2, 3)]],
  ["chunk (one piece used)", (a) => a.chunk(3, 0)[1]!.exp(), () => [r(5, 2)]],
  ["unbind", (a) => { const [p, q, w] = a.unbind(1); return p.mul(q).add(w); }, () => [r(2, 3)]],
  ["narrow", (a) => a.narrow(1, 1, 2).exp(), () => [r(2, 4)]],
  ["select", (a) => a.select(0, -1).exp(), () => [r(3, 2)]],
  ["repeat", (a) => a.repeat(2, 1, 3).exp(), () => [r(2, 3)]],
  ["flip", (a) => a.flip(0, 1).mul(torch.arange(6, { dtype: "float64" }).reshape(2, 3)), () => [r(2, 3)]],
  ["roll", (a) => a.roll([1, -1], [0, 1]).mul(torch.arange(6, { dtype: "float64" }).reshape(2, 3)), () => [r(2, 3)]],
  ["roll flattened", (a) => a.roll(2).mul(torch.arange(6, { dtype: "float64" }).reshape(2, 3)), () => [r(2, 3)]],
  ["tril", (a) => a.tril(-1).exp(), () => [r(3, 3)]],
  ["triu", (a) => a.triu(1).exp(), () => [r(2, 3, 3)]],
  // linear algebra
  ["bmm", (a, b) => a.bmm(b), () => [r(2, 3, 4), r(2, 4, 2)]],
  ["bmm of a transposed operand", (a, b) => a.transpose(1, 2).bmm(b), () => [r(2, 4, 3), r(2, 4, 2)]],
  ["dot", (a, b) => a.dot(b), () => [r(5), r(5)]],
  ["outer", (a, b) => a.outer(b), () => [r(3), r(4)]],
  ["einsum matrix product", (a, b) => torch.einsum("ij,jk->ik", a, b), () => [r(2, 3), r(3, 4)]],
  ["einsum three operands", (a, b, c) => torch.einsum("ij,jk,k->i", a, b, c), () => [r(2, 3), r(3, 4), r(4)]],
  ["einsum batched ellipsis", (a, b) => torch.einsum("...ij,...jk->...ik", a, b), () => [r(2, 2, 3), r(3, 2)]],
  ["einsum diagonal", (a) => torch.einsum("ii->i", a), () => [r(3, 3)]],
  ["einsum trace", (a) => torch.einsum("ii", a), () => [r(3, 3)]],
  ["einsum outer and transpose", (a, b) => torch.einsum("i,j->ji", a, b), () => [r(3), r(2)]],
  ["einsum attention scores", (q, k) => torch.einsum("bhqd,bhkd->bhqk", q, k), () => [r(1, 2, 3, 4), r(1, 2, 2, 4)]],
  // batch normalisation and embedding
  ["batchNorm train [N, C]", (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }), () => [r(5, 6), r(6), r(6)]],
  ["batchNorm train [N, C, H, W]", (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }), () => [r(2, 3, 2, 3), r(3), r(3)]],
  ["batchNorm train [N, C, L] no affine", (x) => F.batchNorm(x, null, null, null, null, { training: true, eps: 0.1 }), () => [r(3, 2, 5)]],
  ["batchNorm eval", (x, w, b) => F.batchNorm(x, runningMean(), runningVar(), w, b), () => [r(4, 3, 2), r(3), r(3)]],
  ["embedding", (w) => F.embedding(idx([[0, 2], [2, 3]]), w), () => [r(4, 3)]],
  // paddingIdx and scaleGradByFreq change the gradient on purpose (the oracle checks them); here
  // the padding row is never looked up
  ["embedding repeated indices", (w) => F.embedding(idx([0, 2, 2, 1, 0]), w, { paddingIdx: 3 }), () => [r(4, 2)]],
];

// gradients of gradients: PyTorch's gradgradcheck (float64) of the rules that are recorded ops
const doubleCases: [string, Fn, () => Tensor[]][] = [
  ["conv2d", (x, w, b) => F.conv2d(x, w, b, { padding: 1, stride: 2 }), () => [r(2, 2, 4, 4), r(3, 2, 3, 3), r(3)]],
  ["conv2d groups, dilation", (x, w) => F.conv2d(x, w, null, { groups: 2, dilation: 2, padding: 1 }), () => [r(1, 4, 5, 5), r(2, 2, 2, 2)]],
  ["conv1d same", (x, w, b) => F.conv1d(x, w, b, { padding: "same" }), () => [r(2, 2, 6), r(3, 2, 4), r(3)]],
  ["maxPool2d", (x) => F.maxPool2d(x, 2, { stride: 1 }), () => [r(1, 2, 4, 4)]],
  ["avgPool2d", (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }), () => [r(1, 2, 5, 5)]],
  ["adaptiveAvgPool2d", (x) => F.adaptiveAvgPool2d(x, [2, 3]), () => [r(1, 2, 5, 5)]],
  ["layerNorm weight, bias", (x, w, b) => F.layerNorm(x, [5], w, b), () => [r(3, 5), r(5), r(5)]],
  ["layerNorm two dims, eps", (x) => F.layerNorm(x, [3, 4], null, null, 0.5), () => [r(2, 3, 4)]],
  ["layerNorm weight only, strided", (x, w) => F.layerNorm(x.t(), [3], w), () => [r(3, 4), r(3)]],
  ["softmax dim 0", (a) => a.softmax(0), () => [r(3, 4, 2)]],
  ["softmax last dim", (a) => a.softmax(-1).mul(a), () => [r(2, 5)]],
  ["logSoftmax dim 1", (a) => a.logSoftmax(1), () => [r(2, 3, 4)]],
  ["logSoftmax last dim", (a) => a.logSoftmax(-1).mul(a), () => [r(3, 5)]],
  ["softmax attention", (q, k, v) => q.bmm(k.transpose(1, 2)).div(2).softmax(-1).bmm(v), () => [r(2, 3, 4), r(2, 5, 4), r(2, 5, 4)]],
  ["multi-head attention (masked)", (q, k, v, wi, bi, wo) => {
    const mask = torch.tensor([[false, true, false, false], [false, false, false, true], [true, false, false, false]]);
    return multiHeadAttentionForward(q, k, v, {
      embedDim: 4, numHeads: 2, inProjWeight: wi, inProjBias: bi, qProjWeight: null, kProjWeight: null, vProjWeight: null,
      biasK: null, biasV: null, addZeroAttn: false, dropout: 0, outProjWeight: wo, outProjBias: null, training: true,
    }, { attnMask: mask })[0];
  }, () => [r(3, 2, 4), r(4, 2, 4), r(4, 2, 4), r(12, 4), r(12), r(4, 4)]],
  ["batchNorm train", (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }), () => [r(4, 3), r(3), r(3)]],
  ["batchNorm train [N, C, L]", (x, w) => F.batchNorm(x, null, null, w, null, { training: true }), () => [r(2, 2, 3), r(2)]],
  ["batchNorm eval", (x, w, b) => F.batchNorm(x, runningMean(), runningVar(), w, b), () => [r(3, 3, 2), r(3), r(3)]],
  ["embedding", (w) => F.embedding(idx([[0, 2], [2, 1]]), w).pow(2), () => [r(3, 2)]],
];

/** Ops whose gradient is itself differentiable (PyTorch's double backward): gradgradcheck. */
const secondOrder: [string, Fn, () => Tensor[]][] = [
  ["log1p", (a) => a.log1p(), () => [pos(4)]],
  ["expm1", (a) => a.expm1(), () => [r(4)]],
  ["rsqrt", (a) => a.rsqrt(), () => [pos(4)]],
  ["reciprocal", (a) => a.reciprocal(), () => [pos(4)]],
  ["erf", (a) => a.erf(), () => [r(4)]],
  ["atan2", (a, b) => a.atan2(b), () => [r(3), r(3)]],
  ["lerp tensor", (a, b, w) => a.lerp(b, w), () => [r(3), r(3), r(3)]],
  ["maskedFill", (a) => a.maskedFill(a.gt(0.3), 2).mul(a), () => [r(4)]],
  ["leakyRelu", (a) => a.leakyRelu(0.2).mul(a), () => [r(5)]],
  ["gelu", (a) => a.gelu(), () => [r(5)]],
  ["gelu tanh", (a) => a.gelu({ approximate: "tanh" }), () => [r(5)]],
  ["silu", (a) => a.silu(), () => [r(5)]],
  ["softplus", (a) => a.softplus({ beta: 2, threshold: 3 }), () => [r(5)]],
  ["elu", (a) => a.elu(0.7), () => [r(5)]],
  ["hardtanh", (a) => a.hardtanh(-0.5, 0.8).mul(a), () => [r(5)]],
  ["logSigmoid", (a) => a.logSigmoid(), () => [r(5)]],
  ["cumsum", (a) => a.cumsum(0).mul(a), () => [r(5)]],
  ["cumprod", (a) => a.cumprod(1), () => [r(2, 4)]],
  ["cumprod with a zero", (a) => a.cumprod(0), () => [torch.tensor([1.5, -0.7, 0, 2.0], { dtype: "float64" })]],
  ["amax", (a) => a.amax(1).mul(a.sum()), () => [r(3, 4)]],
  ["sort", (a) => a.sort(0).values.mul(a), () => [r(5)]],
  ["topk", (a) => a.topk(2).values.pow(2), () => [r(5)]],
  ["gather", (a) => a.gather(1, idx([[0, 2, 2], [1, 1, 0]])).pow(2), () => [r(2, 3)]],
  ["scatterAdd", (a, b) => a.scatterAdd(1, idx([[0, 0], [2, 1]]), b).pow(2), () => [r(2, 3), r(2, 2)]],
  ["indexSelect", (a) => a.indexSelect(0, idx([1, 1, 0])).pow(2), () => [r(2, 3)]],
  ["advanced index", (a) => a.index(idx([1, 1, 0])).pow(2), () => [r(2, 3)]],
  ["split", (a) => { const [p, q] = a.split(1, 1); return p.mul(q); }, () => [r(3, 2)]],
  ["unbind", (a) => { const [p, q] = a.unbind(); return p.mul(q); }, () => [r(2, 3)]],
  ["repeat", (a) => a.repeat(2, 2).pow(2), () => [r(2, 2)]],
  ["flip", (a) => a.flip(0).mul(a), () => [r(4)]],
  ["roll", (a) => a.roll(1).mul(a), () => [r(4)]],
  ["tril", (a) => a.tril().pow(2), () => [r(3, 3)]],
  ["bmm", (a, b) => a.bmm(b), () => [r(2, 2, 3), r(2, 3, 2)]],
  ["dot", (a, b) => a.dot(b).mul(a.sum()), () => [r(3), r(3)]],
  ["outer", (a, b) => a.outer(b).pow(2), () => [r(3), r(2)]],
  ["einsum", (a, b) => torch.einsum("ij,jk->ik", a, b).pow(2), () => [r(2, 3), r(3, 2)]],
  ["einsum diagonal", (a) => torch.einsum("ii->i", a).pow(2), () => [r(3, 3)]],
];

for (const backend of ["wasm", "js"] as const) {
  describe(`gradcheck [${backend}]`, () => {
    test.each(cases)("%s", (_name, fn, make) => {
      torch.setBackend(backend);
      torch.manualSeed(7);
      check(fn, make());
    });

    test.each(doubleCases)("gradgradcheck %s", (_name, fn, make) => {
      torch.setBackend(backend);
      torch.manualSeed(11);
      const inputs = make().map((t) => t.requiresGrad_(true));
      expect(torch.autograd.gradcheck(fn, inputs)).toBe(true);
      expect(torch.autograd.gradgradcheck(fn, inputs)).toBe(true);
    });
    test.each(secondOrder)("gradgradcheck %s", (_name, fn, make) => {
      torch.setBackend(backend);
      torch.manualSeed(11);
      const xs = make().map((x) => x.detach().double().requiresGrad_(true));
      expect(torch.autograd.gradgradcheck(fn, xs)).toBe(true);
    });

    test("second derivatives (createGraph) of sin(x)*x", () => {
      torch.setBackend(backend);
      const x = torch.tensor([0.3, -1.2, 2.0], { dtype: "float64", requiresGrad: true });
      const [g] = torch.autograd.grad(x.sin().mul(x).sum(), x, { createGraph: true });
      const [h] = torch.autograd.grad(g!.sum(), x);
      const xs = [0.3, -1.2, 2.0];
      // d²/dx² (x sin x) = 2 cos x - x sin x
      const want = xs.map((v) => 2 * Math.cos(v) - v * Math.sin(v));
      Array.from(h!.toArray()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 10));
    });
  });
}
