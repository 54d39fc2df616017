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
      (() => { for (let i = 0; i < 500; i++) torch.ones(64).mul(2); })();
      await collectUntil(() => torch.memory().tensors <= before.tensors);
      expect(torch.memory().tensors).toBe(before.tensors);
      expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
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
      (() => { for (let i = 0; i < 500; i++) torch.ones(64).mul(2); })();
      await collectUntil(() => torch.memory().tensors <= before.tensors);
      expect(torch.memory().tensors).toBe(before.tensors);
      expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
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
      (() => { for (let i = 0; i < 500; i++) torch.ones(64).mul(2); })();
      await collectUntil(() => torch.memory().tensors <= before.tensors);
      expect(torch.memory().tensors).toBe(before.tensors);
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
