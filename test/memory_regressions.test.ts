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
  });
}
