/** torch.autograd.Function, gradcheck/gradgradcheck, autograd.functional and torch.viz, on both backends. */
import { afterEach, describe, expect, test, vi } from "vitest";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";

const f64 = (data: unknown, requiresGrad = false) => torch.tensor(data, { dtype: "float64", requiresGrad });
const list = (t: Tensor | null | undefined) => Array.from(t!.toArray());
const close = (t: Tensor | null | undefined, want: number[], tol = 1e-6) => {
  const got = list(t);
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i]!), `element ${i}: got ${v}, want ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]!))));
};

// ---- custom functions used below ----------------------------------------------------------------

class Exp extends torch.autograd.Function {
  static forward(ctx: any, x: Tensor) { const r = x.exp(); ctx.saveForBackward(r); return r; }
  static backward(ctx: any, g: Tensor) { const [r] = ctx.savedTensors; return g.mul(r!); }
}

/** a * b * k with a number k: gradient only for `a`, null for `b` and for the number. */
class ScaledMul extends torch.autograd.Function {
  static forward(ctx: any, a: Tensor, b: Tensor, k: number) {
    ctx.k = k;
    ctx.seenInForward = ctx.needsInputGrad.slice();
    ctx.saveForBackward(a, b);
    return a.mul(b).mul(k);
  }
  static backward(ctx: any, g: Tensor) {
    const [, b] = ctx.savedTensors;
    ctx.seenInBackward = ctx.needsInputGrad.slice();
    return [ctx.needsInputGrad[0] ? g.mul(b!).mul(ctx.k) : null, null, null];
  }
}

/** Two differentiable outputs. */
class SinCos extends torch.autograd.Function {
  static forward(ctx: any, x: Tensor) { ctx.saveForBackward(x); return [x.sin(), x.cos()]; }
  static backward(ctx: any, gs: Tensor, gc: Tensor) {
    const [x] = ctx.savedTensors;
    return gs.mul(x!.cos()).sub(gc.mul(x!.sin()));
  }
}

/** Sorted values (differentiable) and their positions (marked non-differentiable). */
class MaxWithIndex extends torch.autograd.Function {
  static forward(ctx: any, x: Tensor) {
    const { values, indices } = x.max(0, true);
    const idx = indices.double();
    ctx.markNonDifferentiable(idx);
    ctx.saveForBackward(idx);
    ctx.shape = x.shape;
    return [values, idx];
  }
  static backward(ctx: any, g: Tensor, gIdx: Tensor) {
    const [idx] = ctx.savedTensors;
    ctx.gIdxZero = gIdx.abs().sum().item() === 0;
    const n = ctx.shape[0] as number;
    const onehot = torch.arange(n, { dtype: "float64" }).unsqueeze(1).eq(idx!).double();
    return onehot.mul(g);
  }
}

for (const backend of ["wasm", "js"] as const) {
  describe(`autograd extras [${backend}]`, () => {
    const setup = () => { torch.setBackend(backend); torch.setGradEnabled(true); torch.manualSeed(0); };
    afterEach(() => { vi.restoreAllMocks(); });

    // ---- Function ------------------------------------------------------------------------------

    test("Function: the API.md Exp example (name, value, gradient)", () => {
      setup();
      const x = torch.tensor([0, 1, 2], { requiresGrad: true });
      const y = Exp.apply(x);
      expect(y.gradFn!.name()).toBe("ExpBackward");
      expect(String(y.gradFn)).toBe("<ExpBackward object>");
      expect(y.requiresGrad).toBe(true);
      expect(y.isLeaf).toBe(false);
      close(y, [1, Math.E, Math.exp(2)], 1e-6);
      expect(y.gradFn!.nextFunctions.length).toBe(1);
      expect(y.gradFn!.nextFunctions[0]![0]!.name()).toBe("AccumulateGrad");
      y.mul(2).sum().backward();
      close(x.grad, [2, 2 * Math.E, 2 * Math.exp(2)], 1e-6);
    });

    test("Function: two tensor inputs, a number, a null gradient and needsInputGrad", () => {
      setup();
      const a = f64([1, 2, 3], true);
      const b = f64([4, 5, 6]);
      const y = ScaledMul.apply(a, b, 0.5);
      expect(y.gradFn!.name()).toBe("ScaledMulBackward");
      // edges only for the tensor arguments; b does not require grad
      expect(y.gradFn!.nextFunctions.map(([n]) => (n === null ? null : n.name()))).toEqual(["AccumulateGrad", null]);
      close(y, [2, 5, 9]);
      y.sum().backward();
      close(a.grad, [2, 2.5, 3]);
      expect(b.grad).toBe(null);

      // both require grad: b still gets no gradient (backward returned null for it)
      const b2 = f64([4, 5, 6], true);
      const z = ScaledMul.apply(a, b2, 2);
      z.sum().backward();
      expect(b2.grad).toBe(null);
      close(a.grad, [2 + 8, 2.5 + 10, 3 + 12]);
    });

    test("Function: ctx.needsInputGrad in forward and backward, ctx user properties", () => {
      setup();
      let ctxSeen: any = null;
      class Probe extends torch.autograd.Function {
        static forward(ctx: any, a: Tensor, b: Tensor, tag: string) { ctxSeen = ctx; ctx.tag = tag; return a.add(b); }
        static backward(ctx: any, g: Tensor) { ctx.backwardTag = ctx.tag + "!"; return [g, g, null]; }
      }
      const a = torch.tensor([1, 2], { requiresGrad: true });
      const b = torch.tensor([3, 4]);
      Probe.apply(a, b, "hello").sum().backward();
      expect(ctxSeen.needsInputGrad).toEqual([true, false, false]);
      expect(ctxSeen.backwardTag).toBe("hello!");

      const c = f64([1, 2], true), d = f64([3, 4], true);
      const s = ScaledMul.apply(c, d, 1);
      s.sum().backward();
      // ScaledMul records what it saw
      expect((s.gradFn as any).attrs.ctx.seenInForward).toEqual([true, true, false]);
      expect((s.gradFn as any).attrs.ctx.seenInBackward).toEqual([true, true, false]);
    });

    test("Function: no node without grad mode or without an input that requires grad", () => {
      setup();
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const y = torch.noGrad(() => Exp.apply(x));
      expect(y.gradFn).toBe(null);
      expect(y.requiresGrad).toBe(false);
      const z = Exp.apply(torch.tensor([1, 2]));
      expect(z.gradFn).toBe(null);
      close(z, [Math.E, Math.exp(2)], 1e-6);
    });

    test("Function: markNonDifferentiable outputs get no gradFn; backward gets zeros for them", () => {
      setup();
      const x = f64([[1, 5], [3, 2], [2, 7]], true);
      const [values, idx] = MaxWithIndex.apply(x) as Tensor[];
      expect(values!.gradFn!.name()).toBe("MaxWithIndexBackward");
      expect(idx!.requiresGrad).toBe(false);
      expect(idx!.gradFn).toBe(null);
      expect(list(idx)).toEqual([1, 2]);
      values!.sum().backward();
      expect(list(x.grad)).toEqual([0, 0, 1, 0, 0, 1]);
      expect((values!.gradFn as any).attrs.ctx.gIdxZero).toBe(true);
    });

    test("Function: several differentiable outputs", () => {
      setup();
      const x = f64([0.5, -1, 2], true);
      const [s, c] = SinCos.apply(x) as Tensor[];
      expect(s!.gradFn!.name()).toBe("SinCosBackward");
      expect(c!.gradFn!.name()).toBe("SinCosBackward");
      close(s, [Math.sin(0.5), Math.sin(-1), Math.sin(2)]);
      s!.add(c!.mul(2)).sum().backward();
      close(x.grad, [0.5, -1, 2].map((v) => Math.cos(v) - 2 * Math.sin(v)));
      // only one output used: the other's gradient is zeros
      x.grad = null;
      const [s2] = SinCos.apply(x) as Tensor[];
      s2!.sum().backward();
      close(x.grad, [0.5, -1, 2].map((v) => Math.cos(v)));
      // first and second derivatives through both outputs
      const x2 = torch.randn([4], { dtype: "float64", requiresGrad: true });
      expect(torch.autograd.gradcheck((a: Tensor) => SinCos.apply(a) as Tensor[], x2)).toBe(true);
      expect(torch.autograd.gradgradcheck((a: Tensor) => SinCos.apply(a) as Tensor[], x2)).toBe(true);
    });

    test("Function: an input returned as-is comes back as a new tensor with the node", () => {
      setup();
      class Id extends torch.autograd.Function {
        static forward(_ctx: any, x: Tensor) { return x; }
        static backward(_ctx: any, g: Tensor) { return g.mul(3); }
      }
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const y = Id.apply(x);
      expect(y).not.toBe(x);
      expect(x.isLeaf).toBe(true);
      expect(x.gradFn).toBe(null);
      expect(y.gradFn!.name()).toBe("IdBackward");
      expect(list(y)).toEqual([1, 2]);
      y.sum().backward();
      expect(list(x.grad)).toEqual([3, 3]);
    });

    test("Function: second backward through released saved tensors throws; the version check applies", () => {
      setup();
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const y = Exp.apply(x);
      y.sum().backward();
      expect(() => y.sum().backward()).toThrow(/Trying to backward through the graph a second time/);

      const z = Exp.apply(x);
      z.sum().backward(undefined, { retainGraph: true });
      z.sum().backward(); // retained: fine
      close(x.grad, [3 * Math.E, 3 * Math.exp(2)], 1e-5);

      class SaveInput extends torch.autograd.Function {
        static forward(ctx: any, a: Tensor) { ctx.saveForBackward(a); return a.mul(2); }
        static backward(ctx: any, g: Tensor) { const [a] = ctx.savedTensors; return g.mul(a!).mul(0).add(g.mul(2)); }
      }
      const leaf = torch.tensor([1, 2], { requiresGrad: true });
      const a = leaf.mul(1);
      const out = SaveInput.apply(a);
      a.add_(1);
      expect(() => out.sum().backward()).toThrow(/modified by an inplace operation/);
    });

    test("Function: wrong-shaped, broadcastable and miscounted gradients", () => {
      setup();
      {
        class Exp extends torch.autograd.Function {
          static forward(_ctx: any, x: Tensor) { return x.exp(); }
          static backward(_ctx: any, _g: Tensor) { return torch.ones([3]); }
        }
        const x = torch.ones([2, 2], { requiresGrad: true });
        expect(() => Exp.apply(x).sum().backward()).toThrow(
          "Function ExpBackward returned an invalid gradient at index 0 - got [3] but expected shape compatible with [2, 2]",
        );
      }
      class Broadcast extends torch.autograd.Function {
        static forward(_ctx: any, x: Tensor) { return x.mul(1); }
        static backward(_ctx: any, g: Tensor) { return g.unsqueeze(0).expand(3, 2); }
      }
      const x = torch.tensor([1, 2], { requiresGrad: true });
      Broadcast.apply(x).sum().backward();
      expect(list(x.grad)).toEqual([3, 3]);

      class TooFew extends torch.autograd.Function {
        static forward(_ctx: any, a: Tensor, b: Tensor) { return a.add(b); }
        static backward(_ctx: any, g: Tensor) { return g; }
      }
      expect(() => TooFew.apply(x, x).sum().backward()).toThrow(
        "function TooFewBackward returned an incorrect number of gradients (expected 2, got 1)",
      );
      class GradForNumber extends torch.autograd.Function {
        static forward(_ctx: any, a: Tensor, _k: number) { return a.mul(2); }
        static backward(_ctx: any, g: Tensor) { return [g, g]; }
      }
      expect(() => GradForNumber.apply(x, 3).sum().backward()).toThrow(/returned a gradient different than None at position 2/);
      class Extra extends torch.autograd.Function {
        static forward(_ctx: any, a: Tensor) { return a.mul(2); }
        static backward(_ctx: any, g: Tensor) { return [g.mul(2), null, null]; }
      }
      x.grad = null;
      Extra.apply(x).sum().backward();
      expect(list(x.grad)).toEqual([2, 2]);
    });

    test("Function: missing forward or backward", () => {
      setup();
      class NoForward extends torch.autograd.Function {}
      expect(() => (NoForward as any).apply(torch.ones([2]))).toThrow("You must implement the forward function for custom autograd.Function.");
      class NoBackward extends torch.autograd.Function {
        static forward(_ctx: any, x: Tensor) { return x.mul(2); }
      }
      const y = NoBackward.apply(torch.ones([2], { requiresGrad: true }));
      expect(y.gradFn!.name()).toBe("NoBackwardBackward");
      expect(() => y.sum().backward()).toThrow(/You must implement either the backward or vjp method/);
    });

    test("Function: createGraph gives higher-order gradients through a custom backward", () => {
      setup();
      const x = f64([0.5, 1.5], true);
      const y = Exp.apply(x).sum();
      const [g] = torch.autograd.grad(y, x, { createGraph: true });
      close(g, [Math.exp(0.5), Math.exp(1.5)]);
      const [gg] = torch.autograd.grad(g!.sum(), x);
      close(gg, [Math.exp(0.5), Math.exp(1.5)]);
    });

    // ---- gradcheck -------------------------------------------------------------------------------

    test("gradcheck: true on several ops (float64)", () => {
      setup();
      const r = (...s: number[]) => torch.randn(s, { dtype: "float64", requiresGrad: true });
      const { gradcheck } = torch.autograd;
      expect(gradcheck((a: Tensor) => a.sin().mul(a), r(5))).toBe(true);
      expect(gradcheck((a: Tensor, b: Tensor) => a.matmul(b), [r(2, 3), r(3, 4)])).toBe(true);
      expect(gradcheck((a: Tensor) => a.softmax(1), [r(3, 4)])).toBe(true);
      expect(gradcheck((a: Tensor, b: Tensor) => a.mul(b).sum(1), [r(2, 3), r(3)])).toBe(true);
      expect(gradcheck((a: Tensor) => a.tanh().logsumexp(0), [r(4, 2)])).toBe(true);
      expect(gradcheck((a: Tensor) => Exp.apply(a), [r(2, 2)])).toBe(true);
      // several outputs, a non-tensor argument, an input that does not require grad
      expect(gradcheck((a: Tensor, k: number, b: Tensor) => [a.mul(k), a.mul(b).exp()], [r(3), 2.5, torch.randn([3], { dtype: "float64" })])).toBe(true);
      // a non-contiguous input (transposed)
      const t = torch.randn([3, 2], { dtype: "float64" }).t().requiresGrad_(true);
      expect(gradcheck((a: Tensor) => a.pow(2).sum(0), [t])).toBe(true);
    });

    test("gradcheck: a wrong custom backward throws PyTorch's message, or returns false", () => {
      setup();
      class BadExp extends torch.autograd.Function {
        static forward(ctx: any, x: Tensor) { const r = x.exp(); ctx.saveForBackward(r); return r; }
        static backward(ctx: any, g: Tensor) { const [r] = ctx.savedTensors; return g.mul(r!).mul(2); }
      }
      const x = f64([0.1, 0.2], true);
      expect(torch.autograd.gradcheck((a: Tensor) => BadExp.apply(a), x, { raiseException: false })).toBe(false);
      let msg = "";
      try { torch.autograd.gradcheck((a: Tensor) => BadExp.apply(a), [x]); } catch (e) { msg = (e as Error).message; }
      expect(msg.startsWith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor([[")).toBe(true);
      expect(msg).toContain("\nanalytical:tensor([[");
      expect(msg).toContain("dtype=torch.float64)");
      // the analytical Jacobian is twice the numerical one
      expect(msg).toContain("2.2103");
      // a second input is named by its position among the inputs that require grad
      let msg2 = "";
      try {
        torch.autograd.gradcheck((c: Tensor, a: Tensor) => c.add(BadExp.apply(a)), [f64([1, 2], true), x]);
      } catch (e) { msg2 = (e as Error).message; }
      expect(msg2.startsWith("Jacobian mismatch for output 0 with respect to input 1,")).toBe(true);
    });

    test("gradcheck: input checks (float32 warning, none requiring grad, stride 0)", () => {
      setup();
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const x32 = torch.tensor([0.5, 1], { requiresGrad: true });
      torch.autograd.gradcheck((a: Tensor) => a.mul(3), x32, { eps: 1e-2, atol: 1e-2, rtol: 1e-2 });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("Input #0 requires gradient and is not a double precision floating point"));
      expect(() => torch.autograd.gradcheck((a: Tensor) => a.mul(3), f64([1, 2]))).toThrow(
        "gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.",
      );
      const e = f64([1], true).expand(3);
      expect(() => torch.autograd.gradcheck((a: Tensor) => a.mul(3), e)).toThrow(/has a dimension with stride 0/);
    });

    test("gradcheck: no differentiable outputs must have a zero numerical gradient", () => {
      setup();
      const x = f64([1, 2], true);
      expect(torch.autograd.gradcheck((a: Tensor) => a.detach().mul(0), x)).toBe(true);
      expect(() => torch.autograd.gradcheck((a: Tensor) => a.detach().mul(2), x)).toThrow("Numerical gradient for function expected to be zero");
    });

    test("gradcheck: leaves no tensors or storage behind and does not touch inputs", () => {
      setup();
      const a = torch.randn([6, 5], { dtype: "float64", requiresGrad: true });
      const b = torch.randn([5, 4], { dtype: "float64", requiresGrad: true });
      const before = Array.from(a.toArray());
      const m0 = torch.memory();
      expect(torch.autograd.gradcheck((p: Tensor, q: Tensor) => p.matmul(q).tanh().mul(p.sum()), [a, b])).toBe(true);
      expect(torch.autograd.gradgradcheck((p: Tensor, q: Tensor) => p.matmul(q).sin(), [a, b], [torch.randn([6, 4], { dtype: "float64" })])).toBe(true);
      const m1 = torch.memory();
      expect(m1.tensors).toBe(m0.tensors + 1); // the gradOutputs tensor made above
      expect(m1.bytesInUse).toBe(m0.bytesInUse + 6 * 4 * 8);
      expect(Array.from(a.toArray())).toEqual(before);
      expect(a.grad).toBe(null);
      expect(a.gradFn).toBe(null);
    });

    test("gradgradcheck: tanh, sin·x, and a custom backward that is not differentiable", () => {
      setup();
      const x = torch.randn([4], { dtype: "float64", requiresGrad: true });
      expect(torch.autograd.gradgradcheck((a: Tensor) => a.tanh(), x)).toBe(true);
      expect(torch.autograd.gradgradcheck((a: Tensor) => a.sin().mul(a), [x])).toBe(true);
      expect(torch.autograd.gradgradcheck((a: Tensor, b: Tensor) => a.matmul(b).sigmoid(), [
        torch.randn([2, 3], { dtype: "float64", requiresGrad: true }), torch.randn([3, 2], { dtype: "float64", requiresGrad: true }),
      ])).toBe(true);
      expect(torch.autograd.gradgradcheck((a: Tensor) => Exp.apply(a), x)).toBe(true);
      class DetachedExp extends torch.autograd.Function {
        static forward(ctx: any, a: Tensor) { const r = a.exp(); ctx.saveForBackward(r); return r; }
        static backward(ctx: any, g: Tensor) { const [r] = ctx.savedTensors; return g.mul(r!.detach()); }
      }
      expect(torch.autograd.gradcheck((a: Tensor) => DetachedExp.apply(a), x)).toBe(true);
      expect(torch.autograd.gradgradcheck((a: Tensor) => DetachedExp.apply(a), x, { raiseException: false })).toBe(false);
      expect(() => torch.autograd.gradgradcheck((a: Tensor) => DetachedExp.apply(a), x)).toThrow(/^Jacobian mismatch for output 0 with respect to input 0,/);
    });

    // ---- functional ------------------------------------------------------------------------------

    test("functional.jacobian: shapes and values", () => {
      setup();
      const { jacobian } = torch.autograd.functional;
      const A = f64([[1, 2, 3], [4, 5, 6]]);
      const x = f64([1, -1, 2]);
      const J = jacobian((v: Tensor) => A.matmul(v), x);
      expect(J.shape).toEqual([2, 3]);
      expect(list(J)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(J.requiresGrad).toBe(false);
      expect(x.requiresGrad).toBe(false);

      // output.shape ++ input.shape
      const X = f64([[1, 2], [3, 4]]);
      const J2 = jacobian((m: Tensor) => m.pow(2).sum(1), X);
      expect(J2.shape).toEqual([2, 2, 2]);
      expect(list(J2)).toEqual([2, 4, 0, 0, 0, 0, 6, 8]);

      // two inputs: an array, one entry per input
      const a = f64([1, 2]), b = f64([3, 4]);
      const [Ja, Jb] = jacobian((p: Tensor, q: Tensor) => p.mul(q), [a, b]);
      expect(list(Ja)).toEqual([3, 0, 0, 4]);
      expect(list(Jb)).toEqual([1, 0, 0, 2]);
      // tuple outputs and tuple inputs: [output][input]; an unused input gets zeros
      const nested = jacobian((p: Tensor, q: Tensor) => [p.sum(), p.mul(2)], [a, b]);
      expect(nested.length).toBe(2);
      expect(list(nested[0]![0])).toEqual([1, 1]);
      expect(list(nested[0]![1])).toEqual([0, 0]);
      expect(nested[1]![0]!.shape).toEqual([2, 2]);
      expect(list(nested[1]![0])).toEqual([2, 0, 0, 2]);
      // one input, tuple outputs
      const perOut = jacobian((p: Tensor) => [p.sum(), p.exp()], a);
      expect(perOut.length).toBe(2);
      expect(list(perOut[0])).toEqual([1, 1]);
      close(perOut[1], [Math.E, 0, 0, Math.exp(2)]);
      // strict: an independent input throws
      expect(() => jacobian((p: Tensor, _q: Tensor) => p.mul(2), [a, b], { strict: true })).toThrow(
        "Output 0 of the user-provided function is independent of input 1. This is not allowed in strict mode.",
      );
    });

    test("functional.hessian: one and two inputs vs hand-computed matrices", () => {
      setup();
      const { hessian } = torch.autograd.functional;
      const x = f64([1, -2, 0.5]);
      const H = hessian((v: Tensor) => v.pow(3).sum(), x);
      expect(H.shape).toEqual([3, 3]);
      close(H, [6, 0, 0, 0, -12, 0, 0, 0, 3]);
      // f(x, y) = sum(x^2 * y): d2/dx2 = diag(2y), d2/dxdy = diag(2x), d2/dy2 = 0
      const a = f64([1, 2]), b = f64([3, -1]);
      const HH = hessian((p: Tensor, q: Tensor) => p.pow(2).mul(q).sum(), [a, b]);
      expect(HH.length).toBe(2);
      close(HH[0]![0], [6, 0, 0, -2]);
      close(HH[0]![1], [2, 0, 0, 4]);
      close(HH[1]![0], [2, 0, 0, 4]);
      close(HH[1]![1], [0, 0, 0, 0]);
      // a quadratic form: H = A + A^T
      const A = f64([[1, 2], [3, 4]]);
      close(hessian((v: Tensor) => v.matmul(A.matmul(v)), f64([0.3, -0.7])), [2, 5, 5, 8]);
      expect(() => hessian((v: Tensor) => v.mul(2), x)).toThrow("The Tensor returned by the function given to hessian should contain a single element");
    });

    test("functional.vjp and jvp", () => {
      setup();
      const { vjp, jvp } = torch.autograd.functional;
      const A = f64([[1, 2, 3], [4, 5, 6]]);
      const x = f64([1, 0, -1]);
      const [out, vj] = vjp((v: Tensor) => A.matmul(v), x, f64([1, 2]));
      expect(list(out as Tensor)).toEqual([-2, -2]);
      expect(list(vj as Tensor)).toEqual([9, 12, 15]);
      expect((out as Tensor).requiresGrad).toBe(false);
      expect((vj as Tensor).requiresGrad).toBe(false);
      const [out2, jv] = jvp((v: Tensor) => A.matmul(v), x, f64([1, 1, 1]));
      expect(list(out2 as Tensor)).toEqual([-2, -2]);
      expect(list(jv as Tensor)).toEqual([6, 15]);

      // elementwise: both are 2x * v
      const y = f64([1, 2, 3]);
      const v = f64([0.5, -1, 2]);
      expect(list(vjp((t: Tensor) => t.pow(2), y, v)[1] as Tensor)).toEqual([1, -4, 12]);
      expect(list(jvp((t: Tensor) => t.pow(2), y, v)[1] as Tensor)).toEqual([1, -4, 12]);
      // v may be omitted for a scalar output (vjp) / a one-element input (jvp)
      expect(list(vjp((t: Tensor) => t.pow(2).sum(), y)[1] as Tensor)).toEqual([2, 4, 6]);
      close(jvp((t: Tensor) => t.exp(), f64([0.5]))[1] as Tensor, [Math.exp(0.5)]);
      // tuples
      const [outs, vjs] = vjp((p: Tensor, q: Tensor) => [p.mul(q), p.add(q)], [f64([1, 2]), f64([3, 4])], [f64([1, 1]), f64([2, 0])]);
      expect((outs as Tensor[]).map(list)).toEqual([[3, 8], [4, 6]]);
      expect((vjs as Tensor[]).map(list)).toEqual([[5, 4], [3, 2]]);
      const [, jvs] = jvp((p: Tensor, q: Tensor) => [p.mul(q), p.add(q)], [f64([1, 2]), f64([3, 4])], [f64([1, 0]), f64([0, 1])]);
      expect((jvs as Tensor[]).map(list)).toEqual([[3, 2], [1, 1]]);
      expect(() => vjp((t: Tensor) => t.mul(2), y, f64([1, 2]))).toThrow("v has invalid size: should be torch.Size([3]) but got torch.Size([2]).");
      expect(() => vjp((t: Tensor) => t.mul(2), y)).toThrow(/The vector v can only be None/);
    });

    test("functional: createGraph keeps results differentiable; inputs untouched otherwise", () => {
      setup();
      const { vjp, jacobian } = torch.autograd.functional;
      const x = f64([1, 2], true);
      const [, g] = vjp((t: Tensor) => t.pow(3).sum(), x, undefined, { createGraph: true });
      expect((g as Tensor).requiresGrad).toBe(true);
      (g as Tensor).sum().backward();
      close(x.grad, [6, 12]); // d/dx sum(3x^2) = 6x
      const J = jacobian((t: Tensor) => t.pow(2), x);
      expect(J.requiresGrad).toBe(false);
      expect(x.isLeaf).toBe(true);
      const m0 = torch.memory();
      const J2 = jacobian((t: Tensor) => t.matmul(t.t()).sin(), torch.randn([3, 2], { dtype: "float64" }));
      expect(J2.shape).toEqual([3, 3, 3, 2]);
      J2.dispose();
      const m1 = torch.memory();
      expect(m1.bytesInUse).toBe(m0.bytesInUse + 3 * 2 * 8); // only the randn input remains
    });

    test("functional: works under noGrad; jvp with createGraph", () => {
      setup();
      const { jacobian, jvp } = torch.autograd.functional;
      const J = torch.noGrad(() => jacobian((t: Tensor) => t.mul(t), f64([1, 3])));
      expect(list(J)).toEqual([2, 0, 0, 6]);
      expect(torch.isGradEnabled()).toBe(true);
      const x = f64([1, 2], true);
      const [, jv] = jvp((t: Tensor) => t.pow(3), x, f64([1, 1]), { createGraph: true });
      close(jv as Tensor, [3, 12]);
      expect((jv as Tensor).requiresGrad).toBe(true);
      (jv as Tensor).sum().backward();
      close(x.grad, [6, 12]); // d/dx 3x^2
    });

    // ---- viz ---------------------------------------------------------------------------------------

    test("viz.toDot: structure, names, shapes, saved tensors, params, escaping", () => {
      setup();
      const w = torch.ones([2, 2], { requiresGrad: true });
      const b = torch.zeros([2], { requiresGrad: true });
      const x = torch.tensor([[1, 2], [3, 4]]);
      const y = x.matmul(w).add(b).tanh().mean();
      const dot = torch.viz.toDot(y);
      expect(dot.startsWith("digraph {\n")).toBe(true);
      expect(dot.trimEnd().endsWith("}")).toBe(true);
      for (const name of ["MeanBackward0", "TanhBackward0", "AddBackward0", "MmBackward0"]) expect(dot).toContain(`[label="${name}"]`);
      // each leaf: its box -> its AccumulateGrad node -> the consumer (torchviz's make_dot)
      expect(dot.match(/\[label="AccumulateGrad"\]/g)!.length).toBe(2);
      expect(dot).toContain('[label="\\n (2, 2)" fillcolor=lightblue]');
      expect(dot).toContain('[label="\\n (2)" fillcolor=lightblue]');
      const idOf = (label: string) => new RegExp(`^\\t(n\\d+) \\[label="${label}"`, "m").exec(dot)![1]!;
      const accs = [...dot.matchAll(/^\t(n\d+) \[label="AccumulateGrad"\]/gm)].map((m) => m[1]!);
      for (const leaf of [idOf("\\\\n \\(2, 2\\)"), idOf("\\\\n \\(2\\)")]) {
        const acc = new RegExp(`^\\t${leaf} -> (n\\d+)$`, "m").exec(dot)![1]!;
        expect(accs).toContain(acc);
      }
      expect(dot).toMatch(new RegExp(`^\\t(${accs.join("|")}) -> ${idOf("MmBackward0")}$`, "m"));
      expect(dot).toMatch(new RegExp(`^\\t(${accs.join("|")}) -> ${idOf("AddBackward0")}$`, "m"));
      expect(dot).toContain('n0 [label="\\n ()" fillcolor=darkolivegreen1]');
      expect(dot).toMatch(/\[label="saved(\[\d\])?\\n \(2, 2\)" fillcolor=orange\]/);
      expect(dot).toContain("[dir=none]");
      // one node statement per id, and every edge between declared ids
      const decl = [...dot.matchAll(/^\t(n\d+) \[label=/gm)].map((m) => m[1]);
      expect(new Set(decl).size).toBe(decl.length);
      for (const m of dot.matchAll(/^\t(n\d+) -> (n\d+)/gm)) {
        expect(decl).toContain(m[1]);
        expect(decl).toContain(m[2]);
      }
      expect(torch.viz.toDot(y)).toBe(dot); // deterministic

      // after backward the saved tensors are gone and are not shown
      y.backward();
      const after = torch.viz.toDot(y);
      expect(after).not.toContain("orange");
      expect(after).toContain('[label="MeanBackward0"]');

      // parameter names, escaped
      const named = torch.viz.toDot(x.matmul(w).sum(), { params: { 'w"\\1': w } });
      expect(named).toContain('[label="w\\"\\\\1\\n (2, 2)" fillcolor=lightblue]');
      const named2 = torch.viz.toDot(x.matmul(w).sum(), { params: [["weight", w]], showSaved: false });
      expect(named2).toContain('[label="weight\\n (2, 2)" fillcolor=lightblue]');
      expect(named2).not.toContain("orange");

      // a custom Function node, and several outputs at once
      const z = Exp.apply(b);
      const multi = torch.viz.toDot([z, y]);
      expect(multi).toContain('[label="ExpBackward"]');
    });

    test("viz.toDot: a view is tied to its base with a dotted edge; a root leaf is one box", () => {
      setup();
      const w = torch.ones([2, 3], { requiresGrad: true });
      const v = w.view(6);
      const dot = torch.viz.toDot([v, w]);
      expect(dot).toContain('[label="ViewBackward0"]');
      expect(dot).toContain("[style=dotted]");
      expect(dot.match(/\(2, 3\)/g)!.length).toBe(1);
      expect(dot).toContain('[label="\\n (6)" fillcolor=darkolivegreen1]');
    });

    test("viz.toDot: a 10,000-op chain does not overflow", () => {
      setup();
      const x = torch.tensor([1.5], { requiresGrad: true });
      let y = x;
      for (let i = 0; i < 10_000; i++) y = y.mul(1.0);
      const dot = torch.viz.toDot(y, { showSaved: false });
      expect(dot.match(/MulBackward0/g)!.length).toBe(10_000);
      expect(dot.match(/ -> /g)!.length).toBe(10_002); // leaf -> AccumulateGrad -> 10,000 muls -> root
      expect(dot).toContain('"\\n (1)" fillcolor=lightblue');
    });
  });
}
