/**
 * Code written as PyTorch code is written (no tidy, no dispose) runs in bounded memory:
 * the wasm backend keeps tensor storage in linear memory under a budget and moves what
 * was used least recently out to the JS heap (src/residency.ts). The long loops run in a
 * child process each, so the Wasm heap they report is theirs alone.
 */
import { describe, expect, test } from "vitest";
import * as torch from "../src/index.js";
import { memoryCache } from "../src/storage.js";
import { backendByName } from "../src/backend/registry.js";

const MiB = 1024 * 1024;
const linearMemory = () => memoryCache(backendByName("wasm"));

describe("memory budget (wasm)", () => {
  test("storage past the budget moves to the JS heap and back, values intact", () => {
    torch.setBackend("wasm");
    torch.setMemoryBudget(1 * MiB);
    try {
      const spills0 = linearMemory().spills, restores0 = linearMemory().restores;
      const ts = Array.from({ length: 10 }, (_, i) => torch.full([100_000], i));  // 400 KB each
      const m = torch.memory();
      // two fit in the budget; the last few uses are protected (an op's operands stay put)
      expect(m.spilledBytes).toBeGreaterThanOrEqual(4 * 400_000);
      expect(linearMemory().spills - spills0).toBeGreaterThanOrEqual(4);
      // reading the first (spilled) tensors brings them back; others move out in turn
      for (let i = 0; i < 10; i++) {
        const s = ts[i]!.sum().item() as number;
        expect(s).toBe(i * 100_000);
      }
      expect(linearMemory().restores - restores0).toBeGreaterThanOrEqual(7);
      // spilled tensors take part in ops, autograd and in-place changes like resident ones
      const w = torch.randn([100_000], { requiresGrad: true });
      const y = w.mul(ts[0]!).add(ts[9]!).mul(w).sum();
      y.backward();
      // y = sum((w * 0 + 9) * w): dy/dw = 2 * 0 * w + 9
      expect(w.grad!.sub(9).abs().max().item()).toBe(0);
      ts[3]!.add_(1);
      expect(ts[3]!.sum().item()).toBe(4 * 100_000);
      const before = torch.memory();
      torch.dispose([ts, w, y]);
      const after = torch.memory();
      expect(after.spilledBytes).toBeLessThan(before.spilledBytes);
      expect(after.bytesInUse).toBeLessThan(before.bytesInUse - 10 * 400_000);
    } finally {
      torch.setMemoryBudget(256 * MiB);
    }
  });

  test("disposing spilled storage takes its bytes off the counts at once", () => {
    torch.setBackend("wasm");
    torch.setMemoryBudget(0);
    try {
      for (let i = 0; i < 10; i++) torch.ones(4).dispose(); // older blocks leave the protected set and move out
      const m0 = torch.memory();
      const ts = Array.from({ length: 8 }, () => torch.ones(50_000));
      expect(torch.memory().spilledBytes - m0.spilledBytes).toBeGreaterThan(0);
      torch.dispose(ts);
      const m1 = torch.memory();
      expect(m1.spilledBytes).toBe(m0.spilledBytes);
      expect(m1.bytesInUse).toBe(m0.bytesInUse);
      expect(m1.tensors).toBe(m0.tensors);
    } finally {
      torch.setMemoryBudget(256 * MiB);
    }
  });

  test("setMemoryBudget rejects what is not a byte count", () => {
    for (const bad of [-1, NaN, Infinity, "1" as unknown as number, undefined as unknown as number]) {
      expect(() => torch.setMemoryBudget(bad)).toThrow(/setMemoryBudget\(\): bytes must be a non-negative finite number/);
    }
  });
});
