/**
 * The backward engine as PyTorch 1.13's: each pass keeps its own state (so passes nest:
 * activation checkpointing, hooks calling autograd.grad), and a custom Function with
 * several differentiable outputs is one node with numbered outputs. Expected values are
 * PyTorch 1.13.1's or, where noted, computed in float64 by hand and checked by finite
 * differences.
 */
import { beforeEach, describe, expect, test } from "vitest";
import * as torch from "../src/index.js";

type Tensor = torch.Tensor;

const values = (t: Tensor | null | undefined): number[] => Array.from(t!.toArray() as Float32Array);
const close = (t: Tensor | null | undefined, want: number[]) => {
  const got = values(t);
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
};
const closeTo = (got: number[] | null | undefined, want: number[]) => {
  expect(got!.length).toBe(want.length);
  got!.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
};
const names = (fn: torch.Node | null): [string | null, number][] =>
  fn === null ? [] : fn.nextFunctions.map(([n, i]) => [n === null ? null : n.name(), i]);

for (const backend of ["wasm", "js"] as const) {
  describe(`engine [${backend}]`, () => {
    beforeEach(() => {
      torch.setBackend(backend);
    });

    // ---- passes nest ------------------------------------------------------------------

    test("reentrant backward: a checkpointing Function recomputes and calls autograd.grad", () => {
      class Ckpt extends torch.autograd.Function {
        static forward(ctx: any, x: Tensor, w: Tensor) { ctx.saveForBackward(x, w); return x.mul(w).tanh().mul(w); }
        static backward(ctx: any, g: Tensor) {
          const [x, w] = ctx.savedTensors as Tensor[];
          const xd = x!.detach().requiresGrad_(true);
          const y = torch.enableGrad(() => xd.mul(w!).tanh().mul(w!));
          return torch.autograd.grad([y], [xd, w!], { gradOutputs: [g] });
        }
      }
      const x = torch.tensor([0.5, -1, 2], { requiresGrad: true });
      const w = torch.tensor([1.5, 0.25, -0.75], { requiresGrad: true });
      (Ckpt.apply(x, w) as Tensor).mul(torch.tensor([1, 2, 3])).sum().add(w.mul(w).sum()).backward();
      // PyTorch 1.13.1
      close(w.grad, [4.082588, -0.459845, -5.028625]);
      // c * w^2 * (1 - tanh(x w)^2), float64, matches central differences
      close(x.grad, [1.342318, 0.117502, 0.304942]);
    });

    test("a tensor hook that calls autograd.grad on another graph during backward", () => {
      const x = torch.tensor([1, 2, 3], { requiresGrad: true });
      const y = x.mul(x); // the outer pass still owes x's accumulator two gradients here
      // read inside the hook: the outer pass frees what was made during it when it ends
      let inner: number[] = [];
      y.registerHook((g) => {
        // hooks run with grad mode off (createGraph false), as in PyTorch
        inner = values(torch.autograd.grad(torch.enableGrad(() => x.mul(x).mul(x).sum()), x)[0]); // d/dx x^3 = 3x^2
        return g;
      });
      y.mul(3).sum().backward();
      closeTo(inner, [3, 12, 27]);
      close(x.grad, [6, 12, 18]); // d/dx 3x^2
    });

    test("two nested passes sharing a leaf: a hook runs backward on another graph, whose hook calls autograd.grad", () => {
      const w = torch.tensor([1, -2], { requiresGrad: true });
      const a = w.mul(w); // outer: sum(a * 2)
      let deepest: number[] = [];
      a.registerHook((g) => {
        const b = torch.enableGrad(() => w.mul(5)); // middle pass: sum(b) accumulates 5 into w.grad
        b.registerHook((gb) => {
          deepest = values(torch.autograd.grad(torch.enableGrad(() => w.exp().sum()), [w])[0]);
          return gb;
        });
        torch.enableGrad(() => b.sum()).backward();
        return g;
      });
      a.mul(2).sum().backward();
      closeTo(deepest, [Math.exp(1), Math.exp(-2)]);
      close(w.grad, [5 + 4 * 1, 5 + 4 * -2]);
    });

    // ---- multi-output nodes ---------------------------------------------------------------

    class SinCos extends torch.autograd.Function {
      static forward(ctx: any, x: Tensor) { ctx.saveForBackward(x); return [x.sin(), x.cos()]; }
      static backward(ctx: any, gs: Tensor | null, gc: Tensor | null) {
        const [x] = ctx.savedTensors as Tensor[];
        seenGrads.push(gs === null ? null : values(gs), gc === null ? null : values(gc));
        let r: Tensor | null = null;
        if (gs !== null) r = gs.mul(x!.cos());
        if (gc !== null) { const t = gc.mul(x!.sin()).neg(); r = r === null ? t : r.add(t); }
        return r;
      }
    }
    /** What SinCos.backward received, as values (the pass frees its tensors when it ends). */
    let seenGrads: (number[] | null)[] = [];
    beforeEach(() => { seenGrads = []; });

    test("a Function with two outputs is one node; nextFunctions numbers its outputs", () => {
      const x = torch.tensor([0.5, 1], { requiresGrad: true });
      const [s, c] = SinCos.apply(x) as Tensor[];
      expect(s!.gradFn).toBe(c!.gradFn);
      expect(s!.gradFn!.name()).toBe("SinCosBackward");
      expect(names(s!.gradFn)).toEqual([["AccumulateGrad", 0]]);
      expect(names(s!.add(c!).gradFn)).toEqual([["SinCosBackward", 0], ["SinCosBackward", 1]]);
      expect(names(c!.mul(s!).gradFn)).toEqual([["SinCosBackward", 1], ["SinCosBackward", 0]]);
      s!.mul(2).add(c!.mul(3)).sum().backward();
      expect(seenGrads.length).toBe(2); // backward ran once, with both gradients
      closeTo(seenGrads[0], [2, 2]);
      closeTo(seenGrads[1], [3, 3]);
      close(x.grad, [2 * Math.cos(0.5) - 3 * Math.sin(0.5), 2 * Math.cos(1) - 3 * Math.sin(1)]);
    });

    test("only one output used: the other's gradient arrives as zeros", () => {
      const x = torch.tensor([0.5, 1], { requiresGrad: true });
      const [, c] = SinCos.apply(x) as Tensor[];
      c!.sum().backward();
      expect(seenGrads.length).toBe(2);
      expect(seenGrads[0]).toEqual([0, 0]);
      closeTo(seenGrads[1], [1, 1]);
      close(x.grad, [-Math.sin(0.5), -Math.sin(1)]);
    });

    test("only one output used under setMaterializeGrads(false): the other's gradient is null", () => {
      class SinCosLazy extends SinCos {
        static override forward(ctx: any, x: Tensor) { ctx.setMaterializeGrads(false); return SinCos.forward(ctx, x); }
      }
      const x = torch.tensor([0.5, 1], { requiresGrad: true });
      const [, c] = SinCosLazy.apply(x) as Tensor[];
      c!.sum().backward();
      expect(seenGrads[0] === null).toBe(true);
      closeTo(seenGrads[1], [1, 1]);
      close(x.grad, [-Math.sin(0.5), -Math.sin(1)]);
    });

    test("hooks and retainGrad are per output of a multi-output node", () => {
      const x = torch.tensor([0.5, 1], { requiresGrad: true });
      const [s, c] = SinCos.apply(x) as Tensor[];
      s!.retainGrad();
      c!.retainGrad();
      const hooked: string[] = [];
      s!.registerHook((g) => { hooked.push(`s ${values(g)}`); });
      c!.registerHook((g) => { hooked.push(`c ${values(g)}`); return g.mul(10); });
      s!.mul(2).add(c!.mul(3)).sum().backward();
      expect(hooked.sort()).toEqual(["c 3,3", "s 2,2"]);
      close(s!.grad, [2, 2]);
      close(c!.grad, [3, 3]); // retainGrad's hook ran before the one registered after it
      closeTo(seenGrads[1], [30, 30]);
    });

    test("autograd.grad with respect to the second output of a multi-output node", () => {
      const x = torch.tensor([0.5, 1], { requiresGrad: true });
      const [s, c] = SinCos.apply(x) as Tensor[];
      const [gc, gs] = torch.autograd.grad(s!.mul(2).add(c!.mul(c!)).sum(), [c!, s!]);
      close(gc, [2 * Math.cos(0.5), 2 * Math.cos(1)]);
      close(gs, [2, 2]);
      expect(seenGrads.length).toBe(0); // the captured node itself does not run
    });
  });
}
