/**
 * The fused loss kernels (Backend.loss / lossBackward) on both backends against float64 formulas
 * written here (special values, every length through the SIMD loops' tails, a shared gradient),
 * the loss and activation modules' state and printing, and what the oracle cannot record (dtype
 * messages whose type names a float64 shadow run would change, the promoted dtype of a mixed call).
 */
import { beforeEach, describe, expect, test } from "vitest";
import * as torch from "../src/index.js";
import { backendByName } from "../src/backend/registry.js";
import { Loss, type LossOp } from "../src/backend/backend.js";
import { typedArrayFor, type DType } from "../src/dtype.js";

const F = torch.nn.functional;

// float64 references (PyTorch's formulas)
function lossRef(op: LossOp, x: number, t: number, w: number, a: number): number {
  switch (op) {
    case Loss.BCE: return (t - 1) * Math.max(Math.log1p(-x), -100) - t * Math.max(Math.log(x), -100);
    case Loss.BCE_LOGITS: return (1 - t) * x + ((w - 1) * t + 1) * (Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0));
    case Loss.SMOOTH_L1: { const z = Math.abs(x - t); return z < a ? (0.5 * z * z) / a : z - 0.5 * a; }
    default: { const z = Math.abs(x - t); return z < a ? 0.5 * z * z : a * (z - 0.5 * a); }
  }
}
function gradRef(op: LossOp, g: number, x: number, t: number, w: number, a: number): number {
  const d = x - t;
  switch (op) {
    case Loss.BCE: return (g * d) / Math.max((1 - x) * x, 1e-12);
    case Loss.BCE_LOGITS: return ((w * t + 1 - t) / (1 + Math.exp(-x)) - w * t) * g;
    case Loss.SMOOTH_L1: return d <= -a ? -g : d >= a ? g : (d * g) / a;
    default: return d <= -a ? -g * a : d >= a ? g * a : d * g;
  }
}

