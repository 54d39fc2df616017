/** The engine shapes each rule's gradients (PyTorch's validate_outputs), on both backends. */
import { describe, expect, test } from "vitest";
import * as torch from "../src/index.js";
import { record, rule } from "../src/ops/core.js";

const list = (t: torch.Tensor | null | undefined) => Array.from(t!.toArray());

for (const backend of ["wasm", "js"] as const) {
  describe(`validateOutputs (${backend})`, () => {
    const setup = () => { torch.setBackend(backend); torch.setGradEnabled(true); };

    /** An op recorded with `math` as its rule: `out` takes x's values, x is its only input. */
    const recordedWith = (name: string, x: torch.Tensor, grad: (g: torch.Tensor) => torch.Tensor) => {
      const out = torch.noGrad(() => x.mul(1));
      return record(out, rule(name, (g) => [grad(g)]), [x], null);
    };

    test("a gradient of a broadcast shape is summed to the input's shape", () => {
      setup();
      const x = torch.tensor([1, 2, 3], { requiresGrad: true });
      recordedWith("MulBackward0", x, (g) => g.expand([2, 3])).sum().backward();
      expect(list(x.grad)).toEqual([2, 2, 2]);
    });

    test("a gradient that cannot be summed to the input's shape is PyTorch's error", () => {
      setup();
      const x = torch.zeros([3, 4], { requiresGrad: true });
      const y = recordedWith("MulBackward0", x, () => torch.ones([2, 3]));
      expect(() => y.sum().backward()).toThrow(
        "Function MulBackward0 returned an invalid gradient at index 0 - got [2, 3] but expected shape compatible with [3, 4]",
      );
    });

    test("a gradient is cast to the input's dtype", () => {
      setup();
      const x = torch.tensor([1, 2], { requiresGrad: true });
      recordedWith("MulBackward0", x, (g) => g.to("float64")).sum().backward();
      expect(x.grad!.dtype).toBe("float32");
    });

    test("under createGraph the summing is recorded, so it can be differentiated again", () => {
      setup();
      const x = torch.tensor([1, 2, 3], { requiresGrad: true });
      const w = torch.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
      const [gx] = torch.autograd.grad([x.mul(w).sum()], [x], { createGraph: true });
      expect(list(gx)).toEqual([5, 7, 9]);
      expect(gx!.requiresGrad).toBe(true);
      const [gw] = torch.autograd.grad([gx!.mul(torch.tensor([1, 10, 100])).sum()], [w]);
      expect(list(gw)).toEqual([1, 10, 100, 1, 10, 100]);
    });
  });
}
