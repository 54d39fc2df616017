/** Regressions: a bad tidy call leaves no scope open, a disposed .grad reads as null,
 *  in-place ops allocate no full-size temporary. */
import { describe, expect, test } from "vitest";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as torch from "../src/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const tick = () => new Promise((r) => setTimeout(r, 0));

/** Let the GC safety net reclaim what earlier tests dropped (it runs between tasks). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) { await tick(); gc(); await tick(); }
}

/** Collect garbage until `done()`. */
async function collectUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 20 && !done(); i++) { await tick(); gc(); await tick(); }
}

/** Tensors dropped outside any tidy are reclaimed by the GC: nothing is pinned by a scope
 *  left open, and the counts come back to `before`. */
async function expectDroppedReclaimed(before: ReturnType<typeof torch.memory>): Promise<void> {
  (() => { for (let i = 0; i < 500; i++) torch.ones(64).mul(2); })();
  await collectUntil(() => torch.memory().tensors <= before.tensors);
  expect(torch.memory().tensors).toBe(before.tensors);
  expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
}

/** A number of float32 elements such that `k` tensors of it, alive together, push
 *  bytesInUse past the high-water mark left by earlier tests (at least 4 MB each). */
function elementsForNewPeak(k: number): number {
  const { bytesInUse, peakBytes } = torch.memory();
  const n = Math.max(1 << 20, Math.ceil((peakBytes - bytesInUse) / (4 * k)) + (1 << 18));
  return Math.ceil(n / 1024) * 1024;
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i]! - b[i]!) > tol * (1 + Math.abs(b[i]!))) {
      throw new Error(`element ${i}: ${a[i]} != ${b[i]}`);
    }
  }
}

