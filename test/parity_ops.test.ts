/**
 * Review of the tensor ops against PyTorch 1.13.1 (run with /usr/bin/python3).
 * Every test asserts what PyTorch does; each one failed against wasmgrad when
 * written and now guards the fix (the ones still marked test.fails are known gaps). Ids O1, O2, ... are in rough order of seriousness. The PyTorch program
 * and its output are in the comment above each expectation.
 */
import { afterAll, beforeEach, describe, expect, test } from "vitest";
import * as torch from "../src/index.js";

type T = torch.Tensor;
const f64 = { dtype: "float64" as const };
const i32 = { dtype: "int32" as const };
const vals = (t: T): number[] => Array.from(t.toArray() as ArrayLike<number>);
const grad = (x: T): number[] => vals(x.grad!);
const leaf = (data: unknown, opts: object = {}): T => torch.tensor(data, { ...opts, requiresGrad: true });

for (const backend of ["wasm", "js"] as const) {
  describe(`review ops [${backend}]`, () => {
    beforeEach(() => { torch.setBackend(backend); });
    afterAll(() => { torch.setBackend("wasm"); });

    // ---- dtype promotion -----------------------------------------------------------------

    test("O1 a 0-d float64 tensor does not promote a dimensioned float32 tensor", () => {
      // >>> (torch.tensor([1., 2.]) + torch.tensor(1., dtype=torch.float64)).dtype
      // torch.float32
      // >>> (torch.tensor(1., dtype=torch.float64) + torch.tensor([1., 2.])).dtype
      // torch.float32
      // >>> torch.tensor([1., 2.]).mul(torch.tensor(2., dtype=torch.float64))
      // tensor([2., 4.])
      // >>> torch.tensor([0.1]).eq(torch.tensor(0.1, dtype=torch.float64))    # compared in float32
      // tensor([True])
      // >>> torch.where(torch.tensor([True, False]), torch.tensor([1., 2.]), torch.tensor(0., dtype=torch.float64)).dtype
      // torch.float32
      // (int tensor + float64 0-d stays float64 in PyTorch too: a higher category promotes.)
      expect(torch.tensor([1, 2]).add(torch.tensor(1, f64)).dtype).toBe("float32");
      expect(torch.tensor(1, f64).add(torch.tensor([1, 2])).dtype).toBe("float32");
      expect(String(torch.tensor([1, 2]).mul(torch.tensor(2, f64)))).toBe("tensor([2., 4.])");
      expect(torch.tensor([0.1]).eq(torch.tensor(0.1, f64)).tolist()).toEqual([true]);
      expect(torch.where(torch.tensor([true, false]), torch.tensor([1, 2]), torch.tensor(0, f64)).dtype).toBe("float32");
      expect(torch.tensor([1, 2], i32).add(torch.tensor(1, f64)).dtype).toBe("float64");
    });

    test("O2 in-place ops on a float32 tensor accept float64 operands (same-category downcast)", () => {
      // >>> torch.ones(2).add_(torch.ones(2, dtype=torch.float64))
      // tensor([2., 2.])
      // >>> torch.ones(2).add_(torch.tensor(0.5, dtype=torch.float64))
      // tensor([1.5000, 1.5000])
      // >>> torch.ones(2).mul_(torch.full((2,), 0.1, dtype=torch.float64))
      // tensor([0.1000, 0.1000])
      // (only a category change errors: torch.ones(2, dtype=torch.int64).add_(0.5) ->
      //  result type Float can't be cast to the desired output type Long)
      const a = torch.ones(2).add_(torch.ones(2, f64));
      expect(a.dtype).toBe("float32");
      expect(vals(a)).toEqual([2, 2]);
      expect(vals(torch.ones(2).add_(torch.tensor(0.5, f64)))).toEqual([1.5, 1.5]);
      expect(String(torch.ones(2).mul_(torch.full([2], 0.1, f64)))).toBe("tensor([0.1000, 0.1000])");
    });

    // ---- gradients -----------------------------------------------------------------------

    test("O3 norm backward at a zero norm gives 0, not NaN", () => {
      // >>> x = torch.zeros(3, requires_grad=True); x.norm().backward(); x.grad
      // tensor([0., 0., 0.])
      // >>> x = torch.zeros(3, requires_grad=True); x.norm(3).backward(); x.grad
      // tensor([0., 0., 0.])
      // >>> x = torch.tensor([[0., 0.], [3., 4.]], requires_grad=True); x.norm(2, 1).sum().backward(); x.grad
      // tensor([[0.0000, 0.0000],
      //         [0.6000, 0.8000]])
      // >>> x = torch.tensor([0., 4.], requires_grad=True); x.norm(0.5).backward(); x.grad
      // tensor([0., 1.])
      const a = leaf([0, 0, 0]); a.norm().backward();
      expect(grad(a)).toEqual([0, 0, 0]);
      const b = leaf([0, 0, 0]); b.norm(3).backward();
      expect(grad(b)).toEqual([0, 0, 0]);
      const c = leaf([[0, 0], [3, 4]]); c.norm(2, 1).sum().backward();
      expect(grad(c).map((v) => +v.toFixed(4))).toEqual([0, 0, 0.6, 0.8]);
      const d = leaf([0, 4]); d.norm(0.5).backward();
      expect(grad(d)).toEqual([0, 1]);
    });

    test("O4 std backward of a constant input gives 0, not NaN", () => {
      // >>> x = torch.tensor([3., 3.], requires_grad=True); x.std().backward(); x.grad
      // tensor([0., 0.])
      // >>> x = torch.tensor([[1., 1.], [1., 3.]], requires_grad=True); x.std(1).sum().backward(); x.grad
      // tensor([[ 0.0000,  0.0000],
      //         [-0.7071,  0.7071]])
      const a = leaf([3, 3]); a.std().backward();
      expect(grad(a)).toEqual([0, 0]);
      const b = leaf([[1, 1], [1, 3]]); b.std(1).sum().backward();
      expect(grad(b).map((v) => +v.toFixed(4))).toEqual([0, 0, -0.7071, 0.7071]);
    });

    test("O5 norm p=0 counts non-zeros and p=-inf is the smallest |x|", () => {
      // >>> x = torch.tensor([[1., -2., 0.], [3., 0., -4.]])
      // >>> x.norm(0), x.norm(0, 1)
      // (tensor(4.), tensor([2., 2.]))
      // >>> x.norm(float('-inf')), x.norm(float('-inf'), 1)
      // (tensor(0.), tensor([0., 0.]))
      const x = torch.tensor([[1, -2, 0], [3, 0, -4]]);
      expect(x.norm(0).item()).toBe(4);
      expect(vals(x.norm(0, 1))).toEqual([2, 2]);
      expect(x.norm(-Infinity).item()).toBe(0);
      expect(vals(x.norm(-Infinity, 1))).toEqual([0, 0]);
    });

    test("O6 max()/min() backward with a NaN sends the gradient to the NaN, not NaN everywhere", () => {
      // >>> x = torch.tensor([1., float('nan'), 3.], requires_grad=True); x.max().backward(); x.grad
      // tensor([0., 1., 0.])
      const x = leaf([1, NaN, 3]); x.max().backward();
      expect(grad(x)).toEqual([0, 1, 0]);
      const y = leaf([1, NaN, 3]); y.min().backward();
      expect(grad(y)).toEqual([0, 1, 0]);
    });

    test("O7 norm(inf, dim) backward splits the gradient evenly between tied maxima", () => {
      // >>> x = torch.tensor([[3., -3., 1.]], requires_grad=True); x.norm(float('inf'), 1).sum().backward(); x.grad
      // tensor([[ 0.5000, -0.5000,  0.0000]])
      const x = leaf([[3, -3, 1]]); x.norm(Infinity, 1).sum().backward();
      expect(grad(x)).toEqual([0.5, -0.5, 0]);
    });

    test("O8 pow(tensor, tensor) backward wrt the base is 0 where the exponent is 0 (0^0)", () => {
      // >>> a = torch.tensor([0., 0.], requires_grad=True); b = torch.tensor([0., -1.], requires_grad=True)
      // >>> a.pow(b).sum().backward(); a.grad, b.grad
      // (tensor([0., -inf]), tensor([0., -inf]))
      const a = leaf([0, 0]), b = leaf([0, -1]);
      a.pow(b).sum().backward();
      expect(grad(a)).toEqual([0, -Infinity]);
      expect(grad(b)).toEqual([0, -Infinity]);
    });

    // ---- bool arithmetic -----------------------------------------------------------------

    test("O9 bool (op) bool stays bool for add, mul, maximum, sign and in-place mul_", () => {
      // >>> b = torch.tensor([True, False])
      // >>> b + b, b * b, b + True, b * True
      // (tensor([ True, False]), tensor([ True, False]), tensor([True, True]), tensor([ True, False]))
      // >>> torch.maximum(b, b), b.sign()
      // (tensor([ True, False]), tensor([ True, False]))
      // >>> b + torch.tensor(True)                      # 0-d bool operand
      // tensor([True, True])
      // >>> torch.tensor([True, True]).mul_(torch.tensor([True, False]))
      // tensor([ True, False])
      const b = () => torch.tensor([true, false]);
      const sum = b().add(b());
      expect(sum.dtype).toBe("bool");
      expect(sum.tolist()).toEqual([true, false]);
      expect(b().mul(b()).dtype).toBe("bool");
      expect(b().add(true).tolist()).toEqual([true, true]);
      expect(b().mul(true).dtype).toBe("bool");
      expect(torch.maximum(b(), b()).dtype).toBe("bool");
      expect(b().sign().dtype).toBe("bool");
      expect(b().add(torch.tensor(true)).tolist()).toEqual([true, true]);
      expect(torch.tensor([true, true]).mul_(torch.tensor([true, false])).tolist()).toEqual([true, false]);
    });

    test("O10 ops PyTorch refuses on bool tensors throw its errors", () => {
      // >>> b = torch.tensor([True, False])
      // >>> b - b      RuntimeError: Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.
      // >>> b - True   (same message)
      // >>> -b         RuntimeError: Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.
      // >>> b.abs()    RuntimeError: "abs_cpu" not implemented for 'Bool'
      // >>> b.relu()   RuntimeError: Boolean inputs not supported for relu
      // >>> b ** b     RuntimeError: "pow" not implemented for 'Bool'
      const b = () => torch.tensor([true, false]);
      expect(() => b().sub(b())).toThrow("Subtraction, the `-` operator, with two bool tensors is not supported.");
      expect(() => b().sub(true)).toThrow("Subtraction, the `-` operator, with two bool tensors is not supported.");
      expect(() => b().neg()).toThrow("Negation, the `-` operator, on a bool tensor is not supported.");
      expect(() => b().abs()).toThrow(`"abs_cpu" not implemented for 'Bool'`);
      expect(() => b().relu()).toThrow("Boolean inputs not supported for relu");
      expect(() => b().pow(b())).toThrow(`"pow" not implemented for 'Bool'`);
    });

    // ---- creation ------------------------------------------------------------------------

    test("O11 linspace with steps=1 gives [start]", () => {
      // >>> torch.linspace(0, 10, 1)
      // tensor([0.])
      expect(vals(torch.linspace(0, 10, 1))).toEqual([0]);
      expect(vals(torch.linspace(-3, 7, 1))).toEqual([-3]);
    });

    // ---- elementwise special values ------------------------------------------------------

    test("O12 sign(NaN) is 0", () => {
      // >>> torch.tensor([-0., 0., float('nan'), -2., 3.]).sign()
      // tensor([ 0.,  0.,  0., -1.,  1.])
      expect(vals(torch.tensor([-0, 0, NaN, -2, 3]).sign())).toEqual([0, 0, 0, -1, 1]);
      expect(vals(torch.tensor(new Array(9).fill(NaN), f64).sign())).toEqual(new Array(9).fill(0));
    });

    // ---- empty tensors -------------------------------------------------------------------

    test("O13 argmax/argmin of an empty tensor or over an empty dim throw", () => {
      // >>> torch.zeros(0).argmax()
      // IndexError: argmax(): Expected reduction dim to be specified for input.numel() == 0.
      // >>> torch.zeros(2, 0, 3).argmax(1)
      // IndexError: argmax(): Expected reduction dim 1 to have non-zero size.
      // >>> torch.zeros(0).argmin()
      // IndexError: argmin(): Expected reduction dim to be specified for input.numel() == 0.
      // >>> torch.zeros(2, 0, 3).argmax(2)      # a non-empty reduced dim is fine
      // tensor([], size=(2, 0), dtype=torch.int64)
      expect(() => torch.zeros(0).argmax()).toThrow("argmax(): Expected reduction dim to be specified for input.numel() == 0.");
      expect(() => torch.zeros(2, 0, 3).argmax(1)).toThrow("argmax(): Expected reduction dim 1 to have non-zero size.");
      expect(() => torch.zeros(0).argmin()).toThrow("argmin(): Expected reduction dim to be specified for input.numel() == 0.");
      expect(torch.zeros(2, 0, 3).argmax(2).shape).toEqual([2, 0]);
    });

    test("O14 var/std of an empty tensor are nan", () => {
      // >>> torch.zeros(0).var(), torch.zeros(0).std()
      // (tensor(nan), tensor(nan))
      // >>> torch.zeros(2, 0).var(1)
      // tensor([nan, nan])
      expect(vals(torch.zeros(0).var())).toEqual([NaN]);
      expect(vals(torch.zeros(0).std())).toEqual([NaN]);
      expect(vals(torch.zeros(2, 0).var(1))).toEqual([NaN, NaN]);
    });

    test("O15 logsumexp over an empty dim is -inf (the js backend gives nan)", () => {
      // >>> torch.logsumexp(torch.zeros(0), 0)
      // tensor(-inf)
      // >>> torch.logsumexp(torch.zeros(2, 0, 3), 1)
      // tensor([[-inf, -inf, -inf],
      //         [-inf, -inf, -inf]])
      expect(vals(torch.logsumexp(torch.zeros(0), 0))).toEqual([-Infinity]);
      expect(vals(torch.logsumexp(torch.zeros(2, 0, 3), 1))).toEqual(new Array(6).fill(-Infinity));
    });

    test("O16 norm(inf) of an empty tensor is 0", () => {
      // >>> torch.zeros(0).norm(float('inf'))
      // tensor(0.)
      expect(vals(torch.zeros(0).norm(Infinity))).toEqual([0]);
    });

    // ---- pow special values --------------------------------------------------------------

    test("O17 pow follows C pow, not Math.pow: 1^nan = 1, (+-1)^(+-inf) = 1", () => {
      // >>> torch.tensor([1.]) ** float('nan')
      // tensor([1.])
      // >>> torch.tensor([1., -1.]) ** float('inf')
      // tensor([1., 1.])
      // >>> torch.tensor([1., -1., 1.]) ** torch.tensor([float('nan'), float('-inf'), float('-inf')])
      // tensor([1., 1., 1.])
      expect(vals(torch.tensor([1]).pow(NaN))).toEqual([1]);
      expect(vals(torch.tensor([1, -1]).pow(Infinity))).toEqual([1, 1]);
      expect(vals(torch.tensor([1, -1, 1]).pow(torch.tensor([NaN, -Infinity, -Infinity])))).toEqual([1, 1, 1]);
      expect(vals(torch.tensor([1, -1], f64).pow(Infinity))).toEqual([1, 1]);
    });

    // ---- casts to bool -------------------------------------------------------------------

    test("O18 NaN and 0.5 become True when stored as bool (tensor(), fill_)", () => {
      // >>> torch.tensor([float('nan'), 0., 0.5], dtype=torch.bool)
      // tensor([ True, False,  True])
      // >>> torch.zeros(2, dtype=torch.bool).fill_(0.5)
      // tensor([True, True])
      // >>> torch.zeros(2, dtype=torch.bool).fill_(float('nan'))
      // tensor([True, True])
      expect(torch.tensor([NaN, 0, 0.5], { dtype: "bool" }).tolist()).toEqual([true, false, true]);
      expect(torch.zeros(2, { dtype: "bool" }).fill_(0.5).tolist()).toEqual([true, true]);
      expect(torch.zeros(2, { dtype: "bool" }).fill_(NaN).tolist()).toEqual([true, true]);
    });

    // ---- error texts -----------------------------------------------------------------------

    test("O19 cat of 0-d tensors throws PyTorch's error", () => {
      // >>> torch.cat([torch.tensor(1.), torch.tensor(2.)])
      // RuntimeError: zero-dimensional tensor (at position 0) cannot be concatenated
      expect(() => torch.cat([torch.tensor(1), torch.tensor(2)])).toThrow("zero-dimensional tensor (at position 0) cannot be concatenated");
      expect(() => torch.cat([torch.ones(1), torch.tensor(2)])).toThrow("zero-dimensional tensor (at position 1) cannot be concatenated");
    });

    test("O20 var/std of an integer tensor throw PyTorch's error", () => {
      // >>> torch.tensor([1, 2], dtype=torch.int32).var()
      // RuntimeError: std and var only support floating point and complex dtypes
      expect(() => torch.tensor([1, 2], i32).var()).toThrow("std and var only support floating point and complex dtypes");
      expect(() => torch.tensor([1, 2], i32).std()).toThrow("std and var only support floating point and complex dtypes");
    });

    test("O21 softmax/logSoftmax of an integer tensor throw", () => {
      // >>> torch.tensor([1, 2], dtype=torch.int32).softmax(0)
      // RuntimeError: "softmax_lastdim_kernel_impl" not implemented for 'Int'
      // >>> torch.tensor([1, 2], dtype=torch.int32).log_softmax(0)
      // RuntimeError: "log_softmax_lastdim_kernel_impl" not implemented for 'Int'
      expect(() => torch.tensor([1, 2], i32).softmax(0)).toThrow(`"softmax_lastdim_kernel_impl" not implemented for 'Int'`);
      expect(() => torch.tensor([1, 2], i32).logSoftmax(0)).toThrow(`"log_softmax_lastdim_kernel_impl" not implemented for 'Int'`);
    });

    // ---- graph node names ----------------------------------------------------------------

    test("O22 index ending in a number records SelectBackward0", () => {
      // >>> a = torch.arange(24.).reshape(2, 3, 4).requires_grad_()
      // >>> a[-1, -2].grad_fn, a[0, 0, 0].grad_fn, a[0:1, 0].grad_fn
      // (<SelectBackward0>, <SelectBackward0>, <SelectBackward0>)
      // >>> a[0, 1:3].grad_fn
      // <SliceBackward0>
      const a = () => torch.arange(24, { dtype: "float32" }).reshape(2, 3, 4).requiresGrad_();
      expect(a().index(-1, -2).gradFn!.name()).toBe("SelectBackward0");
      expect(a().index(0, 0, 0).gradFn!.name()).toBe("SelectBackward0");
      expect(a().index([0, 1], 0).gradFn!.name()).toBe("SelectBackward0");
      expect(a().index(0, [1, 3]).gradFn!.name()).toBe("SliceBackward0");
    });

    test("O23 batched / broadcast matmul records UnsafeViewBackward0", () => {
      // >>> (torch.ones(2, 3, 4, requires_grad=True) @ torch.ones(2, 4, 5)).grad_fn
      // <UnsafeViewBackward0>
      // >>> (torch.ones(2, 3, 4, requires_grad=True) @ torch.arange(4.)).grad_fn
      // <UnsafeViewBackward0>
      // >>> (torch.ones(3, requires_grad=True) @ torch.ones(2, 3, 4)).grad_fn
      // <UnsafeViewBackward0>
      expect(torch.ones(2, 3, 4, { requiresGrad: true }).matmul(torch.ones(2, 4, 5)).gradFn!.name()).toBe("UnsafeViewBackward0");
      expect(torch.ones(2, 3, 4, { requiresGrad: true }).matmul(torch.ones(4)).gradFn!.name()).toBe("UnsafeViewBackward0");
      expect(torch.ones(3, { requiresGrad: true }).matmul(torch.ones(2, 3, 4)).gradFn!.name()).toBe("UnsafeViewBackward0");
    });

    test("O24 matmul size-mismatch errors with a 1-D operand use PyTorch's text", () => {
      // >>> torch.ones(3, 4) @ torch.ones(5)
      // RuntimeError: size mismatch, got 3, 3x4,5
      // >>> torch.ones(2, 3, 4) @ torch.ones(5)
      // RuntimeError: size mismatch, got 6, 6x4,5
      // >>> torch.ones(5) @ torch.ones(2, 3, 4)
      // RuntimeError: size mismatch, got 8, 8x3,5
      expect(() => torch.ones(3, 4).matmul(torch.ones(5))).toThrow("size mismatch, got 3, 3x4,5");
      expect(() => torch.ones(2, 3, 4).matmul(torch.ones(5))).toThrow("size mismatch, got 6, 6x4,5");
      expect(() => torch.ones(5).matmul(torch.ones(2, 3, 4))).toThrow("size mismatch, got 8, 8x3,5");
    });

    // ---- signed zeros ----------------------------------------------------------------------

    test("O25 relu(-0.) and tanh(-0.) keep the sign of zero (printed as -0.)", () => {
      // >>> torch.tensor([-0., 1.]).relu()
      // tensor([-0., 1.])
      // >>> torch.tensor([-0.] * 9).relu()
      // tensor([-0., -0., -0., -0., -0., -0., -0., -0., -0.])
      // >>> torch.tensor([-0.] * 8).tanh().tolist()
      // [-0.0, -0.0, -0.0, -0.0, -0.0, -0.0, -0.0, -0.0]
      // (today: js gives +0 for relu; wasm gives -0 in its SIMD body but +0 in the scalar
      //  tail, and +0 for tanh in the SIMD body)
      expect(String(torch.tensor([-0, 1]).relu())).toBe("tensor([-0., 1.])");
      expect(vals(torch.tensor(new Array(9).fill(-0)).relu()).every((v) => Object.is(v, -0))).toBe(true);
      expect(vals(torch.tensor(new Array(8).fill(-0)).tanh()).every((v) => Object.is(v, -0))).toBe(true);
    });

    // ---- lesser differences --------------------------------------------------------------

    test("O26 clamp with a NaN bound leaves the input as is", () => {
      // >>> torch.tensor([0., 2.]).clamp(float('nan'))
      // tensor([0., 2.])
      // >>> torch.tensor([0., 2.]).clamp(max=float('nan'))
      // tensor([0., 2.])
      expect(vals(torch.tensor([0, 2]).clamp(NaN))).toEqual([0, 2]);
      expect(vals(torch.tensor([0, 2]).clamp(undefined, NaN))).toEqual([0, 2]);
    });

    test("O27 matmul does not promote mixed dtypes", () => {
      // >>> torch.ones(2, 2) @ torch.ones(2, 2, dtype=torch.float64)
      // RuntimeError: expected scalar type Float but found Double
      // >>> torch.ones(2, 2, dtype=torch.int32) @ torch.ones(2, 2)
      // RuntimeError: expected scalar type Int but found Float
      expect(() => torch.ones(2, 2).matmul(torch.ones(2, 2, f64))).toThrow("expected scalar type Float but found Double");
      expect(() => torch.ones(2, 2, i32).matmul(torch.ones(2, 2))).toThrow("expected scalar type Int but found Float");
    });

    test("O28 norm of an integer tensor throws Tensor.norm's error text", () => {
      // >>> torch.tensor([1, 2], dtype=torch.int32).norm()
      // RuntimeError: norm(): input dtype should be either floating point or complex. Got Int instead.
      expect(() => torch.tensor([1, 2], i32).norm()).toThrow("norm(): input dtype should be either floating point or complex. Got Int instead.");
    });

    test("O29 float32 linspace is computed in float32 (bit-exact values)", () => {
      // >>> torch.linspace(0.1, 0.7, 7)[1].item(), torch.linspace(0.1, 0.7, 7)[2].item()
      // (0.19999998807907104, 0.29999998211860657)
      // >>> torch.linspace(-1.3, 2.9, 11)[6].item()
      // 1.220000147819519         (float.hex: 0x1.3851ee0000000p+0; wasmgrad: 0x1.3851ec...)
      const v = vals(torch.linspace(0.1, 0.7, 7));
      expect(v[1]).toBe(0.19999998807907104);
      expect(v[2]).toBe(0.29999998211860657);
      expect(vals(torch.linspace(-1.3, 2.9, 11))[6]).toBe(1.220000147819519);
    });

    test("O30 rand/randn with a non-float dtype throw PyTorch's errors", () => {
      // >>> torch.rand(2, dtype=torch.int32)
      // RuntimeError: "check_uniform_bounds" not implemented for 'Int'
      // >>> torch.randn(2, dtype=torch.int32)
      // RuntimeError: "normal_kernel_cpu" not implemented for 'Int'
      // >>> torch.randn(2, dtype=torch.bool)
      // RuntimeError: "normal_kernel_cpu" not implemented for 'Bool'
      expect(() => torch.rand(2, i32)).toThrow(`"check_uniform_bounds" not implemented for 'Int'`);
      expect(() => torch.randn(2, i32)).toThrow(`"normal_kernel_cpu" not implemented for 'Int'`);
      expect(() => torch.randn(2, { dtype: "bool" })).toThrow(`"normal_kernel_cpu" not implemented for 'Bool'`);
    });

    test("O31 arange to nan / inf throws 'unsupported range' (js backend returns a shape-[NaN] tensor)", () => {
      // >>> torch.arange(0, float('nan'))
      // RuntimeError: unsupported range: 0 -> nan
      // >>> torch.arange(0, float('inf'))
      // RuntimeError: unsupported range: 0 -> inf
      expect(() => torch.arange(0, NaN)).toThrow("unsupported range: 0 -> nan");
      expect(() => torch.arange(0, Infinity)).toThrow("unsupported range: 0 -> inf");
    });

    test("O32 reshape of an empty tensor with -1 throws PyTorch's ambiguity error", () => {
      // >>> torch.zeros(2, 0, 3).reshape(0, -1)
      // RuntimeError: cannot reshape tensor of 0 elements into shape [0, -1] because the unspecified dimension size -1 can be any value and is ambiguous
      expect(() => torch.zeros(2, 0, 3).reshape(0, -1)).toThrow(
        "cannot reshape tensor of 0 elements into shape [0, -1] because the unspecified dimension size -1 can be any value and is ambiguous",
      );
    });

    test("O33 a fractional alpha with integer tensors throws", () => {
      // >>> torch.ones(2, dtype=torch.int32).add(torch.ones(2, dtype=torch.int32), alpha=0.5)
      // RuntimeError: For integral input tensors, argument alpha must not be a floating point number.
      expect(() => torch.ones(2, i32).add(torch.ones(2, i32), { alpha: 0.5 })).toThrow(
        "For integral input tensors, argument alpha must not be a floating point number.",
      );
    });

    test("O34 a repeated dim in a reduction of a 0-d tensor throws", () => {
      // >>> torch.tensor(3.).sum([0, -1])
      // RuntimeError: dim 0 appears multiple times in the list of dims
      expect(() => torch.tensor(3).sum([0, -1])).toThrow("dim 0 appears multiple times in the list of dims");
      expect(() => torch.tensor(3).sum([0, 0])).toThrow("dim 0 appears multiple times in the list of dims");
    });

    test("O35 torch.tensor accepts a list of 0-d tensors", () => {
      // >>> torch.tensor([torch.tensor(1.), torch.tensor(2.)])
      // tensor([1., 2.])
      expect(vals(torch.tensor([torch.tensor(1), torch.tensor(2)]))).toEqual([1, 2]);
    });
  });
}
