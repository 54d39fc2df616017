/** Memory ownership: dispose, tidy, eager frees in backward, OOM recovery, no leaks in loops. */
import { describe, expect, test } from "vitest";
import * as torch from "../src/index.js";

for (const backend of ["wasm", "js"] as const) {
  describe(`memory [${backend}]`, () => {
    test("dispose frees at once and later use throws", () => {
      torch.setBackend(backend);
      const before = torch.memory();
      const t = torch.ones(1000);
      expect(torch.memory().bytesInUse - before.bytesInUse).toBe(4000);
      t.dispose();
      expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
      expect(torch.memory().tensors).toBe(before.tensors);
      expect(() => t.add(1)).toThrow("tensor was disposed");
      expect(() => t.toArray()).toThrow("tensor was disposed");
    });

    test("disposing a view keeps the base's storage", () => {
      torch.setBackend(backend);
      const base = torch.arange(0, 6, { dtype: "float32" }).reshape(2, 3);
      const v = base.transpose(0, 1);
      v.dispose();
      expect(Array.from(base.toArray())).toEqual([0, 1, 2, 3, 4, 5]);
    });

    test("tidy keeps only its result (tensor, array or object), tidies nest", () => {
      torch.setBackend(backend);
      const before = torch.memory();
      const { a, list } = torch.tidy(() => {
        const x = torch.ones(10).mul(2).add(1);
        const inner = torch.tidy(() => [x.exp(), x.log().mul(3)]);
        return { a: x.sum(), list: inner };
      });
      expect(a.item()).toBe(30);
      expect(list.length).toBe(2);
      expect(torch.memory().tensors - before.tensors).toBe(3);
      torch.dispose([a, list]);
      expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
    });

    test("a training loop in tidy does not grow memory; grads of outside tensors survive", () => {
      torch.setBackend(backend);
      torch.manualSeed(1);
      const w = torch.randn(8, 4, { requiresGrad: true });
      const x = torch.randn(16, 8);
      const target = torch.randn(16, 4);
      const step = () => torch.tidy(() => {
        const loss = x.matmul(w).sub(target).pow(2).mean();
        loss.backward();
        torch.noGrad(() => w.sub_(w.grad!.mul(0.1)));
        w.grad = null;
        return loss.item() as number;
      });
      const first = step();
      step();
      const settled = torch.memory();
      let last = first;
      for (let i = 0; i < 200; i++) last = step();
      const after = torch.memory();
      expect(last).toBeLessThan(first);
      expect(after.bytesInUse).toBe(settled.bytesInUse);
      expect(after.tensors).toBe(settled.tensors);
      if (backend === "wasm") expect(after.wasmHeapBytes).toBe(settled.wasmHeapBytes);
    });

    test("backward frees what it makes for itself (saved tensors, temporaries)", () => {
      torch.setBackend(backend);
      const x = torch.randn(100, { requiresGrad: true });
      const before = torch.memory();
      const loss = torch.tidy(() => x.exp().mul(x).sin().sum());
      loss.backward();
      // left: loss and x.grad (and nothing saved by the graph)
      expect(torch.memory().bytesInUse - before.bytesInUse).toBe(4 + 400);
      loss.dispose();
      x.grad = null;
    });

    test("composite ops (softmax, var, logsumexp, norm, batched matmul) leave no temporaries", () => {
      torch.setBackend(backend);
      const x = torch.randn(2, 4, 5, { requiresGrad: true });
      const w = torch.randn(5, 3);
      const before = torch.memory();
      const outs = [x.softmax(1), x.logSoftmax(2), x.var(1), x.std(), x.logsumexp(2), x.norm(), x.norm(3), x.matmul(w)];
      expect(torch.memory().tensors - before.tensors).toBe(outs.length);
      torch.tidy(() => torch.stack(outs.map((o) => o.sum())).sum().backward());
      torch.dispose(outs);
      x.grad = null;
      expect(torch.memory().tensors).toBe(before.tensors);
      expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
    });

    test("a graph recorded in tidy but never backpropagated frees its saved tensors at once", () => {
      torch.setBackend(backend);
      const w = torch.randn(256, { requiresGrad: true });
      const x = torch.randn(256);
      const before = torch.memory();
      for (let i = 0; i < 50; i++) torch.tidy(() => x.mul(w).exp().sum().item());
      expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
      // what tidy returns keeps its graph: backward still works afterwards
      const loss = torch.tidy(() => x.mul(w).exp().sum());
      loss.backward();
      const g = w.grad!;
      expect(g.shape).toEqual([256]);
      loss.dispose();
      w.grad = null;   // a grad someone was given is not freed behind their back...
      expect(g.toArray().length).toBe(256);
      g.dispose();     // ...they free it (or a tidy around them does)
      expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
    });

    test("an allocation that cannot fit gives PyTorch's error and the library keeps working", () => {
      torch.setBackend(backend);
      expect(() => torch.zeros(2 ** 31)).toThrow(/not enough memory: you tried to allocate \d+ bytes/);
      expect(Array.from(torch.ones(3).add(1).toArray())).toEqual([2, 2, 2]);
    });
  });
}