for (const backend of ["wasm", "js"] as const) {
  describe(`memory regressions [${backend}]`, () => {
    // ---- 1. a bad tidy call ------------------------------------------------------------------

    test("tidy(async fn) throws before running fn and leaves no scope open", async () => {
      torch.setBackend(backend);
      await settle();
      const before = torch.memory();
      let ran = false;
      expect(() => torch.tidy((async () => { ran = true; return torch.ones(3); }) as never)).toThrow(/synchronous/);
      expect(ran).toBe(false);
      // tensors made outside any tidy afterwards: dispose brings the counts back
      const a = torch.ones(100), b = a.mul(2);
      expect(torch.memory().tensors).toBe(before.tensors + 2);
      torch.dispose([a, b]);
      expect(torch.memory().tensors).toBe(before.tensors);
      expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
      // a tensor made outside survives later tidies (no scope owns it)
      const kept = torch.ones(4);
      torch.tidy(() => { torch.ones(2).add(1); });
      expect(() => torch.tidy(() => { throw new Error("boom"); })).toThrow("boom");
      expect(kept.isDisposed).toBe(false);
      expect(Array.from(kept.toArray())).toEqual([1, 1, 1, 1]);
      kept.dispose();
      // nothing made outside is pinned: dropped tensors are reclaimed by the GC
      await expectDroppedReclaimed(before);
    });

    test("tidy(fn returning a Promise) throws, frees what fn made, leaves no scope open", async () => {
      torch.setBackend(backend);
      await settle();
      const before = torch.memory();
      expect(() => torch.tidy(() => { const t = torch.ones(50).mul(3); return Promise.resolve(t); })).toThrow(/Promise/);
      expect(() => torch.tidy(() => ({ p: Promise.resolve(1), t: torch.ones(5) }))).toThrow(/Promise/);
      expect(torch.memory().tensors).toBe(before.tensors);
      expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
      const kept = torch.ones(4);
      torch.tidy(() => torch.ones(2));
      expect(kept.isDisposed).toBe(false);
      kept.dispose();
      await expectDroppedReclaimed(before);
    });

    test("tidy with a non-function argument or a throwing fn leaves no scope open", async () => {
      torch.setBackend(backend);
      await settle();
      const before = torch.memory();
      expect(() => torch.tidy(42 as never)).toThrow(/function/);
      expect(() => torch.tidy(null as never)).toThrow(/function/);
      expect(() => torch.tidy(() => { torch.ones(10); throw new Error("inside"); })).toThrow("inside");
      expect(torch.memory().tensors).toBe(before.tensors);
      expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
      await expectDroppedReclaimed(before);
    });

    test("storage only a dropped graph's saved tensors hold is reclaimed by the GC", async () => {
      torch.setBackend(backend);
      await settle();
      const before = torch.memory();
      let savedBytes = 0;
      (() => {
        const x = torch.ones(1000, { requiresGrad: true });
        // exp's result is disposed when the tidy ends, but MulBackward0 saved it: its storage
        // lives on in the graph the kept loss reaches, held by no tensor a scope or watch sees
        const loss = torch.tidy(() => x.mul(2).mul(x.exp()).sum());
        savedBytes = torch.memory().bytesInUse - before.bytesInUse;
        expect(loss.gradFn?.name()).toBe("SumBackward0");
      })();
      expect(savedBytes).toBeGreaterThanOrEqual(3 * 4000); // x, x*2 and exp(x) at least
      await collectUntil(() => torch.memory().bytesInUse <= before.bytesInUse);
      expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
      expect(torch.memory().tensors).toBe(before.tensors);
    });

    // ---- 3. in-place ops allocate no full-size temporary ------------------------------------

    test("in-place ops under noGrad write straight into a large contiguous x (no temporary)", () => {
      torch.setBackend(backend);
      const n = elementsForNewPeak(2); // x and y set a new high-water mark of bytesInUse
      const xBytes = n * 4;
      const x = torch.rand(n);
      const y = torch.rand(n);
      const x0 = x.toArray() as Float32Array, y0 = y.toArray() as Float32Array;
      // allocating x and y set a new high-water mark, so any temporary of x's size shows
      expect(torch.memory().peakBytes).toBe(torch.memory().bytesInUse);
      const before = torch.memory().bytesInUse;
      const expected = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let v = Math.fround(x0[i]! + 1);
        v = Math.fround(v * 2);
        v = Math.fround(v - y0[i]!);
        v = Math.min(Math.max(v, 0), 1);
        v = Math.fround(v / 2);
        v = Math.fround(v + Math.fround(y0[i]! * 3)); // add_ with alpha: a temporary of y's size only
        expected[i] = v;
      }
      torch.noGrad(() => {
        x.add_(1);
        x.mul_(2);
        x.sub_(y);
        x.clamp_(0, 1);
        x.div_(2);
      });
      expect(torch.memory().peakBytes - before).toBeLessThan(xBytes / 4);
      expect(torch.memory().bytesInUse).toBe(before);
      torch.noGrad(() => x.add_(y, { alpha: 3 }));
      close(x.toArray(), expected);
      expect(torch.memory().bytesInUse).toBe(before);
      // a transpose of x is written in place too
      const t = x.view(1024, -1).t();
      torch.noGrad(() => t.mul_(2).add_(1));
      close(x.toArray(), expected.map((v) => Math.fround(Math.fround(v * 2) + 1)));
      expect(torch.memory().bytesInUse).toBe(before);
      t.dispose();
      torch.dispose([x, y]);
    });

    test("in-place ops give the out-of-place values on strided, broadcast and aliased operands", () => {
      torch.setBackend(backend);
      const ref = (t: torch.Tensor) => Array.from(t.toArray());
      const cases: [string, (x: torch.Tensor, o: torch.Tensor) => torch.Tensor, (x: torch.Tensor, o: torch.Tensor) => torch.Tensor][] = [
        ["add_", (x, o) => x.add_(o), (x, o) => x.add(o)],
        ["add_ alpha", (x, o) => x.add_(o, { alpha: -0.5 }), (x, o) => x.add(o, { alpha: -0.5 })],
        ["sub_", (x, o) => x.sub_(o), (x, o) => x.sub(o)],
        ["mul_", (x, o) => x.mul_(o), (x, o) => x.mul(o)],
        ["div_", (x, o) => x.div_(o.add(2)), (x, o) => x.div(o.add(2))],
        ["clamp_", (x) => x.clamp_(0.2, 0.7), (x) => x.clamp(0.2, 0.7)],
        ["clamp_ min", (x) => x.clamp_(0.5), (x) => x.clamp(0.5)],
        ["mul_ number", (x) => x.mul_(3), (x) => x.mul(3)],
      ];
      torch.manualSeed(0);
      // x: contiguous, a transpose, a strided slice, a view at an offset (each made twice alike)
      const layouts: [number[], (t: torch.Tensor) => torch.Tensor][] = [
        [[4, 6], (t) => t],
        [[6, 4], (t) => t.t()],
        [[4, 12], (t) => t.index(null, [null, null, 2])],
        [[5, 6], (t) => t.index([1, 5])],
      ];
      const r46 = torch.rand(4, 6), r6 = torch.rand(6), r41 = torch.rand(4, 1);
      // other: same shape, broadcast row, broadcast column, x itself, x through two transposes, a row of x
      const rowOfX = (x: torch.Tensor) => x.index(0);
      const others: ((x: torch.Tensor) => torch.Tensor)[] = [() => r46, () => r6, () => r41, (x) => x, (x) => x.t().t(), rowOfX];
      // these read `other` itself (div_ reads a new tensor made from it)
      const readsOther = new Set(["add_", "add_ alpha", "sub_", "mul_"]);
      for (const [name, inplace, outOfPlace] of cases) {
        for (const [shape, view] of layouts) {
          const base = torch.rand(...shape);
          for (const other of others) {
            const a = view(base.clone()), b = view(base.clone());
            if (other === rowOfX && readsOther.has(name) && b.isContiguous()) {
              // PyTorch refuses to read a row of a dense x while writing x (its other rows are
              // too hard to tell, and are computed as out of place)
              expect(() => torch.noGrad(() => inplace(b, other(b)))).toThrow("some elements of the input tensor and the written-to tensor refer to a single memory location");
              continue;
            }
            const want = ref(outOfPlace(a, other(a)));
            torch.noGrad(() => inplace(b, other(b)));
            try { close(b.toArray(), want); } catch (e) { throw new Error(`${name} ${shape}: ${(e as Error).message}`); }
          }
        }
      }
    });

    test("an in-place op whose result can't be cast to x's dtype throws and leaves x unchanged", () => {
      torch.setBackend(backend);
      const x = torch.fromArray(new Int32Array([1, -4, 6, -8]), [2, 2]);
      expect(() => x.clamp_(-1, -2.5)).toThrow("result type Float can't be cast to the desired output type Int");
      expect(() => x.index(null, null).clamp_(-1.5, 2)).toThrow("can't be cast");
      expect(() => x.add_(0.5)).toThrow("can't be cast");
      expect(() => x.div_(2)).toThrow("can't be cast");
      expect(Array.from(x.toArray())).toEqual([1, -4, 6, -8]);
      x.clamp_(-1, 2);
      expect(Array.from(x.toArray())).toEqual([1, -1, 2, -1]);
    });

    test("in-place ops with grad recording give the same gradients as out of place", () => {
      torch.setBackend(backend);
      torch.manualSeed(1);
      const ops: [string, (t: torch.Tensor, w: torch.Tensor) => torch.Tensor][] = [
        ["add_", (t, w) => t.add_(w)],
        ["add_ alpha", (t, w) => t.add_(w, { alpha: 2 })],
        ["sub_", (t, w) => t.sub_(w)],
        ["mul_", (t, w) => t.mul_(w)],
        ["div_", (t, w) => t.div_(w.add(2))],
        ["clamp_", (t) => t.clamp_(0.3, 0.9)],

      ];
      const outOf: Record<string, (t: torch.Tensor, w: torch.Tensor) => torch.Tensor> = {
        "add_": (t, w) => t.add(w), "add_ alpha": (t, w) => t.add(w, { alpha: 2 }), "sub_": (t, w) => t.sub(w),
        "mul_": (t, w) => t.mul(w), "div_": (t, w) => t.div(w.add(2)), "clamp_": (t) => t.clamp(0.3, 0.9),
      };
      for (const [name, op] of ops) {
        for (const transpose of [false, true]) {
          const x0 = torch.rand(3, 4), w0 = torch.rand(3, 4);
          const run = (inplace: boolean) => {
            const x = x0.clone().requiresGrad_(true), w = w0.clone().requiresGrad_(true);
            let t = x.mul(1.5).sin();
            if (transpose) t = t.t().t();
            const r = inplace ? op(t, w) : outOf[name]!(t, w);
            r.mul(r).sum().backward();
            return [Array.from(r.toArray()), Array.from(x.grad!.toArray()), Array.from(w.grad?.toArray() ?? [])];
          };
          const [v1, gx1, gw1] = run(true), [v2, gx2, gw2] = run(false);
          close(v1!, v2!);
          close(gx1!, gx2!);
          close(gw1!, gw2!);
        }
      }
      // a view of a non-leaf changed in place still sends its gradient through the base
      const x = torch.rand(3, 4).requiresGrad_(true);
      const base = x.mul(2);
      base.index(1).mul_(3);
      base.t().index(0).add_(1);
      base.sum().backward();
      const g = Array.from(x.grad!.toArray());
      expect(g).toEqual([2, 2, 2, 2, 6, 6, 6, 6, 2, 2, 2, 2]);
    });

    test("backward accumulates into an existing .grad without a temporary of its size", () => {
      torch.setBackend(backend);
      const n = elementsForNewPeak(4), pBytes = n * 4;
      const p = torch.ones(n, { requiresGrad: true });
      // the first backward: p's product, its gradient and the new .grad (a new high-water mark)
      torch.tidy(() => p.mul(2).sum().backward());
      const before = torch.memory().bytesInUse;
      // the second: p's product and its gradient, added into .grad in place
      torch.tidy(() => p.mul(3).sum().backward());
      expect(torch.memory().peakBytes - before).toBeLessThan(2.5 * pBytes);
      expect(Array.from(p.grad!.toArray().subarray(0, 3))).toEqual([5, 5, 5]);
      expect(torch.memory().bytesInUse).toBe(before);
      p.grad = null;
      p.dispose();
    });

    // ---- 2. a disposed .grad -----------------------------------------------------------------

    test("a disposed .grad reads as null and the next backward starts a fresh grad", () => {
      torch.setBackend(backend);
      const a = torch.tensor([1, 2, 3], { requiresGrad: true });
      const b = torch.tensor([4, 5, 6], { requiresGrad: true });
      const loss = () => a.mul(b).sum().add(a.mul(a).sum());
      loss().backward();
      const fresh = Array.from(a.grad!.toArray());
      torch.dispose(a.grad);
      expect(a.grad).toBeNull();
      loss().backward();
      expect(Array.from(a.grad!.toArray())).toEqual(fresh);
      // b's grad accumulated twice
      expect(Array.from(b.grad!.toArray())).toEqual([2, 4, 6]);
      a.grad!.dispose();
      expect(a.grad).toBeNull();
      loss().backward();
      expect(Array.from(a.grad!.toArray())).toEqual(fresh);
      // a disposed retained grad of a non-leaf also reads as null
      const y = a.mul(2);
      y.retainGrad();
      y.sum().backward();
      y.grad!.dispose();
      expect(y.grad).toBeNull();
      a.grad = null;
      b.grad = null;
    });

    test("optimizers skip a param whose grad was disposed and update the rest", () => {
      torch.setBackend(backend);
      const makers = [
        (ps: torch.Tensor[]) => new torch.optim.SGD(ps, { lr: 0.1 }),
        (ps: torch.Tensor[]) => new torch.optim.SGD(ps, { lr: 0.1, momentum: 0.9 }),
        (ps: torch.Tensor[]) => new torch.optim.Adam(ps, { lr: 0.1 }),
      ];
      // drop a grad by disposing it, or (the reference) by setting it to null
      const run = (make: (typeof makers)[number], dispose: boolean) => {
        const p1 = torch.tensor([1, 2], { requiresGrad: true });
        const p2 = torch.tensor([3, 4], { requiresGrad: true });
        const p3 = torch.tensor([5, 6], { requiresGrad: true });
        const opt = make([p1, p2, p3]);
        const drop = (p: torch.Tensor) => { if (dispose) torch.dispose(p.grad); else p.grad = null; };
        p1.mul(p2).mul(p3).sum().backward();
        drop(p2);
        expect(() => opt.step()).not.toThrow();
        const first = [p1, p2, p3].map((p) => Array.from(p.toArray()));
        expect(first[1]).toEqual([3, 4]); // p2 skipped
        expect(first[0]).not.toEqual([1, 2]);
        expect(first[2]).not.toEqual([5, 6]);
        expect(() => opt.zeroGrad({ setToNone: false })).not.toThrow();
        drop(p1);
        expect(() => opt.zeroGrad({ setToNone: false })).not.toThrow();
        p1.mul(p2).mul(p3).sum().backward();
        drop(p3);
        expect(() => opt.step()).not.toThrow();
        const second = [p1, p2, p3].map((p) => Array.from(p.toArray()));
        opt.zeroGrad();
        expect(p1.grad).toBeNull();
        return [first, second];
      };
      for (const make of makers) expect(run(make, true)).toEqual(run(make, false));
    });
  });
}
