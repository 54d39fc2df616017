/**
 * Blocks made by an elementwise kernel move out of linear memory without a copy: they are
 * dropped and recomputed from their inputs when read again (src/residency.ts, Recipe).
 * Every test pushes the blocks out with a small budget, then checks the values against an
 * independent computation on plain arrays, and the cache's counters to show which path ran.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as torch from "../src/index.js";
import { memoryCache } from "../src/storage.js";
import { backendByName } from "../src/backend/registry.js";

const MiB = 1024 * 1024;
const N = 100_000; // 400 KB of float32: large enough for a recipe
const cache = () => memoryCache(backendByName("wasm"));

/** Push everything made so far out of linear memory (the fillers are made without a recipe). */
function pushOut(): void {
  for (let i = 0; i < 12; i++) torch.zeros([N]);
}
function expectValues(t: torch.Tensor, expected: ArrayLike<number>, tol = 1e-6): void {
  const got = t.toArray() as Float32Array;
  expect(got.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  expect(worst).toBeLessThanOrEqual(tol);
}
const map = (a: ArrayLike<number>, f: (v: number, i: number) => number) => Float64Array.from(a, f);
/** How the tensor's storage left linear memory: dropped (to be recomputed) or copied out. */
const dropped = (t: torch.Tensor) => t._storage.block!.dropped;
const copiedOut = (t: torch.Tensor) => t._storage.block!.spilled !== null;

describe("dropped and recomputed blocks (wasm)", () => {
  beforeEach(() => { torch.setBackend("wasm"); torch.setMemoryBudget(2 * MiB); torch.manualSeed(3); });
  afterEach(() => torch.setMemoryBudget(256 * MiB));

  test("a chain of elementwise results is dropped, not copied, and reads back the same", () => {
    const x = torch.randn([N]);
    const xs = x.toArray();
    const a = x.mul(2), b = a.add(1), c = b.mul(x), d = c.tanh();
    const drops0 = cache().drops, rec0 = cache().recomputes;
    pushOut();
    expect(cache().drops - drops0).toBeGreaterThanOrEqual(4);
    // a..d cost no copy: none holds bytes on the JS heap
    for (const t of [a, b, c, d]) expect([dropped(t), copiedOut(t)]).toEqual([true, false]);
    // d needs c, which needs b and x, ...: recomputed recursively
    expectValues(d, map(xs, (v) => Math.tanh((2 * v + 1) * v)), 1e-6);
    expect(cache().recomputes - rec0).toBeGreaterThanOrEqual(4);
    expectValues(a, map(xs, (v) => 2 * v));
    expectValues(b, map(xs, (v) => 2 * v + 1));
  });

  test("an input written in place after its result was dropped: the result keeps the old values", () => {
    const x = torch.randn([N]);
    const xs = x.toArray();
    const y = x.mul(3);
    pushOut();
    expect(dropped(y)).toBe(true);
    x.add_(5);                                     // kernel write
    x.copy_(x.mul(2));                             // copy into it
    expectValues(y, map(xs, (v) => 3 * v));
    expectValues(x, map(xs, (v) => 2 * (v + 5)));
    // the same through .data and fill_
    const z = x.exp();
    const zs = map(x.toArray(), Math.exp);
    pushOut();
    expect(dropped(z)).toBe(true);
    x.data.fill_(0);
    expectValues(z, zs, 1e-6);
  });

  test("an input disposed after its result was dropped: the result keeps its values", () => {
    const x = torch.randn([N]);
    const xs = x.toArray();
    const y = x.sigmoid();
    pushOut();
    expect(dropped(y)).toBe(true);
    x.dispose();
    pushOut();
    expectValues(y, map(xs, (v) => 1 / (1 + Math.exp(-v))), 1e-6);
  });

  test("a dropped input that is written: brought back from its own recipe before the write", () => {
    const base = torch.randn([N]);
    const bs = base.toArray();
    const x = base.mul(2);     // recipe: base
    const y = x.add(1);        // recipe: x
    pushOut();
    expect([dropped(x), dropped(y)]).toEqual([true, true]);
    x.mul_(10);                // x is recomputed, kept for y, then written
    expectValues(y, map(bs, (v) => 2 * v + 1));
    expectValues(x, map(bs, (v) => 20 * v));
  });

  test("a result written in place loses its recipe: it is copied out, not dropped", () => {
    const x = torch.randn([N]);
    const xs = x.toArray();
    const y = x.mul(2);
    y.add_(1);
    pushOut();
    expect([dropped(y), copiedOut(y)]).toEqual([false, true]);
    expectValues(y, map(xs, (v) => 2 * v + 1));
  });

  test("results of views, broadcasts and numbers are recomputed with their strides", () => {
    const m = torch.randn([400, 250]);
    const ms = m.toArray();
    const row = torch.randn([250]);
    const rs = row.toArray();
    const t = m.t();                               // strided view
    const y = t.add(1);                            // [250, 400] from a transposed input
    const z = m.mul(row);                          // broadcast
    const w = m.gt(0.5);                           // bool result
    pushOut();
    expect([y, z, w].map(dropped)).toEqual([true, true, true]);
    expectValues(y, Float64Array.from({ length: 250 * 400 }, (_, k) => ms[(k % 400) * 250 + Math.floor(k / 400)]! + 1));
    expectValues(z, map(ms, (v, k) => v * rs[k % 250]!));
    expect(Array.from(w.toArray() as Uint8Array)).toEqual(Array.from(ms, (v) => (v > 0.5 ? 1 : 0)));
  });

  test("with no budget at all, an op reading several dropped inputs gets all of them", () => {
    torch.setMemoryBudget(0);
    const x = torch.randn([N]), xs = x.toArray();
    const a = x.mul(2), b = x.add(3), c = a.mul(b), d = c.sub(a).div(b);
    for (let i = 0; i < 3; i++) pushOut();
    const e = d.add(c).mul(a).sub(b);
    expectValues(e, map(xs, (v) => {
      const av = 2 * v, bv = v + 3, cv = av * bv;
      return ((cv - av) / bv + cv) * av - bv;
    }), 1e-5);
  });

  test("autograd through dropped results matches the closed form", () => {
    const x = torch.randn([N], { requiresGrad: true });
    const xs = x.detach().toArray();
    const y = x.mul(2).add(1).mul(x);   // saved: x, 2x+1
    pushOut();
    expect(dropped(y)).toBe(true);
    y.sum().backward();
    expectValues(x.grad!, map(xs, (v) => 4 * v + 1), 1e-5);
  });
});

describe("recipes keep a bounded history alive", () => {
  test("a state carried across 2,000 iterations without tidy (h = 0.9 h + c): values and JS heap bounded", () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", `
      import * as torch from "wasmgrad";
      let h = torch.zeros([1 << 20]);
      const c = torch.ones([1 << 20]);
      let peak = 0;
      for (let i = 0; i < 2000; i++) {
        h = h.mul(0.9).add(c);
        if (i % 100 === 0) { globalThis.gc(); peak = Math.max(peak, process.memoryUsage().arrayBuffers); }
      }
      const v = h.toArray();
      console.log(JSON.stringify({ peak, first: v[0], last: v[v.length - 1], heap: torch.memory().wasmHeapBytes }));
    `], { cwd: root, encoding: "utf8", timeout: 120_000 });
    const r = JSON.parse(out.trim().split("\n").at(-1)!);
    // h converges to c / (1 - 0.9) = 10
    expect(r.first).toBeCloseTo(10, 4);
    expect(r.last).toBeCloseTo(10, 4);
    // 4 MB per iteration, 8 GB in all: a kept h holds at most a few generations of its inputs
    expect(r.peak).toBeLessThan(128 * MiB);
    expect(r.heap).toBeLessThanOrEqual(256 * MiB);
  }, 120_000);
});
