/**
 * Bad input to autograd and the callbacks the library runs, on both backends: async callbacks are
 * refused at once and leave no state behind (grad mode, anomaly mode, tidy scopes, parameters), and
 * the examples of the issue behave as PyTorch 1.13.1 does (the expected texts and values were taken
 * from it; the Python line is in a comment above each).
 */
import { afterEach, describe, expect, test } from "vitest";
import * as torch from "../src/index.js";
import type { Tensor } from "../src/index.js";

const list = (t: Tensor | null | undefined) => Array.from(t!.toArray());
const f64 = (data: unknown, requiresGrad = true) => torch.tensor(data, { dtype: "float64", requiresGrad });
const errorOf = (f: () => unknown): Error => {
  try { f(); } catch (e) { return e as Error; }
  throw new Error("expected a throw");
};

/** Nothing the refused callback changed is left: grad mode on, anomaly mode off, no tidy scope open. */
function expectCleanState(): void {
  expect(torch.isGradEnabled()).toBe(true);
  expect(torch.autograd.isAnomalyEnabled()).toBe(false);
  // a tensor made now belongs to no scope: a tidy that closes does not free it
  const outside = torch.ones(2);
  torch.tidy(() => torch.ones(3).add(1));
  expect(outside.isDisposed).toBe(false);
  outside.dispose();
}

const SYNC = /must be synchronous/;
const PROMISE = /returned a Promise, but it must be synchronous/;
const ASYNC = /is an async function, but it must be synchronous/;

