/**
 * torch.nn.init and torch.nn.utils beyond the PyTorch cases (test/oracle: nn_init, clip_grad):
 * the random initialisers draw from wasmgrad's own stream, so what is checked is what does not
 * depend on it: bounds, means and standard deviations within sampling error, PyTorch's fan and
 * gain formulas, determinism under manualSeed and across backends, recording off, views written
 * through. clipGradNorm_ against a hand computation, and its argument forms.
 */
import { beforeEach, describe, expect, test } from "vitest";
import * as torch from "../src/index.js";
import { errorOf } from "./helpers/assert.js";

const { init, utils } = torch.nn;
type Tensor = torch.Tensor;

const values = (t: Tensor) => Array.from(t.toArray() as ArrayLike<number>);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => { const m = mean(xs); return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)); };

/** A sample std's relative error is about 1/sqrt(2n); 5 of those is a safe bound. */
function expectStd(xs: number[], want: number): void {
  expect(Math.abs(std(xs) / want - 1)).toBeLessThan(5 / Math.sqrt(2 * xs.length));
}
function expectMean(xs: number[], want: number, sd: number): void {
  expect(Math.abs(mean(xs) - want)).toBeLessThan(5 * sd / Math.sqrt(xs.length));
}

for (const backend of ["wasm", "js"] as const) {
  describe(`nn.init [${backend}]`, () => {
    beforeEach(() => {
      torch.setBackend(backend);
      torch.manualSeed(1);
      torch.setGradEnabled(true);
    });

    test("uniform_: inside [a, b), spread over it, mean and std of U(a, b)", () => {
      const w = torch.empty(200, 100);
      expect(init.uniform_(w, -0.5, 1.5)).toBe(w);
      const xs = values(w);
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(-0.5);
      expect(Math.max(...xs)).toBeLessThan(1.5);
      expect(Math.min(...xs)).toBeLessThan(-0.49);
      expect(Math.max(...xs)).toBeGreaterThan(1.49);
      expectMean(xs, 0.5, 2 / Math.sqrt(12));
      expectStd(xs, 2 / Math.sqrt(12));
      // defaults U(0, 1), and the options form
      expect(Math.min(...values(init.uniform_(torch.empty(1000))))).toBeGreaterThanOrEqual(0);
      const o = values(init.uniform_(torch.empty(1000), { a: 2, b: 3 }));
      expect(Math.min(...o) >= 2 && Math.max(...o) < 3).toBe(true);
    });

    test("normal_: mean and std, float64 too", () => {
      for (const dtype of ["float32", "float64"] as const) {
        const xs = values(init.normal_(torch.empty([20000], { dtype }), 3, 0.5));
        expectMean(xs, 3, 0.5);
        expectStd(xs, 0.5);
      }
      expectStd(values(init.normal_(torch.empty(20000), { std: 2 })), 2);
    });

    test("xavier and kaiming: PyTorch's fans and gains", () => {
      expect(init.calculateFanInAndFanOut(torch.empty(8, 4, 3, 3))).toEqual([36, 72]);
      expect(init.calculateFanInAndFanOut(torch.empty(5, 7))).toEqual([7, 5]);
      expect(init.calculateGain("leaky_relu")).toBeCloseTo(Math.sqrt(2 / (1 + 1e-4)), 15);
      expect(init.calculateGain("leaky_relu", Math.sqrt(5))).toBeCloseTo(Math.sqrt(2 / 6), 15);
      expect(init.calculateGain("tanh")).toBe(5 / 3);

      const conv = torch.empty(64, 16, 3, 3); // fan_in 144, fan_out 576
      const xu = values(init.xavierUniform_(conv, 2));
      const xuBound = 2 * Math.sqrt(6 / (144 + 576));
      expect(Math.max(...xu.map(Math.abs))).toBeLessThanOrEqual(xuBound);
      expect(Math.max(...xu.map(Math.abs))).toBeGreaterThan(0.99 * xuBound);
      expectStd(values(init.xavierNormal_(conv, { gain: 0.5 })), 0.5 * Math.sqrt(2 / (144 + 576)));

      const ku = values(init.kaimingUniform_(conv, { a: Math.sqrt(5) })); // nn.Linear's and nn.Conv2d's init
      const kuBound = Math.sqrt(3) * Math.sqrt(2 / 6) / Math.sqrt(144);
      expect(kuBound).toBeCloseTo(1 / Math.sqrt(144), 15);
      expect(Math.max(...ku.map(Math.abs))).toBeLessThanOrEqual(kuBound);
      expect(Math.max(...ku.map(Math.abs))).toBeGreaterThan(0.99 * kuBound);
      expectStd(values(init.kaimingNormal_(conv, { mode: "fan_out", nonlinearity: "relu" })), Math.sqrt(2) / Math.sqrt(576));
      expectStd(values(init.kaimingNormal_(conv, 0, "FAN_IN", "relu")), Math.sqrt(2) / Math.sqrt(144)); // positional, mode any case
      expectStd(values(init.kaimingUniform_(conv)), Math.sqrt(2 / (1 + 0)) / Math.sqrt(144)); // defaults: a = 0, leaky_relu, fan_in
    });

    test("the same numbers under the same seed, on both backends", () => {
      torch.manualSeed(5);
      const a = values(init.kaimingUniform_(torch.empty(4, 3)));
      torch.setBackend(backend === "wasm" ? "js" : "wasm");
      torch.manualSeed(5);
      const b = values(init.kaimingUniform_(torch.empty(4, 3)));
      expect(b).toEqual(a);
      torch.manualSeed(6);
      expect(values(init.kaimingUniform_(torch.empty(4, 3)))).not.toEqual(a);
    });

    test("recording off: a parameter stays a leaf with its grad path; views are written through", () => {
      const lin = new torch.nn.Linear(3, 2);
      const w = lin.weight;
      const v0 = values(w);
      init.xavierUniform_(w);
      expect(w.isLeaf).toBe(true);
      expect(w.gradFn).toBeNull();
      expect(values(w)).not.toEqual(v0);
      lin.call(torch.ones(1, 3)).sum().backward();
      expect(values(w.grad!)).toEqual([1, 1, 1, 1, 1, 1]);

      const base = torch.zeros(3, 4);
      init.constant_(base.t(), 2); // a non-contiguous view
      expect(values(base)).toEqual(new Array(12).fill(2));
      init.uniform_(base.index(null, [1, 3]), 5, 6);
      const rows = base.tolist() as number[][];
      for (const r of rows) {
        expect(r[0]).toBe(2);
        expect(r[3]).toBe(2);
        expect(r[1]! >= 5 && r[1]! < 6 && r[2]! >= 5 && r[2]! < 6).toBe(true);
      }
      const before = torch.memory().tensors;
      init.normal_(base);
      init.kaimingUniform_(base);
      expect(torch.memory().tensors).toBe(before); // the draws are freed
    });

    test("argument forms and errors", () => {
      const w = torch.empty(2, 2);
      expect(errorOf(() => init.uniform_(w, 0, { a: 1 } as never))).toBe("uniform_() got multiple values for argument 'a'");
      expect(errorOf(() => init.uniform_(w, { c: 1 } as never))).toBe("uniform_() got an unexpected keyword argument 'c'");
      expect(errorOf(() => init.uniform_(w, 0, 1, 2 as never))).toBe("uniform_() takes from 1 to 3 positional arguments but 4 were given");
      expect(errorOf(() => init.normal_(w, "x" as never))).toBe("normal_(): argument 'mean' must be Number, not str");
      expect(errorOf(() => init.uniform_([1, 2] as never))).toBe("uniform_(): argument 'tensor' (position 1) must be Tensor, not list");
      expect(errorOf(() => init.uniform_(torch.empty(2, { dtype: "float64" }), NaN, 1))).toBe("from is out of bounds for double");
      expect(errorOf(() => init.uniform_(w, 1e39, 1e40))).toBe("from is out of bounds for float");
      expect(errorOf(() => init.normal_(w, 0, 1e-7 * -1))).toBe("normal expects std >= 0.0, but found std -1e-07");
      expect(errorOf(() => init.constant_(w, "1" as never))).toBe("constant_(): argument 'val' (position 2) must be Number, not str");
      expect(errorOf(() => init.kaimingUniform_(w, { mode: 3 } as never))).toBe("kaiming_uniform_(): argument 'mode' must be str, not int");
      expect(errorOf(() => init.calculateGain(3 as never))).toBe("calculate_gain(): argument 'nonlinearity' (position 1) must be str, not int");
    });
  });

  describe(`nn.utils [${backend}]`, () => {
    beforeEach(() => { torch.setBackend(backend); });

    const withGrads = () => {
      const a = torch.tensor([3, -4], { requiresGrad: true }), b = torch.tensor([[12]], { requiresGrad: true }), c = torch.tensor([1], { requiresGrad: true });
      a.mul(a.detach()).sum().add(b.mul(b.detach()).sum()).backward(); // grads: a -> [3, -4], b -> [[12]]
      return { a, b, c };
    };

    test("clipGradNorm_: total norm over all gradients, scale min(1, max / (total + 1e-6))", () => {
      const { a, b, c } = withGrads();
      const n = utils.clipGradNorm_([a, b, c], 6.5);
      expect(n.shape).toEqual([]);
      expect(n.item()).toBeCloseTo(13, 5);
      const k = 6.5 / (13 + 1e-6);
      expect(values(a.grad!).map((x) => x / k)).toEqual([expect.closeTo(3, 4), expect.closeTo(-4, 4)]);
      expect(values(b.grad!)[0]! / k).toBeCloseTo(12, 4);
      expect(c.grad).toBeNull();
      const again = utils.clipGradNorm_([a, b], 100); // under the limit: unchanged
      expect(again.item()).toBeCloseTo(6.5, 4);
      expect(values(a.grad!)[0]).toBeCloseTo(3 * k, 6);
    });

    test("clipGradNorm_: norm types, positional forms, a generator of parameters, clipGradValue_", () => {
      let g = withGrads();
      expect(utils.clipGradNorm_(g.a, 1000, 1).item()).toBe(7);
      g = withGrads();
      expect(utils.clipGradNorm_([g.a, g.b], 1000, "inf").item()).toBe(12);
      g = withGrads();
      expect(utils.clipGradNorm_([g.a, g.b], 1000, { normType: Infinity, errorIfNonfinite: true }).item()).toBe(12);
      g = withGrads();
      const params = function* () { yield g.a; yield g.b; };
      expect(utils.clipGradNorm_(params(), 1000, 3).item()).toBeCloseTo((27 + 64 + 1728) ** (1 / 3), 4);
      g = withGrads();
      utils.clipGradValue_([g.a, g.b, g.c], 3.5);
      expect(values(g.a.grad!)).toEqual([3, -3.5]);
      expect(values(g.b.grad!)).toEqual([3.5]);
      expect(utils.clipGradNorm_([], 1).item()).toBe(0);
    });

    test("clipGradNorm_: errors", () => {
      const { a } = withGrads();
      expect(errorOf(() => utils.clipGradNorm_(5 as never, 1))).toBe("clip_grad_norm_(): argument 'parameters' (position 1) must be a Tensor or an iterable of Tensors, not int");
      expect(errorOf(() => utils.clipGradNorm_([a, 1] as never, 1))).toBe("clip_grad_norm_(): parameters[1] must be a Tensor, not int");
      expect(errorOf(() => utils.clipGradNorm_([a], "1" as never))).toBe("clip_grad_norm_(): argument 'max_norm' (position 2) must be Number, not str");
      expect(errorOf(() => utils.clipGradNorm_([a], 1, "2" as never))).toBe("clip_grad_norm_(): argument 'norm_type' (position 3) must be a Number or \"inf\", not str");
      expect(errorOf(() => utils.clipGradNorm_([a], 1, 2, { normType: 2 }))).toBe("clip_grad_norm_() got multiple values for argument 'norm_type'");
      expect(errorOf(() => utils.clipGradNorm_([a], 1, { p: 2 } as never))).toBe("clip_grad_norm_() got an unexpected keyword argument 'p'");
      expect(errorOf(() => utils.clipGradValue_([a], null as never))).toBe("clip_grad_value_(): argument 'clip_value' (position 2) must be Number, not NoneType");
    });
  });
}
