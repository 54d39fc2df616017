/** torch.utils.checkpoint and anomaly mode (torch.autograd.detectAnomaly), both backends. */
import { describe, expect, test, vi } from "vitest";
import * as torch from "../src/index.js";

type T = torch.Tensor;
const close = (a: T | null, b: T | null, tol = 1e-6) => {
  expect(a).not.toBeNull();
  expect(b).not.toBeNull();
  expect(a!.shape).toEqual(b!.shape);
  const d = torch.tidy(() => a!.sub(b!).abs().max().item() as number);
  expect(d).toBeLessThanOrEqual(tol);
};

for (const backend of ["wasm", "js"] as const) {
  describe(`utils.checkpoint [${backend}]`, () => {
    test("an MLP block: the same output and gradients (inputs and the block's parameters) as the plain block", () => {
      torch.setBackend(backend);
      torch.manualSeed(3);
      const lin1 = new torch.nn.Linear(6, 16), lin2 = new torch.nn.Linear(16, 4);
      const block = (h: T) => lin2.call(torch.nn.functional.relu(lin1.call(h)));
      const x = torch.randn([5, 6], { requiresGrad: true });
      const params = [...lin1.parameters(), ...lin2.parameters()];

      const plain = block(x);
      plain.pow(2).sum().backward();
      const want = [x, ...params].map((p) => p.grad!.clone());
      [x, ...params].forEach((p) => { p.grad = null; });

      const y = torch.utils.checkpoint(block, x);
      expect(y.gradFn!.name()).toBe("CheckpointFunctionBackward");
      close(y, plain);
      y.pow(2).sum().backward();
      [x, ...params].forEach((p, i) => close(p.grad, want[i]!, 1e-5));
    });

    test("a chain of rules that save their outputs (exp, tanh, sigmoid); several inputs and a number", () => {
      torch.setBackend(backend);
      const fn = (a: T, b: T, k: number) => a.exp().mul(b).tanh().sigmoid().mul(k);
      const a = torch.tensor([0.5, -1, 2], { requiresGrad: true });
      const b = torch.tensor([1.5, 0.25, -0.75], { requiresGrad: true });
      fn(a, b, 3).sum().backward();
      const [ga, gb] = [a.grad!.clone(), b.grad!.clone()];
      a.grad = null; b.grad = null;
      torch.utils.checkpoint(fn, a, b, 3).sum().backward();
      close(a.grad, ga);
      close(b.grad, gb);
    });

    test("a parameter used inside the checkpoint and outside it (the inner backward runs inside the outer)", () => {
      torch.setBackend(backend);
      const w = torch.tensor([1.5, 0.25, -0.75], { requiresGrad: true });
      const x = torch.tensor([0.5, -1, 2], { requiresGrad: true });
      const fn = (t: T) => t.mul(w).tanh().mul(w);
      const loss = (y: T) => y.mul(torch.tensor([1, 2, 3])).sum().add(w.mul(w).sum());
      loss(fn(x)).backward();
      const [gw, gx] = [w.grad!.clone(), x.grad!.clone()];
      w.grad = null; x.grad = null;
      loss(torch.utils.checkpoint(fn, x)).backward();
      close(w.grad, gw);
      close(x.grad, gx);
      // PyTorch 1.13: w.grad = [4.082588, -0.459845, -5.028625]
      close(w.grad, torch.tensor([4.082588, -0.459845, -5.028625]), 1e-5);
    });

    test("keeps only its inputs: the intermediates are not saved", () => {
      torch.setBackend(backend);
      const x = torch.randn([100_000], { requiresGrad: true });
      const fn = (t: T) => { let h = t; for (let i = 0; i < 8; i++) h = h.exp().sub(1); return h; };
      const base = torch.memory().bytesInUse;
      const plain = torch.tidy(() => fn(x));     // tidy frees the intermediates nothing saved
      const plainBytes = torch.memory().bytesInUse - base;
      const y = torch.tidy(() => torch.utils.checkpoint(fn, x));
      const ckptBytes = torch.memory().bytesInUse - base - plainBytes;
      // the plain chain keeps every exp's output (and the intermediates); checkpoint keeps its output
      expect(ckptBytes).toBeLessThanOrEqual(400_000);
      expect(plainBytes).toBeGreaterThanOrEqual(8 * 400_000);
      torch.dispose([plain, y, x]);
    });

    test("no input requiring grad: PyTorch's warning; an output with no grad: PyTorch's error in backward", () => {
      torch.setBackend(backend);
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      try {
        const w = torch.ones(3, { requiresGrad: true });
        const y = torch.utils.checkpoint((t: T) => t.mul(w), torch.ones(3));
        expect(warn).toHaveBeenCalledWith("None of the inputs have requires_grad=True. Gradients will be None");
        expect(y.requiresGrad).toBe(false);
      } finally {
        warn.mockRestore();
      }
      const x = torch.ones(3, { requiresGrad: true });
      const z = torch.utils.checkpoint((t: T) => t.detach().mul(2), x);
      expect(() => z.sum().backward()).toThrow("none of output has requires_grad=True, this checkpoint() is not necessary");
    });
  });

  describe(`anomaly mode [${backend}]`, () => {
    test("a NaN gradient throws PyTorch's error naming the node, with the forward op's stack", () => {
      torch.setBackend(backend);
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      try {
        expect(torch.autograd.isAnomalyEnabled()).toBe(false);
        expect(() => torch.autograd.detectAnomaly(() => {
          expect(torch.autograd.isAnomalyEnabled()).toBe(true);
          const x = torch.tensor([-1, 4], { requiresGrad: true });
          x.sqrt().sum().backward();
        })).toThrow("Function 'SqrtBackward0' returned nan values in its 0th output.");
        expect(torch.autograd.isAnomalyEnabled()).toBe(false);
        const msg = String(warn.mock.calls.at(-1)?.[0]);
        expect(msg).toContain("Error detected in SqrtBackward0. Traceback of forward call that caused the error:");
        expect(msg).toContain("checkpoint_anomaly.test.ts");
      } finally {
        warn.mockRestore();
      }
    });

    test("off: the same program gives NaN gradients without an error; setDetectAnomaly turns it on and off", () => {
      torch.setBackend(backend);
      const x = torch.tensor([-1, 4], { requiresGrad: true });
      x.sqrt().sum().backward();
      expect(Number.isNaN(x.grad!.toArray()[0])).toBe(true);
      expect(x.grad!.toArray()[1]).toBe(0.25);
      torch.autograd.setDetectAnomaly(true);
      try {
        expect(torch.autograd.isAnomalyEnabled()).toBe(true);
        const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
        try {
          const y = torch.tensor([0.0], { requiresGrad: true });
          // 0 * log(0): the forward is NaN, and so is LogBackward0's gradient
          expect(() => y.log().mul(y).sum().backward()).toThrow(/returned nan values in its \d+th output/);
        } finally {
          warn.mockRestore();
        }
      } finally {
        torch.autograd.setDetectAnomaly(false);
      }
      expect(torch.autograd.isAnomalyEnabled()).toBe(false);
      expect(() => torch.autograd.setDetectAnomaly("yes" as never)).toThrow(TypeError);
      expect(() => torch.autograd.detectAnomaly((async () => {}) as never)).toThrow(/synchronous/);
    });
  });
}

describe("error hints: PyTorch's text, then the TypeScript spelling", () => {
  test("backward twice, and a saved tensor changed in place", () => {
    const x = torch.ones(2, { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    let msg = "";
    try { y.backward(); } catch (e) { msg = (e as Error).message; }
    expect(msg).toContain("Specify retain_graph=True if you need to backward through the graph a second time");
    expect(msg).toMatch(/Specify retain_graph=True.*\(In wasmgrad: backward\(undefined, \{ retainGraph: true \}\)/s);
    const a = torch.ones(2, { requiresGrad: true });
    const b = a.mul(1).exp();
    b.add_(1);
    msg = "";
    try { b.sum().backward(); } catch (e) { msg = (e as Error).message; }
    expect(msg).toMatch(/set_detect_anomaly\(True\)\. \(In wasmgrad: torch\.autograd\.setDetectAnomaly\(true\)/);
  });
});
