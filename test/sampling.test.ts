/**
 * randint, randperm, multinomial and oneHot: what the PyTorch cases cannot check because the
 * random streams differ (test/oracle has their shapes, dtypes and errors): determinism under
 * manualSeed on both backends, ranges, permutations, and the distributions (with a fixed seed,
 * so the counts are the same every run; the bounds are several standard deviations wide).
 */
import { describe, expect, test } from "vitest";
import * as torch from "../src/index.js";

const BACKENDS = ["wasm", "js"] as const;

/** Every draw of the four samplers after manualSeed(seed). */
function draws(seed: number): unknown {
  torch.manualSeed(seed);
  const p = torch.tensor([0.1, 0.2, 0.3, 0.4]);
  return {
    randint: torch.randint(-5, 5, [20]).tolist(),
    randintHigh: torch.randint(7, [3, 4]).tolist(),
    randperm: torch.randperm(15).tolist(),
    without: torch.multinomial(p, 3).tolist(),
    withRepl: torch.multinomial(p, 12, true).tolist(),
    rows: torch.multinomial(torch.tensor([[1, 2, 3], [3, 2, 1]]), 2).tolist(),
  };
}

describe("sampling: determinism under manualSeed", () => {
  test("the same seed gives the same numbers, on both backends; another seed other numbers", () => {
    torch.setBackend("wasm");
    const a = draws(42);
    torch.setBackend("js");
    const b = draws(42);
    expect(b).toEqual(a);
    expect(draws(42)).toEqual(a);
    expect(draws(43)).not.toEqual(a);
  });
});

for (const backend of BACKENDS) {
  describe(`sampling [${backend}]`, () => {
    test("randint stays in [low, high), reaches both ends, and is about uniform", () => {
      torch.setBackend(backend);
      torch.manualSeed(5);
      const n = 60000;
      const v = torch.randint(-3, 3, [n]).toArray();
      const counts = new Map<number, number>();
      for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2]);
      for (const c of counts.values()) expect(Math.abs(c - n / 6)).toBeLessThan(5 * Math.sqrt(n / 6));
      const f = torch.randint(0, 4, [10], { dtype: "float64" });
      expect(f.dtype).toBe("float64");
      expect(Array.from(f.toArray()).every((x) => Number.isInteger(x) && x >= 0 && x < 4)).toBe(true);
    });

    test("randint over a wide int32 range", () => {
      torch.setBackend(backend);
      torch.manualSeed(6);
      const v = torch.randint(-2147483648, 2147483647, [1000]).toArray();
      expect(Math.min(...v)).toBeLessThan(-1e9);
      expect(Math.max(...v)).toBeGreaterThan(1e9);
      expect(() => torch.randint(0, 2 ** 31 + 1, [2])).toThrow("to - 1 is out of bounds for int");
    });

    test("randperm is a permutation, and every position sees every value", () => {
      torch.setBackend(backend);
      torch.manualSeed(7);
      const first = new Set<number>();
      for (let k = 0; k < 200; k++) {
        const p = Array.from(torch.randperm(10).toArray());
        expect([...p].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        first.add(p[0]!);
      }
      expect(first.size).toBe(10);
    });

    test("multinomial with replacement follows the weights and never picks a zero weight", () => {
      torch.setBackend(backend);
      torch.manualSeed(8);
      const w = [1, 0, 2, 7];
      const n = 40000;
      const counts = [0, 0, 0, 0];
      for (const i of torch.multinomial(torch.tensor(w), n, true).toArray()) counts[i]!++;
      expect(counts[1]).toBe(0);
      w.forEach((wi, i) => {
        const p = wi / 10;
        expect(Math.abs(counts[i]! - n * p)).toBeLessThanOrEqual(5 * Math.sqrt(n * p * (1 - p)) + 1);
      });
    });

    test("multinomial without replacement: distinct indices; the first draw follows the weights", () => {
      torch.setBackend(backend);
      torch.manualSeed(9);
      const w = torch.tensor([[0.5, 0.25, 0.25, 0], [0.1, 0.1, 0.1, 0.7]], { dtype: "float64" });
      const firsts = [[0, 0, 0, 0], [0, 0, 0, 0]];
      const n = 4000;
      for (let k = 0; k < n; k++) {
        const s = w.multinomial(3).tolist() as number[][];
        s.forEach((row, r) => {
          expect(new Set(row).size).toBe(3);
          firsts[r]![row[0]!]!++;
        });
      }
      expect(firsts[0]![3]).toBe(0); // a zero weight is never drawn while others remain
      [[0.5, 0.25, 0.25, 0], [0.1, 0.1, 0.1, 0.7]].forEach((ps, r) => ps.forEach((p, i) => {
        expect(Math.abs(firsts[r]![i]! - n * p)).toBeLessThanOrEqual(5 * Math.sqrt(n * p * (1 - p)) + 1);
      }));
    });

    test("oneHot of a 2-D index tensor", () => {
      torch.setBackend(backend);
      const t = torch.tensor([[2, 0], [1, 1]], { dtype: "int32" });
      expect(torch.nn.functional.oneHot(t).tolist()).toEqual([[[0, 0, 1], [1, 0, 0]], [[0, 1, 0], [0, 1, 0]]]);
      expect(torch.nn.functional.oneHot(t, 4).shape).toEqual([2, 2, 4]);
    });
  });
}