/** |a - b| within a relative float32 (or float64) tolerance; NaN matches NaN, infinities exactly. */
function near(a: number, b: number, dtype: DType): boolean {
  if (Number.isNaN(b)) return Number.isNaN(a);
  if (!Number.isFinite(b)) return a === b;
  const tol = dtype === "float32" ? 2e-5 : 1e-12;
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

const OPS: [string, LossOp, number][] = [["BCE", Loss.BCE, 0], ["BCE_LOGITS", Loss.BCE_LOGITS, 0], ["SMOOTH_L1", Loss.SMOOTH_L1, 0.7], ["HUBER", Loss.HUBER, 1.3]];

describe("loss kernels: both backends against the float64 formulas", () => {
  for (const name of ["wasm", "js"] as const) {
    for (const dtype of ["float32", "float64"] as const) {
      test.each(OPS)(`${name} ${dtype} %s`, (_op, op, a) => {
        const be = backendByName(name);
        const round = dtype === "float32" ? Math.fround : (v: number) => v;
        for (const n of [1, 3, 4, 5, 8, 37]) {
          // inputs in the op's domain, with its edge values; a shared offset tests the offsets
          const x = typedArrayFor(dtype, n + 2), t = typedArrayFor(dtype, n + 2), w = typedArrayFor(dtype, n + 2), g = typedArrayFor(dtype, n + 2);
          const edges = op === Loss.BCE ? [0, 1, 0.5, 1e-30] : [0, a, -a, Infinity, -Infinity, NaN, 60, -60];
          for (let i = 0; i < n + 2; i++) {
            x[i] = round(op === Loss.BCE ? (i * 0.377) % 1 : Math.sin(i * 1.7) * 3);
            t[i] = round(op === Loss.BCE || op === Loss.BCE_LOGITS ? (i * 0.61) % 1 : Math.cos(i));
            w[i] = round(0.5 + (i % 3));
            g[i] = round(1 + 0.25 * i);
          }
          edges.forEach((e, k) => { if (2 + k < n + 2) x[2 + k] = round(e); });
          const h = (arr: ArrayLike<number>) => { const hd = be.alloc(dtype, n + 2); be.write(hd, dtype, arr as never, 0); return hd; };
          const hx = h(x), ht = h(t), hw = h(w), hg = h(g), out = be.alloc(dtype, n);
          const pw = op === Loss.BCE_LOGITS ? hw : null;
          be.loss(op, dtype, hx, 2, ht, 2, pw, 2, out, n, a);
          const got = be.read(out, dtype, 0, n);
          for (let i = 0; i < n; i++) {
            const want = lossRef(op, x[i + 2]!, t[i + 2]!, pw === null ? 1 : w[i + 2]!, round(a));
            expect(near(got[i]!, want, dtype), `loss ${i} of ${n}: x ${x[i + 2]} got ${got[i]} want ${want}`).toBe(true);
          }
          for (const gInc of [0, 1] as const) {
            be.lossBackward(op, dtype, hg, 2, gInc, hx, 2, ht, 2, pw, 2, out, n, a, 0.5);
            const gr = be.read(out, dtype, 0, n);
            for (let i = 0; i < n; i++) {
              const want = 0.5 * gradRef(op, g[2 + i * gInc]!, x[i + 2]!, t[i + 2]!, pw === null ? 1 : w[i + 2]!, round(a));
              // (BCE's gradient at exactly 0 or 1 divides by the 1e-12 floor: relative error of the floor's rounding)
              expect(near(gr[i]!, want, dtype) || Math.abs(gr[i]! - want) <= 1e-6 * Math.abs(want), `grad ${i} of ${n} (gInc ${gInc}): x ${x[i + 2]} got ${gr[i]} want ${want}`).toBe(true);
            }
          }
          for (const hd of [hx, ht, hw, hg]) be.free(hd, dtype, n + 2);
          be.free(out, dtype, n);
        }
      });
    }
    test(`${name}: BCE reports an input outside [0, 1] in the vector loop and in the tail`, () => {
      const be = backendByName(name);
      for (const [n, at] of [[8, 1], [7, 6], [3, 0]] as const) {
        for (const bad of [-0.01, 1.01, NaN]) {
          const x = new Float32Array(n).fill(0.5);
          x[at] = bad;
          const hx = be.alloc("float32", n), out = be.alloc("float32", n);
          be.write(hx, "float32", x, 0);
          expect(be.loss(Loss.BCE, "float32", hx, 0, hx, 0, null, 0, out, n, 0)).toBe(true);
          be.write(hx, "float32", new Float32Array(n).fill(0.5), 0);
          expect(be.loss(Loss.BCE, "float32", hx, 0, hx, 0, null, 0, out, n, 0)).toBe(false);
          be.free(hx, "float32", n); be.free(out, "float32", n);
        }
      }
    });
  }
});

for (const backend of ["wasm", "js"] as const) {
  describe(`losses and modules [${backend}]`, () => {
    beforeEach(() => { torch.setBackend(backend); torch.setGradEnabled(true); });

    test("dtype messages name the tensors' own types", () => {
      const p = torch.tensor([0.5, 0.2]);
      expect(() => F.binaryCrossEntropy(p, torch.tensor([0.5, 0.2], { dtype: "float64" }))).toThrow("Found dtype Double but expected Float");
      expect(() => F.binaryCrossEntropy(p.double(), torch.tensor([1, 0], { dtype: "int32" }))).toThrow("Found dtype Int but expected Double");
      expect(() => F.binaryCrossEntropyWithLogits(p.double(), torch.tensor([1, 0], { dtype: "int32" }))).toThrow("result type Double can't be cast to the desired output type Int");
      expect(() => F.pad(torch.zeros([2, 0, 4], { dtype: "float64" }), [1, 1], { mode: "reflect" })).toThrow("2D or 3D (batch mode) tensor expected for input, but got: [ torch.DoubleTensor{2,0,4} ]");
    });

    test("binaryCrossEntropyWithLogits promotes a float32 input with a float64 target", () => {
      const x = torch.tensor([0.3, -2], { requiresGrad: true });
      const t = torch.tensor([1, 0.25], { dtype: "float64" });
      const y = F.binaryCrossEntropyWithLogits(x, t, { reduction: "sum" });
      expect(y.dtype).toBe("float64");
      y.backward();
      expect(x.grad!.dtype).toBe("float32");
      const xs = [Math.fround(0.3), -2], ts = [1, 0.25];
      const want = xs.reduce((s, v, i) => s + lossRef(Loss.BCE_LOGITS, v, ts[i]!, 1, 0), 0);
      expect(y.item()).toBeCloseTo(want, 12);
      Array.from(x.grad!.toArray()).forEach((gv, i) => expect(gv).toBeCloseTo(gradRef(Loss.BCE_LOGITS, 1, xs[i]!, ts[i]!, 1, 0), 6));
    });

    test("loss modules keep PyTorch's buffers and pass their options", () => {
      const pw = torch.tensor([2, 0.5]);
      const m = new torch.nn.BCEWithLogitsLoss({ posWeight: pw, reduction: "sum" });
      expect(Object.keys(m.stateDict())).toEqual(["pos_weight"]);
      expect(m.posWeight).toBe(pw);
      const x = torch.tensor([[0.1, -0.4]]), t = torch.tensor([[1, 0]]);
      expect(m.call(x, t).item()).toBeCloseTo(F.binaryCrossEntropyWithLogits(x, t, { posWeight: pw, reduction: "sum" }).item(), 6);
      expect(Object.keys(new torch.nn.BCELoss({ weight: torch.ones([2]) }).stateDict())).toEqual(["weight"]);
      expect(Object.keys(new torch.nn.NLLLoss().stateDict())).toEqual([]);
      const ce = new torch.nn.CrossEntropyLoss({ labelSmoothing: 0.2 });
      const logits = torch.tensor([[1, 2, 0.5]]), c = torch.tensor([2], { dtype: "int32" });
      expect(ce.call(logits, c).item()).toBeCloseTo(F.crossEntropy(logits, c, { labelSmoothing: 0.2 }).item(), 6);
      expect(() => new torch.nn.HuberLoss({ delta: 1, beta: 2 } as never)).toThrow("HuberLoss() got an unexpected keyword argument 'beta'");
      expect(new torch.nn.SmoothL1Loss({ beta: 0 }).call(x, t).item()).toBeCloseTo(F.l1Loss(x, t).item(), 6);
    });

    test("activation modules print as PyTorch's and compute their functional forms", () => {
      expect(String(new torch.nn.ELU())).toBe("ELU(alpha=1.0)");
      expect(String(new torch.nn.Hardtanh({ minVal: -2 }))).toBe("Hardtanh(min_val=-2, max_val=1.0)");
      expect(String(new torch.nn.LeakyReLU({ negativeSlope: 1e-7 }))).toBe("LeakyReLU(negative_slope=1e-07)");
      expect(String(new torch.nn.Softmax())).toBe("Softmax(dim=None)");
      const x = torch.tensor([[-1.5, 0.2, 3]]);
      const pairs: [torch.nn.Module, torch.Tensor][] = [
        [new torch.nn.SiLU(), F.silu(x)], [new torch.nn.ELU({ alpha: 0.5 }), F.elu(x, 0.5)],
        [new torch.nn.Softplus({ beta: 2, threshold: 1 }), F.softplus(x, { beta: 2, threshold: 1 })],
        [new torch.nn.Hardtanh({ minVal: -1, maxVal: 2 }), F.hardtanh(x, -1, 2)], [new torch.nn.LogSigmoid(), F.logSigmoid(x)],
        [new torch.nn.LogSoftmax({ dim: 1 }), F.logSoftmax(x, 1)], [new torch.nn.GELU({ approximate: "tanh" }), F.gelu(x, { approximate: "tanh" })],
      ];
      for (const [m, want] of pairs) expect(Array.from((m.call(x) as torch.Tensor).toArray())).toEqual(Array.from(want.toArray()));
      expect(() => new torch.nn.Softmax({ dim: 1.5 })).toThrow();
      expect(() => new torch.nn.GELU({ approximate: "erf" } as never).call(x)).toThrow("approximate argument must be either none or tanh.");
    });

    test("pad's reflect and replicate index maps on a ramp", () => {
      const x = torch.arange(5).to("float32").reshape([1, 5]);
      expect(Array.from(F.pad(x, [3, 2], { mode: "reflect" }).toArray())).toEqual([3, 2, 1, 0, 1, 2, 3, 4, 3, 2]);
      expect(Array.from(F.pad(x, [2, -1], { mode: "replicate" }).toArray())).toEqual([0, 0, 0, 1, 2, 3]);
      expect(Array.from(F.pad(x.unsqueeze(0), [2, 1], { mode: "circular" }).toArray())).toEqual([3, 4, 0, 1, 2, 3, 4, 0]);
      expect(Array.from(F.pad(torch.tensor([1, 2], { dtype: "int32" }), [1, 0], { value: 2.7 }).toArray())).toEqual([2, 1, 2]);
    });

    test("no tensor is left behind by a loss, its backward or a pad", () => {
      const x = torch.randn([4, 3], { requiresGrad: true }), t = torch.rand([4, 3]);
      const before = torch.memory().tensors;
      torch.tidy(() => {
        F.binaryCrossEntropy(x.sigmoid(), t).backward();
        F.smoothL1Loss(x, t, { beta: 0.5 }).backward();
        F.pad(x.unsqueeze(0), [1, 2, 1, 1], { mode: "reflect" }).sum().backward();
        F.crossEntropy(x, t.softmax(1), { labelSmoothing: 0.1 }).backward();
        return null as never;
      });
      expect(torch.memory().tensors).toBe(before + 1); // x.grad
    });
  });
}