test("wasm heap: views over memory stay valid after the memory grows", () => {
  torch.setBackend("wasm");
  const a = torch.arange(0, 1000, { dtype: "float32" });
  const big = torch.zeros(32 * 1024 * 1024); // 128 MiB: forces memory.grow
  const b = a.mul(2);
  expect(b.toArray()[999]).toBe(1998);
  expect(a.toArray()[10]).toBe(10);
  big.dispose();
  expect(torch.memory().wasmHeapBytes).toBeGreaterThan(128 * 1024 * 1024);
});

test("wasm outputs written without zero-filling never show stale memory", () => {
  const ops: [string, (t: typeof torch, a: torch.Tensor, b: torch.Tensor) => torch.Tensor][] = [
    ["exp", (_t, a) => a.exp()],
    ["add broadcast", (_t, a, b) => a.add(b.index(0))],
    ["where", (t, a, b) => t.where(a.gt(0), a, b)],
    ["sum dim", (_t, a) => a.sum(1)],
    ["mean", (_t, a) => a.mean(0, true)],
    ["max dim", (_t, a) => a.max(1).values],
    ["matmul", (_t, a, b) => a.matmul(b.t())],
    ["cat", (t, a, b) => t.cat([a, b], 1)],
    ["stack", (t, a, b) => t.stack([a, b], 0)],
    ["transpose copy", (_t, a) => a.t().contiguous()],
    ["cast", (_t, a) => a.double()],
  ];
  torch.manualSeed(3);
  torch.setBackend("js");
  const aj = torch.randn(6, 5), bj = torch.randn(6, 5);
  for (const [name, op] of ops) {
    const want = Array.from(op(torch, aj, bj).toArray());
    torch.setBackend("wasm");
    const a = torch.tensor(aj.toArray()).reshape(6, 5), b = torch.tensor(bj.toArray()).reshape(6, 5);
    for (const n of [want.length, want.length * 2]) torch.full([n], Number.NaN).dispose(); // poison the free list
    const got = Array.from(op(torch, a, b).toArray());
    got.forEach((v, i) => expect(Math.abs(v - want[i]!), `${name}[${i}]`).toBeLessThan(1e-5));
    torch.setBackend("js");
  }
});


test("a long loop inside one tidy that disposes as it goes keeps the scope's bookkeeping short", () => {
  torch.setBackend("wasm");
  const w = torch.randn(4, { requiresGrad: true });
  const before = torch.memory();
  torch.tidy(() => {
    for (let i = 0; i < 5000; i++) {
      torch.tidy(() => { w.mul(2).sum().backward(); });
      w.grad = null;                                  // freed at once (never handed out)
      torch.ones(3).dispose();
    }
    expect(torch.memory().tensors).toBe(before.tensors);
    expect(torch.memory().bytesInUse).toBe(before.bytesInUse);
  });
});