for (const backend of ["wasm", "js"] as const) {
  describe(`async callbacks are refused [${backend}]`, () => {
    afterEach(() => {
      torch.setGradEnabled(true);
      torch.autograd.setDetectAnomaly(false);
    });

    test("noGrad, enableGrad, tidy and detectAnomaly: an async function is refused before it runs", () => {
      torch.setBackend(backend);
      let ran = 0;
      const body = async () => { ran++; return torch.ones(2); };
      const e = errorOf(() => torch.noGrad(body));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(/^noGrad\(\): the callback is an async function, but it must be synchronous: grad mode is global/);
      expect(e.message).toContain("await outside it");
      expect(() => torch.enableGrad(body)).toThrow(/^enableGrad\(\): the callback is an async function/);
      expect(() => torch.tidy(body)).toThrow(/^tidy\(\): the callback is an async function, but it must be synchronous: tidy's scope is global/);
      expect(() => torch.autograd.detectAnomaly(body)).toThrow(/^detectAnomaly\(\): the callback is an async function.*anomaly mode is global/);
      {
        using _guard = torch.noGrad();
        expect(() => torch.enableGrad(body)).toThrow(ASYNC);
        expect(torch.isGradEnabled()).toBe(false); // the guard's mode, untouched
      }
      expect(ran).toBe(0);
      expectCleanState();
    });

    test("a function returning a Promise is refused when it returns; the mode it ran in is restored", () => {
      torch.setBackend(backend);
      const before = torch.memory().tensors;
      // rejected promises: refusing them marks them handled (vitest fails on an unhandled rejection)
      const e = errorOf(() => torch.noGrad(() => Promise.reject(new Error("never seen"))));
      expect(e.message).toMatch(/^noGrad\(\): the callback returned a Promise, but it must be synchronous: grad mode is global/);
      expect(torch.isGradEnabled()).toBe(true);
      torch.noGrad(() => {
        expect(() => torch.enableGrad(() => Promise.resolve(1))).toThrow(/^enableGrad\(\): the callback returned a Promise/);
        expect(torch.isGradEnabled()).toBe(false);
      });
      expect(() => torch.autograd.detectAnomaly(() => Promise.reject(new Error("x")))).toThrow(/^detectAnomaly\(\): the callback returned a Promise/);
      expect(torch.autograd.isAnomalyEnabled()).toBe(false);
      // a thenable that is not a Promise counts too, and so does a Promise inside tidy's result
      expect(() => torch.noGrad(() => ({ then() {} }))).toThrow(PROMISE);
      expect(() => torch.tidy(() => { torch.ones(4).mul(2); return Promise.resolve(2); })).toThrow(/^tidy\(\): the callback returned a Promise/);
      expect(() => torch.tidy(() => new Map([["p", Promise.resolve(torch.ones(2))]]))).toThrow(/^tidy\(\)/);
      expect(torch.memory().tensors).toBe(before); // what the refused tidies made is freed
      expectCleanState();
    });

    test("non-function callbacks are TypeErrors naming what they got", () => {
      torch.setBackend(backend);
      expect(() => torch.noGrad(null as never)).toThrow("noGrad(): the callback must be a function, not NoneType");
      expect(() => torch.enableGrad(3 as never)).toThrow("enableGrad(): the callback must be a function, not int");
      expectCleanState();
    });

    test("a custom Function with an async forward or backward is refused before anything runs or is recorded", () => {
      torch.setBackend(backend);
      let ran = 0;
      class AsyncForward extends torch.autograd.Function {
        static async forward(_ctx: unknown, x: Tensor) { ran++; return x.mul(2); }
        static backward(_ctx: unknown, g: Tensor) { return g.mul(2); }
      }
      class AsyncBackward extends torch.autograd.Function {
        static forward(_ctx: unknown, x: Tensor) { ran++; return x.mul(2); }
        static async backward(_ctx: unknown, g: Tensor) { return g.mul(2); }
      }
      class PromiseForward extends torch.autograd.Function {
        static forward(_ctx: unknown, x: Tensor) { ran++; return Promise.resolve(x.mul(2)); }
        static backward(_ctx: unknown, g: Tensor) { return g.mul(2); }
      }
      const x = torch.tensor([1, 2], { requiresGrad: true });
      expect(() => AsyncForward.apply(x)).toThrow("AsyncForward.apply(): AsyncForward.forward is an async function, but it must be synchronous: autograd uses its result as soon as it returns");
      expect(() => AsyncBackward.apply(x)).toThrow("AsyncBackward.apply(): AsyncBackward.backward is an async function");
      expect(ran).toBe(0);
      // PyTorch 1.13 would hand back the coroutine with nothing recorded: refused here
      expect(() => PromiseForward.apply(x)).toThrow("PromiseForward.apply(): PromiseForward.forward returned a Promise");
      expect(ran).toBe(1);
      expect(x.grad).toBeNull();
      expectCleanState();
    });

    test("a custom Function whose backward returns a Promise makes backward throw, nothing accumulated", () => {
      torch.setBackend(backend);
      class PromiseBackward extends torch.autograd.Function {
        static forward(_ctx: unknown, x: Tensor) { return x.mul(2); }
        static backward(_ctx: unknown, g: Tensor) { return Promise.resolve(g.mul(2)); }
      }
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const y = PromiseBackward.apply(x).sum();
      expect(() => y.backward()).toThrow("backward(): PromiseBackward.backward returned a Promise");
      expect(x.grad).toBeNull();
      expectCleanState();
    });

    test("tensor hooks: an async hook is refused when registered, a Promise it returns in backward", () => {
      torch.setBackend(backend);
      const x = torch.tensor([1, 2], { requiresGrad: true });
      expect(() => x.registerHook(async (g) => g)).toThrow(/^registerHook\(\): the hook is an async function/);
      expect(() => x.mul(2).registerHook(async (g) => g)).toThrow(ASYNC);
      const y = x.mul(3);
      y.registerHook((() => Promise.resolve(undefined)) as never);
      expect(() => y.sum().backward()).toThrow(/^backward\(\): a tensor hook returned a Promise/);
      expect(x.grad).toBeNull();
      expectCleanState();
    });

    test("gradcheck and gradgradcheck refuse async functions, Promises and non-tensor outputs", () => {
      torch.setBackend(backend);
      const x = f64([0.5, -1.25]);
      expect(() => torch.autograd.gradcheck(async (t: Tensor) => t.mul(2), [x])).toThrow(/^gradcheck\(\): the function is an async function/);
      expect(() => torch.autograd.gradcheck((t: Tensor) => Promise.resolve(t.mul(2)), [x])).toThrow(/^gradcheck\(\): the function returned a Promise/);
      expect(() => torch.autograd.gradgradcheck(async (t: Tensor) => t.mul(2), [x])).toThrow(/^gradgradcheck\(\): the function is an async function/);
      expect(() => torch.autograd.gradgradcheck((t: Tensor) => Promise.resolve(t.mul(2)), [x])).toThrow(/^gradgradcheck\(\): the function returned a Promise/);
      // torch.autograd.gradcheck(lambda a: 3.0, (x,))  -> AttributeError: 'float' object has no attribute 'requires_grad'
      expect(() => torch.autograd.gradcheck(() => 3.5, [x])).toThrow("'float' object has no attribute 'requires_grad'");
      expect(() => torch.autograd.gradcheck(() => 3, [x])).toThrow("'int' object has no attribute 'requires_grad'");
      expect(() => torch.autograd.gradcheck(() => "a", [x])).toThrow("'str' object has no attribute 'requires_grad'");
      expect(() => torch.autograd.gradcheck(() => null, [x])).toThrow("'NoneType' object has no attribute 'requires_grad'");
      // torch.autograd.gradcheck(lambda a: [a * 2, 3.0], (x,))  -> the same, for the float
      expect(() => torch.autograd.gradcheck((t: Tensor) => [t.mul(2), 3.5], [x])).toThrow("'float' object has no attribute 'requires_grad'");
      expect(() => torch.autograd.gradgradcheck(() => 3.5, [x])).toThrow("'float' object has no attribute 'requires_grad'");
      // raiseException: false does not turn this into `false`
      expect(() => torch.autograd.gradcheck(() => 3.5, [x], { raiseException: false })).toThrow(TypeError);
      // a good function still passes
      expect(torch.autograd.gradcheck((t: Tensor) => t.sin().mul(t), [x])).toBe(true);
      expectCleanState();
    });

    test("autograd.functional and utils.checkpoint refuse async functions and Promises", () => {
      torch.setBackend(backend);
      const x = f64([1, 2], false);
      const F = torch.autograd.functional;
      const asyncSq = async (t: Tensor) => t.pow(2);
      const promiseSq = (t: Tensor) => Promise.resolve(t.pow(2));
      for (const [name, call] of [
        ["jacobian", (f: never) => F.jacobian(f, x)],
        ["hessian", (f: never) => F.hessian(f, x)],
        ["vjp", (f: never) => F.vjp(f, x, torch.ones(2, { dtype: "float64" }))],
        ["jvp", (f: never) => F.jvp(f, x, torch.ones(2, { dtype: "float64" }))],
      ] as const) {
        expect(() => call(asyncSq as never)).toThrow(new RegExp(`^${name}\\(\\): the function is an async function`));
        expect(() => call(promiseSq as never)).toThrow(new RegExp(`^${name}\\(\\): the function returned a Promise`));
      }
      const w = f64([1, 2]);
      expect(() => torch.utils.checkpoint(asyncSq as never, w)).toThrow(/^checkpoint\(\): the function is an async function/);
      expect(() => torch.utils.checkpoint(promiseSq as never, w)).toThrow(/^checkpoint\(\): the function returned a Promise/);
      expect(w.grad).toBeNull();
      expectCleanState();
    });

    test("Module.call refuses an async forward or one returning a Promise", () => {
      torch.setBackend(backend);
      class AsyncNet extends torch.nn.Module {
        override async forward(x: Tensor) { return x.mul(2); }
      }
      class PromiseNet extends torch.nn.Module {
        override forward(x: Tensor) { return Promise.resolve(x.mul(2)); }
      }
      expect(() => new AsyncNet().call(torch.ones(2))).toThrow(/^AsyncNet\.call\(\): forward is an async function, but it must be synchronous/);
      expect(() => new PromiseNet().call(torch.ones(2))).toThrow(/^PromiseNet\.call\(\): forward returned a Promise/);
      expectCleanState();
    });

    test("optimizer.step refuses an async closure or one returning a Promise: no parameter changes", () => {
      torch.setBackend(backend);
      const w = torch.tensor([1, 2], { requiresGrad: true });
      w.mul(w).sum().backward();
      const opt = new torch.optim.SGD([w], { lr: 0.5 });
      let ran = 0;
      expect(() => opt.step((async () => { ran++; return w.sum(); }) as never)).toThrow(/^step\(\): the closure is an async function/);
      expect(ran).toBe(0);
      expect(() => opt.step((() => Promise.resolve(w.sum())) as never)).toThrow(/^step\(\): the closure returned a Promise/);
      expect(list(w)).toEqual([1, 2]);
      expect(() => opt.step(42 as never)).toThrow("step(): the closure must be a function, not int");
      // the same optimizer still steps: w - 0.5 * 2w = 0
      expect(opt.step(() => w.sum())!.item()).toBe(3);
      expect(list(w)).toEqual([0, 0]);
      expectCleanState();
    });

    test("grad-mode guards restored out of order (held across an await) still end in the mode before the first", async () => {
      torch.setBackend(backend);
      const a = torch.noGrad();       // an evaluator...
      const b = torch.enableGrad();   // ...and a trainer, interleaved
      a.restore();                    // the evaluator finishes first
      expect(torch.isGradEnabled()).toBe(true); // the trainer's guard is still in force
      b.restore();
      expect(torch.isGradEnabled()).toBe(true);
      const c = torch.noGrad();
      const d = torch.noGrad();
      c.restore();
      expect(torch.isGradEnabled()).toBe(false); // d still holds it off
      c.restore();                    // restoring twice does nothing
      expect(torch.isGradEnabled()).toBe(false);
      d.restore();
      expect(torch.isGradEnabled()).toBe(true);
      // two tasks awaiting with guards held (what the docs warn against) leave the mode as it was
      const task = async (guard: () => torch.GradModeGuard, ms: number) => {
        const g = guard();
        await new Promise((r) => setTimeout(r, ms));
        g.restore();
      };
      await Promise.all([task(() => torch.noGrad(), 5), task(() => torch.enableGrad(), 1), task(() => torch.noGrad(), 3)]);
      expect(torch.isGradEnabled()).toBe(true);
      expectCleanState();
    });
  });

  describe(`autograd's bad inputs behave as PyTorch 1.13 [${backend}]`, () => {
    afterEach(() => torch.setGradEnabled(true));

    test("assigning .grad: itself, another size, another dtype, a non-tensor", () => {
      torch.setBackend(backend);
      const x = torch.tensor([1, 2], { requiresGrad: true });
      // x.grad = x  -> RuntimeError: can't assign Variable as its own grad
      expect(() => { x.grad = x; }).toThrow("can't assign Variable as its own grad");
      // x.grad = torch.zeros(3)  -> RuntimeError: assigned grad has data of a different size
      expect(() => { x.grad = torch.zeros(3); }).toThrow("assigned grad has data of a different size");
      // x.grad = torch.zeros(2, dtype=torch.float64)  -> RuntimeError: assigned grad has data of a different type
      expect(() => { x.grad = torch.zeros(2, { dtype: "float64" }); }).toThrow("assigned grad has data of a different type");
      // x.grad = [1, 2]  -> TypeError: assigned grad expected to be a Tensor or None but got grad of type list
      for (const [v, kind] of [[[1, 2], "list"], [3, "int"], [3.5, "float"], ["a", "str"], [true, "bool"], [{}, "dict"]] as const) {
        const e = errorOf(() => { x.grad = v as never; });
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toBe(`assigned grad expected to be a Tensor or None but got grad of type ${kind}`);
      }
      expect(x.grad).toBeNull();
      x.grad = torch.tensor([5, 6]);
      expect(list(x.grad)).toEqual([5, 6]);
      x.grad = null;
      expect(x.grad).toBeNull();
    });

    test("setGradEnabled takes booleans only", () => {
      torch.setBackend(backend);
      // torch.set_grad_enabled(None)  -> TypeError: enabled must be a bool (got NoneType)
      for (const [v, kind] of [[undefined, "undefined"], [null, "NoneType"], [1, "int"], [0, "int"], [1.5, "float"], ["a", "str"], [[], "list"]] as const) {
        const e = errorOf(() => torch.setGradEnabled(v as never));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toBe(`enabled must be a bool (got ${kind})`);
        expect(torch.isGradEnabled()).toBe(true);
      }
      torch.setGradEnabled(false);
      expect(torch.isGradEnabled()).toBe(false);
      expect(() => torch.setGradEnabled(0 as never)).toThrow("enabled must be a bool (got int)");
      expect(torch.isGradEnabled()).toBe(false);
    });

    test("autograd.grad and backward with fewer gradients than outputs", () => {
      torch.setBackend(backend);
      const a = torch.tensor([1, 2], { requiresGrad: true });
      // torch.autograd.grad([a.sum(), (a*2).sum()], [a], grad_outputs=[torch.tensor(1.)])  -> RuntimeError: got 2 tensors and 1 gradients
      expect(() => torch.autograd.grad([a.sum(), a.mul(2).sum()], [a], { gradOutputs: [torch.tensor(1)] })).toThrow("got 2 tensors and 1 gradients");
      expect(() => torch.autograd.backward([a.sum(), a.mul(2).sum()], [torch.tensor(1)])).toThrow("got 2 tensors and 1 gradients");
      expect(() => torch.autograd.grad(a.sum(), [a], { gradOutputs: [] })).toThrow("got 1 tensors and 0 gradients");
      expect(a.grad).toBeNull();
      // torch.autograd.grad([a.sum()], [a], grad_outputs=[torch.tensor(1.), torch.tensor(1.)])  -> (tensor([1., 1.]),): extras ignored
      expect(list(torch.autograd.grad([a.sum()], [a], { gradOutputs: [torch.tensor(1), torch.tensor(1)] })[0])).toEqual([1, 1]);
      // null (or omitted) still stands for ones for every one-element output
      expect(list(torch.autograd.grad([a.sum(), a.mul(2).sum()], [a])[0])).toEqual([3, 3]);
    });

    test("max(0) / min(0) of a 0-d tensor: the value, index 0, gradient 1", () => {
      torch.setBackend(backend);
      for (const kind of ["max", "min"] as const) {
        // z = torch.tensor(3., requires_grad=True); r = z.max(0); r.values.backward()  -> z.grad == tensor(1.), r.indices == tensor(0)
        const z = torch.tensor(3, { requiresGrad: true });
        const r = z[kind](0);
        expect(r.values.shape).toEqual([]);
        expect(r.values.item()).toBe(3);
        expect(r.indices.item()).toBe(0);
        expect(r.values.gradFn!.name()).toBe(kind === "max" ? "MaxBackward0" : "MinBackward0");
        r.values.backward();
        expect(z.grad!.shape).toEqual([]);
        expect(z.grad!.item()).toBe(1);
        // keepdim and dim -1 too
        const k = z[kind](-1, true);
        expect(k.values.shape).toEqual([]);
        k.values.mul(5).backward();
        expect(z.grad!.item()).toBe(6);
        // torch.tensor(3.).max(1)  -> IndexError: Dimension out of range (expected to be in range of [-1, 0], but got 1)
        expect(() => z[kind](1)).toThrow("Dimension out of range (expected to be in range of [-1, 0], but got 1)");
      }
      // torch.tensor(3.).argmax(0)  -> tensor(0)
      expect(torch.tensor(3).argmax(0).item()).toBe(0);
      expect(torch.tensor(3).argmin(-1).item()).toBe(0);
    });

    test("tidy keeps every tensor reachable from its result: Maps, Sets, deep nesting, cycles", () => {
      torch.setBackend(backend);
      const before = torch.memory().tensors;
      const r = torch.tidy(() => {
        torch.ones(5).mul(2); // freed
        const deep: unknown[] = [torch.full([1], 12)];
        let d: unknown = deep;
        for (let i = 0; i < 20; i++) d = [d];
        const cyclic: Record<string, unknown> = { t: torch.full([1], 7) };
        cyclic.self = cyclic;
        return {
          map: new Map<unknown, unknown>([[torch.full([1], 1), torch.full([1], 2)], ["k", { inner: [torch.full([1], 3)] }]]),
          set: new Set([torch.full([1], 4), [torch.full([1], 5)]]),
          deep: d,
          cyclic,
        };
      });
      const all: Tensor[] = [];
      for (const [k, v] of r.map) {
        if (k instanceof torch.Tensor) all.push(k, v as Tensor);
        else all.push(((v as { inner: Tensor[] }).inner)[0]!);
      }
      for (const v of r.set) all.push(v instanceof torch.Tensor ? v : (v as Tensor[])[0]!);
      let d: unknown = r.deep;
      while (Array.isArray(d) && !(d[0] instanceof torch.Tensor)) d = d[0];
      all.push((d as Tensor[])[0]!, r.cyclic.t as Tensor);
      expect(all.map((t) => t.isDisposed)).toEqual(new Array(7).fill(false));
      expect(all.map((t) => t.item()).sort((p, q) => p - q)).toEqual([1, 2, 3, 4, 5, 7, 12]);
      expect(torch.memory().tensors).toBe(before + 7);
      // dispose walks the same containers
      torch.dispose(r);
      expect(all.every((t) => t.isDisposed)).toBe(true);
      expect(torch.memory().tensors).toBe(before);
      // a very deep result is walked without running out of stack
      let deepest: unknown = torch.ones(1);
      for (let i = 0; i < 100_000; i++) deepest = [deepest];
      const kept = torch.tidy(() => deepest);
      torch.dispose(kept);
      expect(torch.memory().tensors).toBe(before);
    });

    test("a tensor hook returning a non-tensor, or a tensor of another shape or dtype", () => {
      torch.setBackend(backend);
      for (const leaf of [true, false]) {
        const withHook = (hook: (g: Tensor) => unknown) => {
          const x = torch.tensor([1, 2], { requiresGrad: true });
          const t = leaf ? x : x.mul(2);
          t.registerHook(hook as never);
          return () => t.sum().backward();
        };
        // h.register_hook(lambda g: 3)  -> TypeError: expected Variable, but hook returned 'int'
        expect(withHook(() => 3)).toThrow(new TypeError("expected Variable, but hook returned 'int'"));
        expect(withHook(() => "s")).toThrow("expected Variable, but hook returned 'str'");
        expect(withHook(() => [1])).toThrow("expected Variable, but hook returned 'list'");
        // def hook(g): return torch.zeros(3)  -> RuntimeError: hook 'hook' has changed the size of value
        expect(withHook(function hook() { return torch.zeros(3); })).toThrow("hook 'hook' has changed the size of value");
        // def hook(g): return torch.zeros(2, dtype=torch.float64)  -> hook 'hook' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)
        expect(withHook(function hook() { return torch.zeros(2, { dtype: "float64" }); }))
          .toThrow("hook 'hook' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)");
        expect(torch.isGradEnabled()).toBe(true);
      }
      // a good hook still replaces the gradient
      const x = torch.tensor([1, 2], { requiresGrad: true });
      x.registerHook((g) => g.mul(10));
      x.sum().backward();
      expect(list(x.grad)).toEqual([10, 10]);
    });

    test("bool matmul and mm: PyTorch's error naming the kernel", () => {
      torch.setBackend(backend);
      const B = (...shape: number[]) => torch.ones(shape, { dtype: "bool" });
      // b.mm(b) / b.matmul(b) (2-D)  -> RuntimeError: "addmm_impl_cpu_" not implemented for 'Bool'
      expect(() => B(2, 2).mm(B(2, 2))).toThrow(`"addmm_impl_cpu_" not implemented for 'Bool'`);
      expect(() => B(2, 2).matmul(B(2, 2))).toThrow(`"addmm_impl_cpu_" not implemented for 'Bool'`);
      expect(() => torch.matmul(B(2, 2), B(2, 2))).toThrow(`"addmm_impl_cpu_" not implemented for 'Bool'`);
      // 1-D . 1-D  -> "dot"; 2-D . 1-D  -> "addmv_impl_cpu"; 1-D . 2-D  -> "addmm_impl_cpu_"
      expect(() => B(2).matmul(B(2))).toThrow(`"dot" not implemented for 'Bool'`);
      expect(() => B(2, 2).matmul(B(2))).toThrow(`"addmv_impl_cpu" not implemented for 'Bool'`);
      expect(() => B(2).matmul(B(2, 2))).toThrow(`"addmm_impl_cpu_" not implemented for 'Bool'`);
      // batched: 3-D . 3-D  -> "bmm"; folded into one mv or mm with a 1-D or 2-D operand
      expect(() => B(2, 2, 2).matmul(B(2, 2, 2))).toThrow(`"bmm" not implemented for 'Bool'`);
      expect(() => B(1, 2, 2).matmul(B(3, 2, 2))).toThrow(`"bmm" not implemented for 'Bool'`);
      expect(() => B(2, 2, 2).matmul(B(2))).toThrow(`"addmv_impl_cpu" not implemented for 'Bool'`);
      expect(() => B(2).matmul(B(2, 2, 2))).toThrow(`"addmv_impl_cpu" not implemented for 'Bool'`);
      expect(() => B(2, 2, 2).matmul(B(2, 2))).toThrow(`"addmm_impl_cpu_" not implemented for 'Bool'`);
      expect(() => B(2, 2).matmul(B(2, 2, 2))).toThrow(`"addmm_impl_cpu_" not implemented for 'Bool'`);
      // shapes are checked first: b(2,3).mm(b(2,3))  -> mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)
      expect(() => B(2, 3).mm(B(2, 3))).toThrow("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)");
      // nothing to compute, no kernel runs: b(0,2).mm(b(2,2)) -> shape [0, 2]; b(0,2).matmul(b(2)) -> [0]; b(0).matmul(b(0)) -> "dot"
      expect(B(0, 2).mm(B(2, 2)).shape).toEqual([0, 2]);
      expect(B(0, 2).matmul(B(2)).shape).toEqual([0]);
      expect(B(0, 2, 2).matmul(B(0, 2, 2)).shape).toEqual([0, 2, 2]);
      const empty = B(2, 0).mm(B(0, 2));
      expect(Array.from(empty.toArray()).map(Boolean)).toEqual([false, false, false, false]);
      expect(() => B(0).matmul(B(0))).toThrow(`"dot" not implemented for 'Bool'`);
      // int32 products are fine: [[1,2],[3,4]] @ itself
      const i = torch.tensor([[1, 2], [3, 4]], { dtype: "int32" });
      expect(list(i.mm(i))).toEqual([7, 10, 15, 22]);
    });

    test("in-place ops refuse an operand overlapping the written tensor, as PyTorch", () => {
      torch.setBackend(backend);
      const PARTIAL = "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.";
      const INTERNAL = "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.";
      // a = torch.tensor([[1.,2],[3,4]]); a.copy_(a.t())  -> RuntimeError (PARTIAL); a is unchanged
      const a = torch.tensor([[1, 2], [3, 4]]);
      expect(() => a.copy_(a.t())).toThrow(PARTIAL);
      for (const op of ["add_", "sub_", "mul_", "div_"] as const) expect(() => a[op](a.t())).toThrow(PARTIAL);
      // a row of a, broadcast over a; an overlapping shifted slice
      expect(() => a.add_(a.index(0))).toThrow(PARTIAL);
      expect(() => a.copy_(a.index(0))).toThrow(PARTIAL);
      const c = torch.tensor([1, 2, 3, 4]);
      expect(() => c.index([1, null]).copy_(c.index([0, 3]))).toThrow(PARTIAL);
      expect(() => c.index([1, null]).add_(c.index([0, 3]))).toThrow(PARTIAL);
      expect(() => c.mul_(c.index(1))).toThrow(PARTIAL);
      expect(list(a)).toEqual([1, 2, 3, 4]);
      expect(list(c)).toEqual([1, 2, 3, 4]);
      // the same elements, or disjoint ones, are fine: c.add_(c) -> [2,4,6,8]; c[:2].copy_(c[2:]) -> [6,8,6,8]
      c.add_(c);
      expect(list(c)).toEqual([2, 4, 6, 8]);
      c.index([0, 2]).copy_(c.index([2, null]));
      expect(list(c)).toEqual([6, 8, 6, 8]);
      a.copy_(a.view(4).view(2, 2));
      expect(list(a)).toEqual([1, 2, 3, 4]);
      // a transposed view written with a transposed operand: the same layout
      const b = torch.tensor([[1, 2, 3], [4, 5, 6]]);
      b.t().add_(b.t());
      expect(list(b)).toEqual([2, 4, 6, 8, 10, 12]);
      // an operand PyTorch cannot tell about (not dense: stride-0, a column) is allowed, as there
      const m = torch.tensor([[1, 2], [3, 4]]);
      m.copy_(m.index([0, 1]).expand(2, 2));
      expect(list(m)).toEqual([1, 2, 1, 2]);
      // torch.zeros(1).expand(3).add_(1)  -> RuntimeError (INTERNAL); fill_ is allowed
      const e = torch.zeros(1).expand(3);
      expect(() => e.add_(1)).toThrow(INTERNAL);
      expect(() => e.mul_(torch.ones(3))).toThrow(INTERNAL);
      expect(() => e.clamp_(0, 1)).toThrow(INTERNAL);
      expect(() => e.copy_(torch.ones(3))).toThrow(INTERNAL);
      expect(list(e.fill_(2))).toEqual([2, 2, 2]);
      // with autograd recording too: y.view(2,2).add_(y.view(2,2).t())  -> PARTIAL
      const x = torch.arange(4, { dtype: "float32" }).requiresGrad_();
      const y = x.mul(1);
      expect(() => y.view(2, 2).add_(y.view(2, 2).t())).toThrow(PARTIAL);
    });

    test("optimizer and module options of the wrong kind or out of range", () => {
      torch.setBackend(backend);
      const p = [torch.zeros(2, { requiresGrad: true })];
      const SGD = torch.optim.SGD, Adam = torch.optim.Adam;
      // torch.optim.SGD(p, lr=-1)  -> ValueError: Invalid learning rate: -1
      expect(() => new SGD(p, { lr: -1 })).toThrow("Invalid learning rate: -1");
      // a string is a TypeError in PyTorch too ('<' not supported between instances of 'str' and 'float'): here it names the option
      expect(() => new SGD(p, { lr: "x" as never })).toThrow(new TypeError("SGD(): argument 'lr' must be Number, not str"));
      expect(() => new SGD(p, { lr: 0.1, momentum: "x" as never })).toThrow("SGD(): argument 'momentum' must be Number, not str");
      expect(() => new SGD(p, { lr: 0.1, weightDecay: null as never })).toThrow("SGD(): argument 'weightDecay' must be Number, not NoneType");
      expect(() => new SGD(p, { lr: 0.1, dampening: [] as never })).toThrow("SGD(): argument 'dampening' must be Number, not list");
      expect(() => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: "x" as never })).toThrow("SGD(): argument 'nesterov' must be bool, not str");
      // SGD(p, lr=0.1, foo=1)  -> TypeError: SGD.__init__() got an unexpected keyword argument 'foo'
      expect(() => new SGD(p, { lr: 0.1, foo: 1 } as never)).toThrow("SGD() got an unexpected keyword argument 'foo'");
      expect(() => new SGD(p, "fast" as never)).toThrow(TypeError);
      // a param group's own values: ranges as given (PyTorch), kinds checked
      expect(new SGD([{ params: p, lr: -1 }], { lr: 0.1 }).paramGroups[0]!.lr).toBe(-1);
      expect(() => new SGD([{ params: p, lr: "x" as never }], { lr: 0.1 })).toThrow("SGD.addParamGroup(): argument 'lr' must be Number, not str");
      // Adam
      expect(() => new Adam(p, { eps: "x" as never })).toThrow("Adam(): argument 'eps' must be Number, not str");
      expect(() => new Adam(p, { lr: NaN })).toThrow("Invalid learning rate: nan");
      expect(() => new Adam(p, { betas: "ab" as never })).toThrow("Adam(): argument 'betas' must be a pair of Numbers, not str");
      expect(() => new Adam(p, { betas: [0.9] as never })).toThrow("Adam(): argument 'betas' must be a pair of Numbers, not a list of 1");
      expect(() => new Adam(p, { betas: [0.9, "x"] as never })).toThrow("Adam(): argument 'betas[1]' must be Number, not str");
      expect(() => new Adam(p, { betas: [1.5, 0.9] })).toThrow("Invalid beta parameter at index 0: 1.5");
      expect(() => new Adam(p, { amsgrad: 1 as never })).toThrow("Adam(): argument 'amsgrad' must be bool, not int");
      expect(() => new Adam([{ params: p, betas: [0.9, null] as never }])).toThrow("Adam.addParamGroup(): argument 'betas[1]' must be Number, not NoneType");
      // nn.Linear("a", 2)  -> TypeError; nn.Linear(-1, 2)  -> RuntimeError: Trying to create tensor with negative dimension -1: [2, -1]
      expect(() => new torch.nn.Linear("a" as never, 2)).toThrow(new TypeError("Linear(): argument 'inFeatures' (position 1) must be int, not str"));
      expect(() => new torch.nn.Linear(1.5, 2)).toThrow("Linear(): argument 'inFeatures' (position 1) must be int, not float");
      expect(() => new torch.nn.Linear(2, "b" as never)).toThrow("Linear(): argument 'outFeatures' (position 2) must be int, not str");
      expect(() => new torch.nn.Linear(-1, 2)).toThrow("Trying to create tensor with negative dimension -1: [2, -1]");
      expect(() => new torch.nn.Linear(2, -3)).toThrow("Trying to create tensor with negative dimension -3: [-3, 2]");
      expect(() => new torch.nn.Linear(2, 2, { bias: "no" as never })).toThrow("Linear(): argument 'bias' must be bool, not str");
    });

    test("loadStateDict refuses entries it cannot load, and loads nothing then", () => {
      torch.setBackend(backend);
      const m = new torch.nn.Linear(2, 2);
      const w0 = list(m.weight);
      const bias = torch.zeros(2);
      const load = (weight: unknown) => errorOf(() => m.loadStateDict({ weight, bias } as never)).message;
      // m.load_state_dict("abc")  -> TypeError: Expected state_dict to be dict-like
      expect(() => m.loadStateDict("abc" as never)).toThrow(TypeError);
      // m.load_state_dict({"weight": "abc", ...})  -> ... expected torch.Tensor or Tensor-like object from checkpoint but received <class 'str'>
      expect(load("abc")).toContain(`While copying the parameter named "weight", expected torch.Tensor or Tensor-like object from checkpoint but received <class 'str'>`);
      expect(load(3)).toContain("but received <class 'int'>");
      expect(load({ shape: [2, 2], data: "abcd" })).toContain("data str (both must be arrays)");
      expect(load({ shape: [2, 2], data: ["a", "b", "c", "d"] })).toContain(`While copying the parameter named "weight": its data must hold numbers, booleans or null, but element 0 is str "a"`);
      expect(load({ shape: [2, 2], data: [1, 2, {}, 4] })).toContain("but element 2 is dict");
      expect(load({ shape: [2, "2"], data: [1, 2, 3, 4] })).toContain("its shape must be an array of non-negative integers");
      expect(list(m.weight)).toEqual(w0);
      // the JSON round trip still loads (null is NaN, booleans 0/1)
      m.loadStateDict({ weight: { shape: [2, 2], data: [1, null, true, 4] }, bias });
      const got = list(m.weight);
      expect(got[0]).toBe(1);
      expect(got[1]).toBeNaN();
      expect(got.slice(2)).toEqual([1, 4]);
    });
  });
}

describe("the refusal says what to do instead", () => {
  test("one wording for every callback: site, callback, what it did, why, what to do", () => {
    const e = errorOf(() => torch.noGrad(() => Promise.resolve()));
    expect(e.message).toBe(
      "noGrad(): the callback returned a Promise, but it must be synchronous: grad mode is global, so it cannot follow an await " +
      "(code that runs meanwhile would see it). Run the synchronous steps inside the callback and await outside it; do not hold " +
      "a guard (using _ = torch.noGrad()) across an await either.",
    );
    expect(errorOf(() => torch.tidy(async () => 1)).message).toMatch(SYNC);
    expect(errorOf(() => torch.tidy(async () => 1)).message).toContain("Await outside the tidy, and tidy each synchronous step.");
  });
});
